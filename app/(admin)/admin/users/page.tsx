import { TableScroller } from '@/components/table-scroller';
import { UtcTime } from '@/components/utc-time';
import { listAdmins } from '@/lib/admins/store';
import { requireAdmin } from '@/lib/auth';
import { db } from '@/lib/db';
import { listProviders } from '@/lib/providers/store';
import { displayName } from '@/lib/visit/meeting-view';
import { AddAdminForm, RemoveAdminButton } from './admin-controls';
import { RemoveProviderButton } from './provider-controls';

export const metadata = { title: 'Users · Televisit' };

export default async function UsersPage() {
  const me = await requireAdmin();
  const database = await db();
  const [admins, providers] = await Promise.all([listAdmins(database), listProviders(database)]);
  return (
    <main className="space-y-6">
      <h1 className="text-xl font-semibold">Users</h1>
      <section aria-labelledby="admins-heading" className="rounded-lg bg-white p-5 shadow">
        <h2 id="admins-heading" className="mb-3 text-base font-semibold">Administrators</h2>
        <ul className="divide-y divide-slate-100" aria-label="Administrators">
          {admins.map((admin) => (
            <li key={admin.id} className="flex flex-wrap items-center gap-3 py-2 text-sm">
              <span className="font-medium break-all">{admin.email}</span>
              {admin.id === me.id ? <span className="text-slate-600">(you)</span> : null}
              <span className="text-slate-600">
                added {admin.createdAt.toISOString().slice(0, 10)}
                {admin.createdBy ? ` by ${admin.createdBy}` : ' (owner)'}
              </span>
              {admin.id === me.id ? null : (
                <span className="ml-auto">
                  <RemoveAdminButton adminId={admin.id} email={admin.email} />
                </span>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="add-admin-heading" className="rounded-lg bg-white p-5 shadow">
        <h2 id="add-admin-heading" className="mb-3 text-base font-semibold">Add an administrator</h2>
        <AddAdminForm />
      </section>
      <section aria-labelledby="providers-heading" className="rounded-lg bg-white p-5 shadow">
        <h2 id="providers-heading" className="text-base font-semibold">Provider accounts created at launch</h2>
        <p className="mb-3 mt-1 text-sm text-slate-600">
          Made the first time a provider opens an Epic launch link; they stay until removed here. Removing one does not affect visits in
          progress, and the provider&apos;s next launch creates the account again.
        </p>
        <TableScroller>
          <table className="w-full text-left text-sm" aria-labelledby="providers-heading">
            <thead className="bg-slate-100 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2">Email</th>
                <th scope="col" className="px-3 py-2">Name</th>
                <th scope="col" className="px-3 py-2">Epic user ID</th>
                <th scope="col" className="px-3 py-2">User type</th>
                <th scope="col" className="px-3 py-2">Created</th>
                <th scope="col" className="px-3 py-2">Last launch</th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {providers.map((provider) => {
                const name = displayName({ ...provider, userType: 'Provider' });
                return (
                  <tr key={provider.id} className="border-t border-slate-100 align-top">
                    <td className="px-3 py-2">{provider.email ?? '—'}</td>
                    <td className="px-3 py-2">{name}</td>
                    <td className="px-3 py-2 font-mono text-xs">{provider.epicUserId}</td>
                    <td className="px-3 py-2">{provider.userType}</td>
                    <td className="whitespace-nowrap px-3 py-2">
                      <UtcTime value={provider.createdAt} />
                    </td>
                    <td className="whitespace-nowrap px-3 py-2">
                      <UtcTime value={provider.lastLaunchAt} />
                    </td>
                    <td className="px-3 py-2 text-right">
                      <RemoveProviderButton providerId={provider.id} label={`${name} (${provider.epicUserId})`} />
                    </td>
                  </tr>
                );
              })}
              {providers.length === 0 ? (
                <tr>
                  <td colSpan={7} className="px-3 py-6 text-center text-slate-600">No provider has launched a visit yet.</td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </TableScroller>
      </section>
    </main>
  );
}
