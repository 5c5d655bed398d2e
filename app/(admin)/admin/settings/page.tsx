import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requireAccess, requireIntegration, visibleIntegrations } from '@/lib/access';
import { logoUrl } from '@/lib/branding/logo';
import { db } from '@/lib/db';
import { env } from '@/lib/env';
import { oauthRedirectUri } from '@/lib/public-url';
import { formValues, secretHints, storedSecrets } from '@/lib/settings/store';
import { SettingsForm } from './settings-form';

export const metadata = { title: 'Epic integration settings · Televisit' };

type SearchParams = Promise<{ integration?: string | string[]; new?: string | string[] }>;

/** One integration's settings (?integration=<id>, else the first this admin sees); ?new=1 adds one (owner). */
export default async function SettingsPage({ searchParams }: { searchParams: SearchParams }) {
  const access = await requireAccess();
  const database = await db();
  const asked = await searchParams;
  const visible = await visibleIntegrations(database, access);
  const adding = asked.new === '1' || (access.isOwner && visible.length === 0);
  if (adding && !access.isOwner) notFound();
  if (!adding && visible.length === 0) {
    return (
      <main>
        <h1 className="text-xl font-semibold">Epic integration settings</h1>
        <p className="mt-2 text-sm text-slate-700">No integration is granted to you yet. Ask the owner.</p>
      </main>
    );
  }
  const integration = adding ? null : await requireIntegration(database, access, typeof asked.integration === 'string' ? asked.integration : visible[0]!.id);
  return (
    <main>
      <h1 className="text-xl font-semibold">{integration ? `Epic integration settings: ${integration.name}` : 'Add an Epic integration'}</h1>
      <p className="mb-6 mt-1 text-sm text-slate-600">
        {integration
          ? 'Changes take effect for the next launch from Epic.'
          : 'Fill in the settings your Epic technical representative gave you, then save.'}
        {integration?.retiredAt ? ' This integration is retired: its links are refused.' : ''}{' '}
        {visible.length > 1 || access.isOwner ? (
          <Link href="/admin/integrations" className="text-brand-700 underline">
            All integrations
          </Link>
        ) : null}
      </p>
      <SettingsForm
        key={integration?.id ?? 'new'}
        integrationId={integration?.id ?? null}
        initialValues={{ ...formValues(integration), name: integration?.name ?? (visible.length ? '' : 'Primary') }}
        storedSecrets={storedSecrets(integration)}
        secretHints={secretHints(integration)}
        logoSrc={integration?.logoHash ? logoUrl(integration.logoHash) : null}
        server={{ publicUrlConfigured: env().publicUrlConfigured, mediaServerConfigured: Boolean(env().JANUS_URL), oauthRedirectUri: oauthRedirectUri() }}
      />
    </main>
  );
}
