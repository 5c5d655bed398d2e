import { randomUUID } from 'node:crypto';
import { and, eq, isNotNull, lt, notExists, sql, gt } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { appServers, participants } from '@/lib/db/schema';
import { disconnectParticipant } from '@/lib/visit/meeting-state';
import { describeError, log } from '@/lib/log';

// Who is connected is only true while the server holding their push stream is alive. Each server
// refreshes one row of its own every few seconds (one write for all its streams, not one each),
// and disconnects the participants of servers that stopped: one that crashed, or this one before
// it restarted. Epic then hears that they left, so its green light does not stay on.

export const PRESENCE_INTERVAL_MS = 15_000;
/** A server silent for this long is gone. */
export const SERVER_GONE_AFTER_MS = 45_000;
/** Rows of servers long gone are removed. */
const FORGET_SERVERS_AFTER_MS = 24 * 3600_000;

const holder = globalThis as typeof globalThis & { __televisitServerId?: string };

/** This server process's id, for as long as it runs. */
export function serverId(): string {
  holder.__televisitServerId ??= randomUUID();
  return holder.__televisitServerId;
}

export async function refreshPresence(database: Database): Promise<void> {
  await database
    .insert(appServers)
    .values({ id: serverId() })
    .onConflictDoUpdate({ target: appServers.id, set: { lastSeenAt: sql`now()` } });
}

/** Disconnects everyone whose server is gone; returns how many. */
export async function disconnectOrphans(database: Database, goneAfterMs = SERVER_GONE_AFTER_MS): Promise<number> {
  const cutoff = new Date(Date.now() - goneAfterMs);
  const orphans = await database
    .select({ id: participants.id, connectionId: participants.connectionId })
    .from(participants)
    .where(
      and(
        isNotNull(participants.connectionId),
        notExists(
          database
            .select({ id: appServers.id })
            .from(appServers)
            .where(and(eq(appServers.id, participants.serverId), gt(appServers.lastSeenAt, cutoff))),
        ),
      ),
    );
  // Each only if still on that connection: one that came back through a live server stays.
  for (const orphan of orphans) await disconnectParticipant(database, orphan.id, orphan.connectionId!);
  return orphans.length;
}

/** Keeps this server's presence fresh and sweeps up after servers that stopped. */
export function startPresence(database: Database): { stop(): Promise<void> } {
  const beat = async () => {
    await refreshPresence(database);
    await disconnectOrphans(database);
    await database.delete(appServers).where(lt(appServers.lastSeenAt, new Date(Date.now() - FORGET_SERVERS_AFTER_MS)));
  };
  const run = () =>
    void beat().catch((error: unknown) => log.error({ area: 'presence', error: describeError(error) }, 'heartbeat failed'));
  run();
  const timer = setInterval(run, PRESENCE_INTERVAL_MS).unref();
  return {
    /**
     * This server is leaving: its row goes, so the others disconnect at their next beat whoever it
     * still holds (anyone who did not reconnect elsewhere) instead of waiting for it to go silent.
     */
    async stop() {
      clearInterval(timer);
      await database.delete(appServers).where(eq(appServers.id, serverId()));
    },
  };
}
