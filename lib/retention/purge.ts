import { and, eq, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '@/lib/db/client';
import {
  auditLog,
  epicAccessTokens,
  launchLog,
  meetings,
  notifications,
  oauthLaunches,
  participantEvents,
  serverSettings,
  signInAttempts,
} from '@/lib/db/schema';
import { readServerSettings } from '@/lib/server-settings/store';

// What Televisit keeps is kept only as long as the admin's retention settings say (Server settings
// page). Patients' names and emails never outlive their visit (deleted when it ends); what remains
// after it (Epic's own identifiers in records, launch log and events) goes when its period is over.
// The purge runs on every server, and once an hour one of them wins the turn.

export const PURGE_EVERY_MS = 3600_000;
/** Rows deleted per statement: each statement stays short on the embedded database's one thread. */
const PURGE_BATCH = 5000;
/** Sign-in throttling looks back this far; attempts are never purged sooner. */
const SIGN_IN_WINDOW_MS = 15 * 60_000;
const DAY_MS = 24 * 3600_000;

export interface PurgeCounts {
  launchLog: number;
  notifications: number;
  participantEvents: number;
  endedMeetings: number;
  signInAttempts: number;
  auditLog: number;
  oauthTokens: number;
  oauthLaunches: number;
}

/**
 * Deletes every record past its retention period as of `now`. `tokenGraceMs`: how long after an
 * OAuth access token expires it may still be refreshed for a pending notification (the retry window).
 */
export async function purgeExpiredRecords(database: Database, now: Date, tokenGraceMs: number): Promise<PurgeCounts> {
  const settings = await readServerSettings(database);
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
  return {
    launchLog: await purge(database, launchLog, launchLog.id, lt(launchLog.at, before(settings.launchLogDays))),
    // Their attempts go with them (ON DELETE CASCADE); device-test results are notifications too.
    notifications: await purge(database, notifications, notifications.id, lt(notifications.createdAt, before(settings.notificationDays))),
    participantEvents: await purge(database, participantEvents, participantEvents.id, lt(participantEvents.at, before(settings.participantEventDays))),
    // With them their provider rows and anything left of them (cascade).
    endedMeetings: await purge(database, meetings, meetings.id, and(eq(meetings.state, 'ended'), lt(meetings.endedAt, before(settings.endedMeetingDays)))!),
    signInAttempts: await purge(
      database,
      signInAttempts,
      signInAttempts.id,
      lt(signInAttempts.at, new Date(Math.min(before(settings.signInAttemptDays).getTime(), now.getTime() - SIGN_IN_WINDOW_MS))),
    ),
    auditLog: await purge(database, auditLog, auditLog.id, lt(auditLog.at, before(settings.auditDays))),
    oauthTokens: await purge(database, epicAccessTokens, epicAccessTokens.orderingKey, lt(epicAccessTokens.expiresAt, new Date(now.getTime() - tokenGraceMs))),
    // A launch nobody finished within its ten minutes holds a sealed copy of the launch (names too).
    oauthLaunches: await purge(database, oauthLaunches, oauthLaunches.state, lt(oauthLaunches.expiresAt, now)),
  };
}

/** Runs the purge when it is this server's turn (at most once per PURGE_EVERY_MS across servers). */
export async function purgeIfDue(database: Database, now: Date, tokenGraceMs: number): Promise<PurgeCounts | null> {
  await readServerSettings(database);
  const [turn] = await database
    .update(serverSettings)
    .set({ lastPurgeAt: now })
    .where(and(eq(serverSettings.id, 1), or(isNull(serverSettings.lastPurgeAt), lt(serverSettings.lastPurgeAt, new Date(now.getTime() - PURGE_EVERY_MS)))))
    .returning({ id: serverSettings.id });
  return turn ? purgeExpiredRecords(database, now, tokenGraceMs) : null;
}

async function purge(database: Database, table: PgTable, key: { name: string }, expired: SQL): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await database.execute(
      sql`delete from ${table} where ${sql.identifier(key.name)} in (select ${sql.identifier(key.name)} from ${table} where ${expired} limit ${PURGE_BATCH})`,
    );
    const deleted = result.rowCount ?? (result as unknown as { affectedRows?: number }).affectedRows ?? 0;
    total += deleted;
    if (deleted < PURGE_BATCH) return total;
  }
}
