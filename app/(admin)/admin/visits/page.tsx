import { TableScroller } from '@/components/table-scroller';
import { UtcTime } from '@/components/utc-time';
import { requireAdmin } from '@/lib/auth';
import { db } from '@/lib/db';
import { recentVisits, VISIT_LIST_LIMIT, type VisitSummary } from '@/lib/visit/visit-list';

export const metadata = { title: 'Visits · Televisit' };

export default async function VisitsPage() {
  await requireAdmin();
  const visits = await recentVisits(await db());
  const active = visits.filter((visit) => visit.state !== 'ended');
  const ended = visits.filter((visit) => visit.state === 'ended');
  return (
    <main className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">Visits</h1>
        <p className="mt-1 text-sm text-slate-600">
          The newest {VISIT_LIST_LIMIT} meetings, newest first. Patient records are deleted when a visit ends, so ended visits list only their
          providers.
        </p>
      </div>
      <VisitSection id="active-visits" title={`Active (${active.length})`} visits={active} empty="No visit is waiting or in progress." />
      <VisitSection id="ended-visits" title={`Ended (${ended.length})`} visits={ended} empty="No visit has ended yet." />
    </main>
  );
}

function VisitSection({ id, title, visits, empty }: { id: string; title: string; visits: VisitSummary[]; empty: string }) {
  return (
    <section aria-labelledby={`${id}-heading`} className="space-y-3">
      <h2 id={`${id}-heading`} className="text-base font-semibold">
        {title}
      </h2>
      {visits.length === 0 ? <p className="rounded-lg bg-white p-5 text-sm text-slate-600 shadow">{empty}</p> : null}
      {visits.map((visit) => (
        <VisitCard key={visit.meetingId} visit={visit} />
      ))}
    </section>
  );
}

function VisitCard({ visit }: { visit: VisitSummary }) {
  const headingId = `meeting-${visit.meetingId}-heading`;
  return (
    <article id={`meeting-${visit.meetingId}`} aria-labelledby={headingId} className="space-y-4 rounded-lg bg-white p-5 shadow">
      <div className="flex flex-wrap items-center gap-3">
        <h3 id={headingId} className="font-semibold break-all">
          {visit.conferenceId ? `Conference ${visit.conferenceId}` : `Session ${visit.sessionId ?? '—'}`}
        </h3>
        <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATE_CLASSES[visit.state] ?? STATE_CLASSES.ended}`}>{visit.state}</span>
      </div>
      <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-3">
        <Detail term="SessionID">{visit.sessionId ?? '—'}</Detail>
        <Detail term="ConferenceID">{visit.conferenceId ?? '—'}</Detail>
        <Detail term="Host">
          {visit.host}
          {visit.hostIsProvider ? null : <span className="text-slate-600"> (default host)</span>}
        </Detail>
        <div className="sm:col-span-2 lg:col-span-3">
          <dt className="text-slate-600">Meeting ID</dt>
          <dd className="font-mono text-xs break-all select-all" data-testid="meeting-id">
            {visit.meetingId}
          </dd>
        </div>
        <Detail term="Created">
          <UtcTime value={visit.createdAt} />
        </Detail>
        <Detail term="Started">
          <UtcTime value={visit.startedAt} empty="not yet" />
        </Detail>
        <Detail term="Ended">
          <UtcTime value={visit.endedAt} empty="not yet" />
        </Detail>
      </dl>
      {visit.participants.length === 0 ? (
        <p className="text-sm text-slate-600">No participants.</p>
      ) : (
        <TableScroller>
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Participants of {visit.sessionId ?? visit.conferenceId ?? visit.meetingId}</caption>
            <thead className="bg-slate-100 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2">User type</th>
                <th scope="col" className="px-3 py-2">Name</th>
                <th scope="col" className="px-3 py-2">Epic user ID</th>
                <th scope="col" className="px-3 py-2">Admission</th>
                <th scope="col" className="px-3 py-2">Connection</th>
              </tr>
            </thead>
            <tbody>
              {visit.participants.map((person) => (
                <tr key={person.id} className="border-t border-slate-100">
                  <td className="px-3 py-2">{person.userType}</td>
                  <td className="px-3 py-2">{person.name}</td>
                  <td className="px-3 py-2 font-mono text-xs">{person.epicUserId}</td>
                  <td className="px-3 py-2">{person.admission}</td>
                  <td className="px-3 py-2">
                    {person.connected ? <span className="font-medium text-green-800">Connected</span> : <span className="text-slate-600">Not connected</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroller>
      )}
    </article>
  );
}

function Detail({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-slate-600">{term}</dt>
      <dd className="break-words">{children}</dd>
    </div>
  );
}

const STATE_CLASSES: Record<string, string> = {
  waiting: 'bg-amber-100 text-amber-900',
  active: 'bg-green-100 text-green-900',
  ended: 'bg-slate-200 text-slate-800',
};
