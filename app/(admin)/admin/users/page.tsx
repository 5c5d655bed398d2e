import { AdminTable } from '@/components/admin-table';
import { UtcTime } from '@/components/utc-time';
import { requireAccess, visibleIntegrations } from '@/lib/access';
import { passwordSignInAllowed, signInChoices } from '@/lib/admins/single-sign-on';
import { listAdmins } from '@/lib/admins/store';
import { db } from '@/lib/db';
import { listProviders } from '@/lib/providers/store';
import { displayName } from '@/lib/visit/meeting-view';
import { AddAdminForm, GrantsForm, RemoveAdminButton, ResetTwoStepButton, TransferOwnershipButton } from './admin-controls';
import { RemoveProviderButton } from './provider-controls';

export const metadata = { title: 'Users · Televisit' };

export default async function UsersPage() {
  const access = await requireAccess();
  const database = await db();
  const [admins, providers, integrations] = await Promise.all([
    listAdmins(database, access),
    listProviders(database, access),
    visibleIntegrations(database, access),
  ]);
  const { ssoName } = signInChoices();
  const nameOf = new Map(integrations.map((integration) => [integration.id, integration.name]));
  const choices = integrations.map((integration) => ({ id: integration.id, name: integration.name }));
  return (
    <main className="space-y-6">
      <h1 className="text-xl font-semibold">Users</h1>
      <section aria-labelledby="admins-heading" className="rounded-lg bg-white p-5 shadow">
        <h2 id="admins-heading" className="mb-1 text-base font-semibold">Administrators</h2>
        <p className="mb-3 text-sm text-slate-600">
          The owner manages administrators and integrations and sees everything. An admin sees only the integrations granted to them.
          {access.isOwner ? null : ' Only the owner can change who is an admin.'}
        </p>
        <ul className="divide-y divide-slate-100" aria-label="Administrators">
          {admins.map((admin) => (
            <li key={admin.id} className="space-y-2 py-3 text-sm" aria-label={admin.email}>
              <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                <span className="font-medium break-all">{admin.email}</span>
                <span className={admin.role === 'owner' ? 'rounded bg-brand-100 px-1.5 text-xs font-semibold text-brand-800' : 'rounded bg-slate-100 px-1.5 text-xs'}>{admin.role}</span>
                {admin.id === access.admin.id ? <span className="text-slate-600">(you)</span> : null}
                <span className="text-slate-600">{signInMethods(admin)}</span>
                <span className="text-slate-600">
                  added {admin.createdAt.toISOString().slice(0, 10)}
                  {admin.createdBy ? ` by ${admin.createdBy}` : ''}
                </span>
              </div>
              {admin.role === 'owner' ? (
                <p className="text-slate-600">Sees every integration.</p>
              ) : access.isOwner ? (
                <GrantsForm adminId={admin.id} email={admin.email} choices={choices} granted={admin.integrationIds} />
              ) : (
                <p className="text-slate-600">
                  Sees: {admin.integrationIds.map((id) => nameOf.get(id)).filter(Boolean).join(', ') || 'no integration'}
                </p>
              )}
              {access.isOwner && admin.role !== 'owner' ? (
                <div className="flex flex-wrap gap-2">
                  <TransferOwnershipButton adminId={admin.id} email={admin.email} />
                  <RemoveAdminButton adminId={admin.id} email={admin.email} />
                  {admin.twoStep ? <ResetTwoStepButton adminId={admin.id} email={admin.email} /> : null}
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      </section>
      {access.isOwner ? (
        <section aria-labelledby="add-admin-heading" className="rounded-lg bg-white p-5 shadow">
          <h2 id="add-admin-heading" className="mb-3 text-base font-semibold">Add an administrator</h2>
          {ssoName ? (
            <p className="mb-3 text-sm text-slate-600">
              People of the admin groups get an account at their first sign-in with {ssoName}. Add someone here to grant integrations before then: the
              account is linked to them by email when they first sign in.
              {passwordSignInAllowed('admin') ? null : ' Admins may not sign in with a password on this server, so the initial password is never used.'}
            </p>
          ) : null}
          <AddAdminForm choices={choices} />
        </section>
      ) : null}
      <section aria-labelledby="providers-heading" className="rounded-lg bg-white p-5 shadow">
        <h2 id="providers-heading" className="text-base font-semibold">Provider accounts created at launch</h2>
        <p className="mb-3 mt-1 text-sm text-slate-600">
          Made the first time a provider opens an Epic launch link; they stay until removed here. Removing one does not affect visits in
          progress, and the provider&apos;s next launch creates the account again.
        </p>
        <AdminTable label="Provider accounts created at launch" columns={['Email', 'Name', 'Epic user ID', 'User type', 'Created', 'Last launch', <span className="sr-only">Actions</span>]} rowCount={providers.length} empty={'No provider has launched a visit yet.'}>
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
                <td className="whitespace-nowrap px-3 py-2 text-right">
                  <RemoveProviderButton providerId={provider.id} label={`${name} (${provider.epicUserId})`} />
                </td>
              </tr>
            );
          })}
        </AdminTable>
      </section>
    </main>
  );
}

/** How an admin signs in, as the owner needs to know it: through the provider, a password, or both. */
function signInMethods(admin: { singleSignOn: boolean; hasPassword: boolean; twoStep: boolean }): string {
  const password = admin.hasPassword ? (admin.twoStep ? 'password with two-step sign-in' : 'password only') : null;
  return [admin.singleSignOn ? 'single sign-on' : null, password].filter(Boolean).join(' · ') || 'no way to sign in';
}
