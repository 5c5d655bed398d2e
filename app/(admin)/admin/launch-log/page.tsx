import { AdminTable } from '@/components/admin-table';
import { and, eq, ne, or } from 'drizzle-orm';
import Link from 'next/link';
import { UtcTime } from '@/components/utc-time';
import { FILTER_FORM, IntegrationFilter, SEARCH_FIELD } from '@/components/integration-filter';
import { buttonClass, inputClass } from '@/components/field';
import { TextWithLocalTimes } from '@/components/local-time';
import { canSee, requireAccess, visibleIntegrations } from '@/lib/access';
import { db } from '@/lib/db';
import { launchLog } from '@/lib/db/schema';
import { recentLaunches } from '@/lib/epic/launch-log';

export const metadata = { title: 'Launch log · Televisit' };

export default async function LaunchLogPage({ searchParams }: { searchParams: Promise<{ refused?: string | string[]; integration?: string | string[]; q?: string | string[] }> }) {
  const access = await requireAccess();
  const asked = await searchParams;
  const refusedOnly = asked.refused === '1';
  const integration = typeof asked.integration === 'string' && canSee(access, asked.integration) ? asked.integration : undefined;
  // The analyst guide sends people here with a SessionID (Epic's CSN) or a meeting ID.
  const q = typeof asked.q === 'string' ? asked.q.trim().slice(0, 200) : '';
  const database = await db();
  // Admins see their integrations' launches; launches with an unknown key only the owner sees.
  const entries = await recentLaunches(
    database,
    access,
    and(
      refusedOnly ? ne(launchLog.outcome, 'ok') : undefined,
      integration ? eq(launchLog.integrationId, integration) : undefined,
      q ? (UUID.test(q) ? or(eq(launchLog.meetingId, q.toLowerCase()), eq(launchLog.sessionId, q)) : eq(launchLog.sessionId, q)) : undefined,
    ),
  );
  const integrations = await visibleIntegrations(database, access);
  const withFilter = (refused: boolean) => `/admin/launch-log?${new URLSearchParams({ ...(refused ? { refused: '1' } : {}), ...(integration ? { integration } : {}), ...(q ? { q } : {}) }).toString()}`.replace(/\?$/, '');
  return (
    <main>
      <h1 className="text-xl font-semibold">Launch log</h1>
      <p className="mb-4 mt-1 text-sm text-slate-600">
        Every launch link opened, newest first, with why a refused one was refused. The person who opened it only saw a generic error page.
      </p>
      <nav aria-label="Launch log filter" className="mb-4 flex flex-wrap gap-2 text-sm">
        <FilterLink href={withFilter(false)} current={!refusedOnly}>
          All launches
        </FilterLink>
        <FilterLink href={withFilter(true)} current={refusedOnly}>
          Only refused launches
        </FilterLink>
      </nav>
      <form method="get" role="search" aria-label="Search launches" className={FILTER_FORM}>
        {refusedOnly ? <input type="hidden" name="refused" value="1" /> : null}
        <div className={SEARCH_FIELD}>
          <label htmlFor="q" className="block text-sm font-medium">SessionID or Meeting ID</label>
          <input id="q" name="q" type="search" defaultValue={q} className={`${inputClass} font-mono`} spellCheck={false} />
        </div>
        {integrations.length > 1 ? <IntegrationFilter integrations={integrations} selected={integration} /> : null}
        <button type="submit" className={buttonClass}>Search</button>
      </form>
      <AdminTable label={refusedOnly ? 'Refused launches' : 'Launches'} columns={['When', 'Encryption key', 'Outcome', 'Detail', 'Session ID', 'User ID', 'User type', 'Meeting ID']} rowCount={entries.length} empty={refusedOnly ? 'No refused launches.' : 'No launches yet.'}>
        {entries.map((entry) => (
          <tr key={entry.id} className="border-t border-slate-100 align-top">
            <td className="whitespace-nowrap px-3 py-2">
              <UtcTime value={entry.at} />
            </td>
            <td className="px-3 py-2 font-mono text-xs break-all">{entry.encryptionKey ?? '—'}</td>
            <td className="px-3 py-2">
              <span
                title={OUTCOME_MEANINGS[entry.outcome]}
                className={`whitespace-nowrap rounded px-1.5 py-0.5 font-mono text-xs ${entry.outcome === 'ok' ? 'bg-green-100 text-green-900' : 'bg-red-100 text-red-900'}`}
              >
                {entry.outcome}
              </span>
            </td>
            <td className="min-w-64 px-3 py-2">
              <TextWithLocalTimes text={entry.detail ?? ''} />
            </td>
            <td className="px-3 py-2 font-mono text-xs">{entry.sessionId ?? ''}</td>
            <td className="px-3 py-2 font-mono text-xs">{entry.epicUserId ?? ''}</td>
            <td className="px-3 py-2">{entry.userType ?? ''}</td>
            <td className="px-3 py-2 font-mono text-xs">
              {entry.meetingId ? (
                <Link href={`/admin/visits?q=${entry.meetingId}`} className="whitespace-nowrap text-brand-700 underline">
                  {entry.meetingId}
                </Link>
              ) : null}
            </td>
          </tr>
        ))}
      </AdminTable>
      <details className="mt-4 rounded-lg bg-white p-4 text-sm shadow">
        <summary className="cursor-pointer font-medium">What the outcomes mean</summary>
        <dl className="mt-3 grid gap-x-4 gap-y-1 sm:grid-cols-[max-content_1fr]">
          {Object.entries(OUTCOME_MEANINGS).map(([outcome, meaning]) => (
            <div key={outcome} className="contents">
              <dt className="font-mono text-xs leading-5">{outcome}</dt>
              <dd className="mb-2 text-slate-700 sm:mb-0">{meaning}</dd>
            </div>
          ))}
        </dl>
      </details>
    </main>
  );
}

function FilterLink({ href, current, children }: { href: string; current: boolean; children: React.ReactNode }) {
  return (
    <Link
      href={href}
      aria-current={current ? 'page' : undefined}
      className={`rounded-md border px-3 py-1.5 ${current ? 'border-brand-700 bg-brand-700 text-white' : 'border-slate-400 bg-white text-slate-800 hover:bg-slate-100'}`}
    >
      {children}
    </Link>
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const OUTCOME_MEANINGS: Record<string, string> = {
  ok: 'The link was accepted and the person joined the visit.',
  missing_parameter: 'The link had no key or no data parameter.',
  unknown_key: 'No integration has this Encryption Key.',
  bad_encoding: 'The data parameter is not base64 of whole AES blocks (cut short or mangled on the way).',
  decrypt_failed: 'The data did not decrypt: the Encryption Secret or algorithm differs from Epic’s, or the data was altered.',
  missing_field: 'A required field (SessionID, ExternalID, UserType, or a Timestamp to check validity) is missing.',
  bad_field: 'A field has a value that cannot be used (for example a non-alphanumeric ExternalID).',
  expired: 'The link’s validity period had passed.',
  not_yet_valid: 'The Timestamp is more than 5 minutes in the future: check the clocks.',
  configuration_error: 'The stored settings cannot decrypt links (for example a secret that does not fit the algorithm).',
  visit_ended: 'The link was good, but its visit had ended: nobody joined (a provider may start it again).',
  visit_full: 'The link was good, but the visit already had as many people connected as its integration allows (Largest visit).',
  integration_retired: 'The owner retired this integration: its links are refused.',
  new_visit_refused: "A provider's start-again form was not ours, too old, or its integration is gone.",
  room_unknown: 'A provider called a room (RoomName) that is not registered for this integration.',
  room_offline: 'A provider called a room whose device is not online.',
  room_visit_full: 'A provider called a room, but the visit already had all the people it can hold.',
  room_visit_ended: 'A provider called a room into a visit that had just ended.',
  oauth_missing_launch: 'OAuth: the launch had no iss or launch code, or no client ID is set.',
  oauth_issuer_not_allowed: 'OAuth: iss is not on the allowlist of this Epic Environment.',
  oauth_discovery_failed: "OAuth: Epic's smart-configuration and metadata could not be read.",
  oauth_state_mismatch: 'OAuth: the callback state was unknown, expired, or from another browser.',
  oauth_state_used: 'OAuth: this callback was already used (a reload or a replay); the launch itself had finished.',
  oauth_no_public_url: 'OAuth: NEXTAUTH_URL is not set, so there is no redirect URI.',
  oauth_authorize_refused: 'OAuth: the EHR refused the authorization (its words are in the detail).',
  oauth_token_refused: "OAuth: Epic's token endpoint refused the code.",
};
