import Link from 'next/link';
import { buttonClass } from '@/components/field';
import { AdminTable } from '@/components/admin-table';
import { requireAccess, visibleIntegrations } from '@/lib/access';
import { db } from '@/lib/db';
import { RetireButton } from './retire-button';

export const metadata = { title: 'Integrations · Televisit' };

/** Every Epic organization or environment this server serves, each with its own settings and records. */
export default async function IntegrationsPage() {
  const access = await requireAccess();
  const integrations = await visibleIntegrations(await db(), access);
  return (
    <main className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold">Integrations</h1>
          <p className="mt-1 text-sm text-slate-600">
            Each Epic organization or environment has its own settings, Encryption Key, rooms and records.
            {access.isOwner ? '' : ' You see the ones the owner granted you.'}
          </p>
        </div>
        {access.isOwner ? (
          <Link href="/admin/settings?new=1" className={buttonClass}>
            Add an integration
          </Link>
        ) : null}
      </div>
      <AdminTable label="Integrations" columns={['Name', 'Encryption Key', 'Epic Environment', 'State', <span className="sr-only">Actions</span>]} rowCount={integrations.length} empty={'No integration yet.'}>
        {integrations.map((integration) => (
          <tr key={integration.id} className="border-t border-slate-100" aria-label={integration.name}>
            <td className="px-3 py-2 font-medium">{integration.name}</td>
            <td className="px-3 py-2 font-mono text-xs">{integration.encryptionKey}</td>
            <td className="px-3 py-2">{integration.epicEnvironment}</td>
            <td className="px-3 py-2">{integration.retiredAt ? 'Retired' : 'In use'}</td>
            <td className="flex flex-wrap items-center gap-2 px-3 py-2">
              <Link href={`/admin/settings?integration=${integration.id}`} className="text-brand-700 underline">
                Settings
              </Link>
              <Link href={`/admin/rooms?integration=${integration.id}`} className="text-brand-700 underline">
                Rooms
              </Link>
              {access.isOwner ? <RetireButton integrationId={integration.id} name={integration.name} retired={Boolean(integration.retiredAt)} /> : null}
            </td>
          </tr>
        ))}
      </AdminTable>
    </main>
  );
}
