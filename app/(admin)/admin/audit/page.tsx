import { AdminTable } from '@/components/admin-table';
import { UtcTime } from '@/components/utc-time';
import { recentAudit } from '@/lib/audit/log';
import { requireOwnerPage } from '@/lib/access';
import { db } from '@/lib/db';

export const metadata = { title: 'Audit · Televisit' };

export default async function AuditPage() {
  // Who changed what, across every integration: the owner's page.
  const access = await requireOwnerPage();
  const entries = await recentAudit(await db(), access);
  return (
    <main>
      <h1 className="mb-4 text-xl font-semibold">Audit log</h1>
      <p className="mb-4 text-sm text-slate-600">Every change to settings and admins, newest first. Secret values are never recorded.</p>
      <AdminTable label="Audit log" columns={['When', 'Who', 'Action', 'Target', 'Fields changed']} rowCount={entries.length} empty={'No changes yet.'}>
        {entries.map((entry) => (
          <tr key={entry.id} className="border-t border-slate-100 align-top">
            <td className="whitespace-nowrap px-3 py-2">
              <UtcTime value={entry.at} />
            </td>
            <td className="px-3 py-2">{entry.actorEmail}</td>
            <td className="px-3 py-2 font-mono text-xs">{entry.action}</td>
            <td className="px-3 py-2">{entry.target}</td>
            <td className="px-3 py-2">{entry.changedFields.join(', ')}</td>
          </tr>
        ))}
      </AdminTable>
    </main>
  );
}
