import { requireAdmin } from '@/lib/auth';
import { logoUrl } from '@/lib/branding/logo';
import { db } from '@/lib/db';
import { env } from '@/lib/env';
import { oauthRedirectUri } from '@/lib/public-url';
import { formValues, primaryIntegration, secretHints, storedSecrets } from '@/lib/settings/store';
import { SettingsForm } from './settings-form';

export const metadata = { title: 'Epic integration settings · Televisit' };

export default async function SettingsPage() {
  await requireAdmin();
  const integration = await primaryIntegration(await db());
  return (
    <main>
      <h1 className="text-xl font-semibold">Epic integration settings</h1>
      <p className="mb-6 mt-1 text-sm text-slate-600">
        {integration
          ? 'Changes take effect for the next launch from Epic.'
          : 'Nothing is configured yet. Fill in the settings your Epic technical representative gave you, then save.'}
      </p>
      <SettingsForm
        initialValues={formValues(integration)}
        storedSecrets={storedSecrets(integration)}
        secretHints={secretHints(integration)}
        logoSrc={integration?.logoHash ? logoUrl(integration.logoHash) : null}
        server={{ publicUrlConfigured: env().publicUrlConfigured, oauthRedirectUri: oauthRedirectUri() }}
      />
    </main>
  );
}
