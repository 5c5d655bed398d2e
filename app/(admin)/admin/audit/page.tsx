import { TableScroller } from '@/components/table-scroller';
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
      <TableScroller className="rounded-lg bg-white shadow">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-100 text-slate-700">
            <tr>
              <th scope="col" className="px-3 py-2">When</th>
              <th scope="col" className="px-3 py-2">Who</th>
              <th scope="col" className="px-3 py-2">Action</th>
              <th scope="col" className="px-3 py-2">Target</th>
              <th scope="col" className="px-3 py-2">Fields changed</th>
            </tr>
          </thead>
          <tbody>
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
            {entries.length === 0 ? (
              <tr>
                <td colSpan={5} className="px-3 py-6 text-center text-slate-600">No changes yet.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </TableScroller>
    </main>
  );
}
