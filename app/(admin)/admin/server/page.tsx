import { UtcTime } from '@/components/utc-time';
import { requireOwnerPage } from '@/lib/access';
import { db } from '@/lib/db';
import { readServerSettings, serverSettingsFormValues } from '@/lib/server-settings/store';
import { RequireTwoStepSwitch } from './require-two-step-switch';
import { ServerSettingsForm } from './server-settings-form';

export const metadata = { title: 'Server settings · Televisit' };

export default async function ServerSettingsPage() {
  const { admin } = await requireOwnerPage();
  const settings = await readServerSettings(await db());
  return (
    <main className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold">Server settings</h1>
        <p className="mt-1 text-sm text-slate-600">
          For every integration on this server: when an abandoned visit ends by itself, and how long records are kept. Records past their
          period are purged once an hour{settings.lastPurgeAt ? (
            <>
              ; the last purge ran <UtcTime value={settings.lastPurgeAt} />
            </>
          ) : null}
          .
        </p>
      </div>
      <ServerSettingsForm initialValues={serverSettingsFormValues(settings)} />
      <RequireTwoStepSwitch required={settings.requireTwoStep} ownerEnrolled={Boolean(admin.totpSecret)} />
    </main>
  );
}
