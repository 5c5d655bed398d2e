import { listAdmins } from '@/lib/admins/store';
import { requireAdmin } from '@/lib/auth';
import { db } from '@/lib/db';
import { AddAdminForm, RemoveAdminButton } from './admin-controls';

export const metadata = { title: 'Users · Televisit' };

export default async function UsersPage() {
  const me = await requireAdmin();
  const admins = await listAdmins(await db());
  return (
    <main className="space-y-6">
      <h1 className="text-xl font-semibold">Users</h1>
      <section aria-labelledby="admins-heading" className="rounded-lg bg-white p-5 shadow">
        <h2 id="admins-heading" className="mb-3 text-base font-semibold">Administrators</h2>
        <ul className="divide-y divide-slate-100" aria-label="Administrators">
          {admins.map((admin) => (
            <li key={admin.id} className="flex flex-wrap items-center gap-3 py-2 text-sm">
              <span className="font-medium">{admin.email}</span>
              {admin.id === me.id ? <span className="text-slate-600">(you)</span> : null}
              <span className="text-slate-600">
                added {admin.createdAt.toISOString().slice(0, 10)}
                {admin.createdBy ? ` by ${admin.createdBy}` : ' (owner)'}
              </span>
              <span className="ml-auto">
                <RemoveAdminButton adminId={admin.id} email={admin.email} />
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="add-admin-heading" className="rounded-lg bg-white p-5 shadow">
        <h2 id="add-admin-heading" className="mb-3 text-base font-semibold">Add an administrator</h2>
        <AddAdminForm />
      </section>
    </main>
  );
}
