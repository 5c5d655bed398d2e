import { and, desc, type SQL } from 'drizzle-orm';
import { integrationScope, type Access } from '@/lib/access';
import type { Database } from '@/lib/db/client';
import { launchLog } from '@/lib/db/schema';
import type { UserType } from '@/lib/visit/schema';
import { describeError, log, requestLog } from '@/lib/log';
import { metrics } from '@/lib/metrics';
import { refusedRowBudget } from '@/lib/epic/launch-throttle';

export interface LaunchLogEntry {
  encryptionKey: string | null;
  /** The integration the key named; unset when it named none. */
  integrationId?: string | null;
  outcome: string;
  detail?: string | null;
  sessionId?: string | null;
  epicUserId?: string | null;
  userType?: UserType | null;
  meetingId?: string | null;
  /** Where a refused launch came from: it bounds how many rows that address writes. */
  clientAddress?: string;
  /** The request's id (X-Request-Id), for the server log line of a refused launch. */
  requestId?: string;
}

// Launch links come from anyone: every field a link supplied is made safe before it is stored or
// logged. Control characters (a NUL that PostgreSQL refuses, a newline that would forge a log line)
// are written as \uXXXX, and each field is cut to a length no real value needs.
const FIELD_MAX = 200;

/** One row per launch; also a line in the server log. Never the secret or the raw token. */
export async function recordLaunch(database: Database, { clientAddress, requestId, ...entry }: LaunchLogEntry): Promise<void> {
  metrics().launches.inc({ outcome: entry.outcome });
  let unwritten = 0;
  if (entry.outcome !== 'ok' && clientAddress !== undefined) {
    const budget = refusedRowBudget(clientAddress);
    if (!budget.write) return;
    unwritten = budget.unwrittenBefore;
  }
  const detail = unwritten ? `${entry.detail ?? ''} (and ${unwritten} earlier refused launch${unwritten === 1 ? '' : 'es'} from this address, not written)`.trim() : entry.detail;
  const row = {
    ...entry,
    encryptionKey: safeField(entry.encryptionKey, 100),
    detail: safeField(detail, 600),
    sessionId: safeField(entry.sessionId),
    epicUserId: safeField(entry.epicUserId),
  };
  if (entry.outcome !== 'ok') {
    // JSON strings: whatever a field holds, it stays on its one line, quoted. No patient or
    // meeting identifier goes to the server log: the launch log row keeps them for the analyst.
    // The launch is served from the socket, outside Next.js's request scope: its id comes with it.
    (requestId ? log.child({ requestId }) : await requestLog()).warn({ area: 'launch', outcome: entry.outcome, detail: row.detail, key: row.encryptionKey }, 'launch refused');
  }
  try {
    await database.insert(launchLog).values(row);
  } catch (error) {
    log.error({ area: 'launch', error: describeError(error) }, 'could not write the launch log');
  }
}

/**
 * The newest launches of the integrations this admin may see that match `filter`. Launches with an
 * unknown key belong to no integration: only the owner sees them.
 */
export function recentLaunches(database: Database, access: Access, filter: SQL | undefined, limit = 200) {
  return database
    .select()
    .from(launchLog)
    .where(and(integrationScope(access, launchLog.integrationId), filter))
    .orderBy(desc(launchLog.id))
    .limit(limit);
}

/** A stranger's text, fit to store and log: control characters escaped, length bounded. */
export function safeField(value: string | null | undefined, max = FIELD_MAX): string | null {
  if (value === null || value === undefined) return null;
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
