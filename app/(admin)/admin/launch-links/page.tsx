import Link from 'next/link';
import { requireAccess, visibleIntegrations } from '@/lib/access';
import { db } from '@/lib/db';
import { randomSessionId } from '@/lib/epic/sample-link-schema';
import { LaunchLinkForm } from './launch-link-form';

export const metadata = { title: 'Sample launch links · Televisit' };

export default async function LaunchLinksPage() {
  const access = await requireAccess();
  const integrations = (await visibleIntegrations(await db(), access)).filter((integration) => !integration.retiredAt);
  return (
    <main className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold">Sample launch links</h1>
        <p className="mt-1 text-sm text-slate-600">
          Builds a launch link the way Epic does, encrypted with the saved Encryption Secret, to try a visit without Epic or to compare with the
          link from your FDI record. Anyone holding a link joins as the person it names until it expires, so share it with care.
        </p>
      </div>
      {integrations.length ? (
        <LaunchLinkForm
          initialSessionId={randomSessionId()}
          integrations={integrations.map((integration) => ({ id: integration.id, name: integration.name, encryptionKey: integration.encryptionKey }))}
        />
      ) : (
        <p role="status" className="rounded-lg bg-white p-5 text-sm shadow">
          No Epic integration is configured yet, so there is nothing to build a link for.{' '}
          <Link href="/admin/settings" className="font-medium text-brand-700 underline">
            Go to Settings
          </Link>{' '}
          and save the Encryption Key and Secret first.
        </p>
      )}
    </main>
  );
}
