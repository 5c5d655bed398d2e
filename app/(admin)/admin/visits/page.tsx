import { buttonClass, inputClass } from '@/components/field';
import { AdminTable } from '@/components/admin-table';
import { UtcTime } from '@/components/utc-time';
import { FILTER_FIELD, FILTER_FORM, IntegrationFilter, SEARCH_FIELD } from '@/components/integration-filter';
import { canSee, requireAccess, visibleIntegrations } from '@/lib/access';
import { db } from '@/lib/db';
import { MEETING_STATES } from '@/lib/visit/schema';
import { searchVisits, visitDuration, visitsSearchSchema, type GreenLight, type VisitsSearch, type VisitSummary } from '@/lib/visit/visit-list';
import { EndVisitButton } from './end-visit-button';

export const metadata = { title: 'Visits · Televisit' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function VisitsPage({ searchParams }: { searchParams: SearchParams }) {
  const access = await requireAccess();
  const raw = Object.fromEntries(Object.entries(await searchParams).map(([name, value]) => [name, Array.isArray(value) ? value[0] : value]));
  const parsed = visitsSearchSchema.safeParse(raw);
  const search: VisitsSearch = parsed.success ? parsed.data : { q: '' };
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  if (search.integration && !canSee(access, search.integration)) search.integration = undefined;
  const database = await db();
  const [{ rows, nextBefore }, integrations] = await Promise.all([searchVisits(database, access, search), visibleIntegrations(database, access)]);

  return (
    <main>
      <h1 className="text-xl font-semibold">Visits</h1>
      <p className="mb-4 mt-1 text-sm text-slate-600">
        Newest first. Patients&apos; records are deleted when a visit ends, so ended visits list only their providers. The green light is what
        Epic was last told about each person, and whether that call went through.
      </p>
      <form method="get" role="search" aria-label="Search" className={FILTER_FORM}>
        <div className={SEARCH_FIELD}>
          <label htmlFor="q" className="block text-sm font-medium">Meeting ID, SessionID or ConferenceID</label>
          <input id="q" name="q" type="search" defaultValue={search.q} className={`${inputClass} font-mono`} spellCheck={false} />
        </div>
        <IntegrationFilter integrations={integrations} selected={search.integration} />
        <div className={FILTER_FIELD}>
          <label htmlFor="state" className="block text-sm font-medium">State</label>
          <select id="state" name="state" defaultValue={search.state ?? ''} className={inputClass}>
            <option value="">Any</option>
            {MEETING_STATES.map((state) => (
              <option key={state} value={state}>{state}</option>
            ))}
          </select>
        </div>
        <div className={FILTER_FIELD}>
          <label htmlFor="from" className="block text-sm font-medium">From (UTC)</label>
          <input id="from" name="from" type="date" defaultValue={search.from ?? ''} className={inputClass} />
        </div>
        <div className={FILTER_FIELD}>
          <label htmlFor="to" className="block text-sm font-medium">To (UTC)</label>
          <input id="to" name="to" type="date" defaultValue={search.to ?? ''} className={inputClass} />
        </div>
        <button type="submit" className={buttonClass}>Search</button>
      </form>
      {problems.length ? (
        <p role="alert" className="mb-4 text-sm text-red-700">{problems.join('; ')}</p>
      ) : null}
      <AdminTable label="Visits" columns={['State', 'SessionID / ConferenceID', 'Provider', 'People', 'Started (UTC)', 'Duration', 'Who, and the green light']} rowCount={rows.length} next={nextBefore ? { href: `/admin/visits?${pageQuery(search, nextBefore)}`, label: 'Older visits' } : null} empty={'No visit matches.'}>
        {rows.map((visit) => (
          <VisitRow key={visit.meetingId} visit={visit} />
        ))}
      </AdminTable>
    </main>
  );
}

function VisitRow({ visit }: { visit: VisitSummary }) {
  const key = visit.conferenceId ? `Conference ${visit.conferenceId}` : `Session ${visit.sessionId ?? '—'}`;
  const connected = visit.participants.filter((person) => person.connected).length;
  return (
    <tr className="border-t border-slate-100 align-top" data-testid="visit-row" data-meeting-id={visit.meetingId} aria-label={key}>
      <td className="px-3 py-2">
        <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATE_CLASSES[visit.state]}`}>{visit.state}</span>
        {visit.endedBy ? <div className="mt-1 text-xs text-slate-600">by {ENDED_BY[visit.endedBy] ?? visit.endedBy}</div> : null}
        {/* End sits with the state it changes: a last column of its own was cut off at 1280 px. */}
        {visit.state === 'ended' ? null : (
          <div className="mt-2 whitespace-nowrap">
            <EndVisitButton meetingId={visit.meetingId} label={key} />
          </div>
        )}
      </td>
      <td className="px-3 py-2">
        <div className="font-medium">{key}</div>
        {visit.generation > 1 ? <div className="text-xs text-slate-600">started again ({ordinal(visit.generation)} meeting)</div> : null}
        <div className="break-all font-mono text-xs text-slate-600 select-all" data-testid="meeting-id">{visit.meetingId}</div>
      </td>
      <td className="px-3 py-2">
        {visit.host}
        {visit.hostIsProvider ? null : <span className="text-slate-600"> (default host)</span>}
      </td>
      <td className="px-3 py-2" data-testid="people-count">
        {connected} connected of {visit.participants.length}
      </td>
      <td className="whitespace-nowrap px-3 py-2">
        <UtcTime value={visit.startedAt} empty="not yet" />
      </td>
      <td className="whitespace-nowrap px-3 py-2">{visitDuration(visit)}</td>
      <td className="min-w-72 px-3 py-2">
        {visit.participants.length === 0 ? <span className="text-slate-600">No one</span> : null}
        <ul className="space-y-1">
          {visit.participants.map((person) => (
            <li key={person.id} data-testid="participant">
              <span className="font-medium">{person.name}</span>{' '}
              {person.role ? (
                <span className="text-slate-700" data-testid="guest-role">
                  ({person.role}
                  {person.language ? `, ${person.language}` : ''})
                </span>
              ) : (
                <span className="text-slate-600">
                  ({person.userType}, <span className="font-mono text-xs">{person.epicUserId}</span>)
                </span>
              )}
              {person.admission ? <span className="text-slate-700"> · {person.admission}</span> : null}
              {' · '}
              {person.connected ? <span className="font-medium text-green-800">Connected</span> : <span className="text-slate-600">Not connected</span>}
              {' · '}
              <GreenLightBadge light={person.greenLight} />
            </li>
          ))}
        </ul>
      </td>
    </tr>
  );
}

function GreenLightBadge({ light }: { light: GreenLight | null }) {
  if (!light) return <span className="text-slate-600">Epic not told yet</span>;
  const good = light.state === 'delivered';
  return (
    <span className={good ? 'text-green-800' : light.state === 'pending' ? 'text-amber-800' : 'text-red-700'} data-testid="green-light">
      Epic told {light.status} ({light.state === 'delivered' ? `RespCode ${light.respCode}` : light.state === 'pending' ? 'sending' : `${light.state}, RespCode ${light.respCode ?? 0}`})
    </span>
  );
}

function pageQuery(search: VisitsSearch, before: string): string {
  const query = new URLSearchParams();
  for (const name of ['q', 'state', 'from', 'to', 'integration'] as const) if (search[name]) query.set(name, search[name]!);
  query.set('before', before);
  return query.toString();
}

function ordinal(value: number): string {
  return value === 2 ? '2nd' : value === 3 ? '3rd' : `${value}th`;
}

const ENDED_BY: Record<string, string> = { provider: 'the provider', admin: 'an admin', idle: 'itself (nobody there)', links_expired: 'itself (links expired)' };

const STATE_CLASSES: Record<VisitSummary['state'], string> = {
  waiting: 'bg-amber-100 text-amber-900',
  active: 'bg-green-100 text-green-900',
  ended: 'bg-slate-200 text-slate-800',
};
