import { and, eq, sql } from 'drizzle-orm';
import { isDatabaseAway, type Database } from '@/lib/db/client';
import { onAnnouncement } from '@/lib/db/bus';
import { integrations, notificationAttempts, notifications, type Integration, type Notification } from '@/lib/db/schema';
import { bearerFor } from '@/lib/epic/oauth-tokens';
import { outgoingPolicy } from '@/lib/http/outgoing';
import { callEpic, isRetryable, isSuccess, redactHeaders, type EpicCallResult } from '@/lib/epic/notify';
import { NOTIFICATIONS_TOPIC } from '@/lib/epic/outbox';
import { openIntegrationSecret } from '@/lib/settings/store';
import { describeError, log } from '@/lib/log';
import { metrics } from '@/lib/metrics';

// Sends the outbox to Epic from inside each server process. Durable: a notification stays pending
// until an answer settles it, so a server killed mid-delivery sends it after it restarts. Safe with
// several servers: rows are claimed with FOR UPDATE SKIP LOCKED and a lease. Ordered: a
// participant's notification is claimed only when no earlier one of theirs is still pending.

export interface WorkerOptions {
  timeoutMs: number;
  retryBaseMs: number;
  /** Retries stop this long after the notification was created (spec: up to 24 hours). */
  retryWindowMs: number;
  batchSize?: number;
  idleWakeMs?: number;
}

export const RETRY_MAX_DELAY_MS = 30 * 60 * 1000;

export function startNotificationWorker(database: Database, options: WorkerOptions): { stop(): Promise<void> } {
  const concurrency = options.batchSize ?? 32;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  // Set by anything that may have made work; a wake-up that comes while the loop is busy is not lost.
  let signalled = false;
  let wake: (() => void) | null = null;
  const signal = () => {
    signalled = true;
    wake?.();
  };
  const sleep = (ms: number) =>
    signalled
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
  void onAnnouncement(NOTIFICATIONS_TOPIC, signal).catch((error: unknown) => logError('subscribe', error));

  // A pool rather than batches: a slow answer from Epic holds only its own slot, and new
  // notifications are claimed as soon as a slot is free.
  void (async () => {
    while (!stopped) {
      signalled = false;
      try {
        const free = concurrency - inFlight.size;
        const claimed = free > 0 ? await claimDue(database, { ...options, batchSize: free }) : [];
        for (const notification of claimed) {
          const delivery: Promise<void> = deliver(database, notification, options)
            .catch((error: unknown) => logError('deliver', error))
            .finally(() => {
              inFlight.delete(delivery);
              signal();
            });
          inFlight.add(delivery);
        }
        if (claimed.length && inFlight.size < concurrency) continue;
        await sleep(inFlight.size ? options.idleWakeMs ?? 5000 : await msUntilNextDue(database, options.idleWakeMs ?? 5000));
      } catch (error) {
        logError('loop', error);
        await sleep(2000);
      }
    }
  })();

  return {
    /** Claims nothing more; resolves once the calls under way have finished and been recorded. */
    async stop() {
      stopped = true;
      signal();
      await Promise.all([...inFlight]);
    },
  };
}

/** Claims due notifications, oldest first, at most one per participant, with a lease. */
export async function claimDue(database: Database, options: Pick<WorkerOptions, 'timeoutMs' | 'batchSize'>): Promise<Notification[]> {
  // Twice as long as one call may take, so a busy server keeps its claims; a crashed server's
  // claims lapse after it. Milliseconds, so the value round-trips through a JS Date for settle().
  const leaseSeconds = Math.ceil((2 * options.timeoutMs) / 1000) + 5;
  const claimed = await database.execute(sql`
    update notifications set claimed_until = date_trunc('milliseconds', now() + make_interval(secs => ${leaseSeconds}))
    where id in (
      select due.id from notifications due
      where due.state = 'pending' and due.next_attempt_at <= now()
        and (due.claimed_until is null or due.claimed_until < now())
        and not exists (
          select 1 from notifications earlier
          where earlier.ordering_key = due.ordering_key and earlier.state = 'pending' and earlier.seq < due.seq
        )
      order by due.seq
      limit ${options.batchSize ?? 20}
      for update skip locked
    )
    returning id
  `);
  const ids = (claimed.rows as Array<{ id: string }>).map((row) => row.id);
  if (!ids.length) return [];
  return database.select().from(notifications).where(sql`${notifications.id} in ${ids}`).orderBy(notifications.seq);
}

/** One attempt at one claimed notification, recorded, and the notification settled or rescheduled. */
export async function deliver(database: Database, notification: Notification, options: WorkerOptions): Promise<void> {
  const [integration] = await database.select().from(integrations).where(eq(integrations.id, notification.integrationId));
  const url = integration
    ? notification.kind === 'device_test'
      ? integration.deviceTestUrl
      : integration.connectionStatusUrl
    : null;
  if (!integration || !url) {
    await settle(database, notification, { state: 'not_sent', respCode: 0 });
    return;
  }

  const authorization = await authorizationFor(database, integration, notification);
  if (authorization.problem) {
    // Spec section 4: no usable token (it expired without a refresh token) keeps the notification
    // pending with that cause until the retry window ends; a new launch brings a new token.
    const outcome = withinRetryWindow(notification, options)
      ? { state: 'pending' as const, respCode: 0, nextAttemptAt: new Date(Date.now() + backoffMs(notification.attempts + 1, options, null)) }
      : { state: 'failed' as const, respCode: 0 };
    await settle(database, notification, outcome, { url, headers: {}, body: '', result: noCall(authorization.problem) });
    return;
  }
  const headers = epicHeaders(integration, notification.id, authorization.header);
  const body = JSON.stringify(notification.body);
  const result = await callEpic({ url, headers, body, timeoutMs: options.timeoutMs, policy: outgoingPolicy(integration) });
  const attempts = notification.attempts + 1;

  if (isSuccess(result.respCode)) {
    await settle(database, notification, { state: 'delivered', respCode: result.respCode }, { url, headers, body, result });
    metrics().deliveryLatency.observe((Date.now() - notification.createdAt.getTime()) / 1000);
  } else if (isRetryable(result.respCode) && withinRetryWindow(notification, options)) {
    const nextAttemptAt = new Date(Date.now() + backoffMs(attempts, options, result.retryAfterMs));
    await settle(database, notification, { state: 'pending', respCode: result.respCode, nextAttemptAt }, { url, headers, body, result });
  } else {
    await settle(database, notification, { state: 'failed', respCode: result.respCode }, { url, headers, body, result });
  }
}

function withinRetryWindow(notification: Notification, options: WorkerOptions): boolean {
  return Date.now() - notification.createdAt.getTime() < options.retryWindowMs;
}

/** Doubling from the base, at most RETRY_MAX_DELAY_MS, honouring Retry-After. */
function backoffMs(attempt: number, options: WorkerOptions, retryAfterMs: number | null): number {
  const backoff = Math.min(RETRY_MAX_DELAY_MS, options.retryBaseMs * 2 ** (attempt - 1));
  // Full jitter on the upper half, so many failed calls do not come back all at once.
  return Math.min(RETRY_MAX_DELAY_MS, Math.max(retryAfterMs ?? 0, backoff * (0.5 + Math.random() * 0.5)));
}

/**
 * Writing an outcome is tried again while the database is away (an ended connection, a restart),
 * for about 8 s: Epic already answered, and an outcome not written means the call is made again
 * once the claim lapses (Epic sees the same Idempotency-Key twice).
 */
const SETTLE_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

async function settle(
  database: Database,
  notification: Notification,
  outcome: { state: Notification['state']; respCode: number; nextAttemptAt?: Date },
  /** Every try is on record and counted, a call or not (RespCode 0 and the cause when none was made). */
  attempt?: { url: string; headers: Record<string, string>; body: string; result: EpicCallResult },
) {
  for (let retry = 0; ; retry++) {
    try {
      await settleOnce(database, notification, outcome, attempt, retry > 0);
      return;
    } catch (error) {
      const delay = SETTLE_RETRY_DELAYS_MS[retry];
      if (delay === undefined || !isDatabaseAway(error)) throw error;
      log.warn({ area: 'notifications', notificationId: notification.id, error: describeError(error) }, 'database away while recording an outcome; trying again');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function settleOnce(
  database: Database,
  notification: Notification,
  outcome: { state: Notification['state']; respCode: number; nextAttemptAt?: Date },
  attempt: { url: string; headers: Record<string, string>; body: string; result: EpicCallResult } | undefined,
  isRetry: boolean,
) {
  await database.transaction(async (tx) => {
    // The outcome only while the claim is still ours: if it lapsed and another server took the
    // notification over, that server's outcome stands.
    const [stillOurs] = await tx
      .update(notifications)
      .set({
        state: outcome.state,
        respCode: outcome.respCode,
        attempts: sql`${notifications.attempts} + ${attempt ? 1 : 0}`,
        nextAttemptAt: outcome.nextAttemptAt ?? notification.nextAttemptAt,
        claimedUntil: null,
        finishedAt: outcome.state === 'pending' ? null : new Date(),
      })
      .where(and(eq(notifications.id, notification.id), eq(notifications.claimedUntil, notification.claimedUntil!)))
      .returning({ id: notifications.id });
    // A retry that finds the claim gone may follow a commit whose answer was lost: its attempt is
    // already on record.
    if (!stillOurs && isRetry) return;
    if (!stillOurs) log.warn({ area: 'notifications', notificationId: notification.id }, 'claim lapsed before its outcome was recorded; another server has it');
    // A call that was made is always on record.
    if (attempt) {
      await tx.insert(notificationAttempts).values({
        notificationId: notification.id,
        url: attempt.url,
        requestHeaders: redactHeaders(attempt.headers),
        requestBody: attempt.body,
        respCode: attempt.result.respCode,
        responseStart: attempt.result.responseStart,
        error: attempt.result.error,
        durationMs: attempt.result.durationMs,
      });
    }
  });
}

/** Spec section 2: the headers of every call to Epic. */
export function epicHeaders(integration: Integration, idempotencyKey: string, authorization: string | undefined): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Idempotency-Key': idempotencyKey,
    ...(integration.epicClientId ? { 'Epic-Client-ID': integration.epicClientId } : {}),
    ...(authorization ? { Authorization: authorization } : {}),
  };
}

/** The Basic Authorization header of an integration that uses it. */
export function basicAuthorization(integration: Integration): string {
  const password = openIntegrationSecret(integration, 'authPassword') ?? '';
  return `Basic ${Buffer.from(`${integration.authName ?? ''}:${password}`).toString('base64')}`;
}

async function authorizationFor(database: Database, integration: Integration, notification: Notification): Promise<{ header?: string; problem?: string }> {
  if (integration.authType === 'basic') return { header: basicAuthorization(integration) };
  if (integration.authType === 'oauth') {
    // This participant's own token only: device-test results share it with their launch.
    const bearer = await bearerFor(database, integration, notification.orderingKey.replace(/^device-test:/, ''));
    return 'token' in bearer ? { header: `Bearer ${bearer.token}` } : { problem: bearer.problem };
  }
  return {};
}

/** When the next claimable notification falls due: only the head of each participant's queue counts. */
async function msUntilNextDue(database: Database, capMs: number): Promise<number> {
  const result = await database.execute(sql`
    select min(greatest(due.next_attempt_at, coalesce(due.claimed_until, due.next_attempt_at))) as next
    from notifications due
    where due.state = 'pending'
      and not exists (
        select 1 from notifications earlier
        where earlier.ordering_key = due.ordering_key and earlier.state = 'pending' and earlier.seq < due.seq
      )
  `);
  const next = (result.rows[0] as { next: string | Date | null } | undefined)?.next;
  if (!next) return capMs;
  return Math.max(10, Math.min(capMs, new Date(next).getTime() - Date.now()));
}

function noCall(error: string): EpicCallResult {
  return { respCode: 0, responseStart: null, error, durationMs: 0, retryAfterMs: null, failureKind: null, answeredAt: null };
}

function logError(where: string, error: unknown) {
  log.error({ area: 'notifications', where, error: describeError(error) }, 'notification worker error');
}
