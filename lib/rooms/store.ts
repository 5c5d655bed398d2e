import { and, asc, eq, gt, inArray, isNotNull, sql } from 'drizzle-orm';
import { canSee, integrationScope, type Access } from '@/lib/access';
import type { Database } from '@/lib/db/client';
import { appServers, integrations, rooms } from '@/lib/db/schema';
import { announce } from '@/lib/db/bus';
import { formatPairingCode, newDeviceToken, newPairingCode, PAIRING_CODE_HOURS, secretHash } from '@/lib/rooms/credentials';
import { endRoomCalls } from '@/lib/visit/meeting-state';
import { SERVER_GONE_AFTER_MS, serverId } from '@/lib/visit/server-presence';

// Rooms: their records, their pairing, and whether their device is online. A device is online while
// its push stream (app/api/room/events) is open on an app server that is alive, the same rule as
// a participant's green light (lib/visit/server-presence.ts).

/** Announced when a room's device or call changes; its device's stream re-reads the room. */
export const roomTopic = (roomId: string) => `room:${roomId}`;

export type Room = typeof rooms.$inferSelect;

export interface RoomRow {
  id: string;
  integrationId: string;
  integrationName: string;
  name: string;
  location: string;
  paired: boolean;
  pairedAt: Date | null;
  online: boolean;
  lastSeenAt: Date | null;
  /** A pairing code was made and is still good (its value was shown once). */
  codePending: boolean;
  codeExpiresAt: Date | null;
}

/** A condition true while the room's device stream is open on a live server. */
export function roomOnline() {
  const cutoff = sql`now() - ${`${SERVER_GONE_AFTER_MS} milliseconds`}::interval`;
  return sql<boolean>`(${rooms.connectionId} is not null and exists (select 1 from ${appServers} where ${appServers.id} = ${rooms.serverId} and ${appServers.lastSeenAt} > ${cutoff}))`;
}

/** The rooms of the integrations this admin may see (of one of them, with `integrationId`). */
export async function listRooms(database: Database, access: Access, integrationId?: string): Promise<RoomRow[]> {
  const now = new Date();
  const rows = await database
    .select({ room: rooms, integrationName: integrations.name, online: roomOnline() })
    .from(rooms)
    .innerJoin(integrations, eq(integrations.id, rooms.integrationId))
    .where(and(integrationScope(access, rooms.integrationId), integrationId ? eq(rooms.integrationId, integrationId) : undefined))
    .orderBy(asc(integrations.name), asc(rooms.name));
  return rows.map(({ room, integrationName, online }) => ({
    id: room.id,
    integrationId: room.integrationId,
    integrationName,
    name: room.name,
    location: room.location,
    paired: room.deviceTokenHash !== null,
    pairedAt: room.pairedAt,
    online: Boolean(online),
    lastSeenAt: room.lastSeenAt,
    codePending: room.pairingCodeHash !== null && (room.pairingCodeExpiresAt?.getTime() ?? 0) > now.getTime(),
    codeExpiresAt: room.pairingCodeExpiresAt,
  }));
}

/** The room with this id when this admin may see its integration; else null. */
export async function roomFor(database: Database, access: Access, roomId: unknown): Promise<Room | null> {
  if (typeof roomId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(roomId)) return null;
  const [room] = await database.select().from(rooms).where(and(eq(rooms.id, roomId), integrationScope(access, rooms.integrationId)));
  return room ?? null;
}

/** A new room in one of this admin's integrations; null when the name is taken there (or the integration is not theirs). */
export async function addRoom(database: Database, access: Access, values: { integrationId: string; name: string; location: string }): Promise<Room | null> {
  if (!canSee(access, values.integrationId)) return null;
  const [room] = await database.insert(rooms).values(values).onConflictDoNothing().returning();
  return room ?? null;
}

/** Unpairs the room's device and deletes the room, when this admin may see it. */
export async function deleteRoom(database: Database, access: Access, roomId: string): Promise<Room | null> {
  if (!(await unpairRoom(database, access, roomId))) return null;
  const [room] = await database.delete(rooms).where(and(eq(rooms.id, roomId), integrationScope(access, rooms.integrationId))).returning();
  return room ?? null;
}

/** A fresh pairing code for the room (the old one stops working); shown to the admin once. */
export async function issuePairingCode(database: Database, access: Access, roomId: string): Promise<{ code: string; expiresAt: Date } | null> {
  const code = newPairingCode();
  const expiresAt = new Date(Date.now() + PAIRING_CODE_HOURS * 3600_000);
  const [room] = await database
    .update(rooms)
    .set({ pairingCodeHash: secretHash(code), pairingCodeExpiresAt: expiresAt })
    .where(and(eq(rooms.id, roomId), integrationScope(access, rooms.integrationId)))
    .returning({ id: rooms.id });
  return room ? { code: formatPairingCode(code), expiresAt } : null;
}

/**
 * Trades a pairing code for a device credential: the code works once, and the device it pairs
 * replaces any device paired before (whose credential stops working).
 */
export async function pairDevice(database: Database, code: string): Promise<{ room: Room; token: string } | null> {
  const token = newDeviceToken();
  const paired = await database.transaction(async (tx) => {
    const [room] = await tx
      .update(rooms)
      .set({ deviceTokenHash: secretHash(token), pairedAt: new Date(), pairingCodeHash: null, pairingCodeExpiresAt: null, connectionId: null, serverId: null })
      .where(and(eq(rooms.pairingCodeHash, secretHash(code)), gt(rooms.pairingCodeExpiresAt, new Date())))
      .returning();
    if (!room) return null;
    await announce(tx, roomTopic(room.id));
    return { room, token };
  });
  // The device paired before this one is out of its calls too.
  if (paired) await endRoomCalls(database, { roomId: paired.room.id });
  return paired;
}

/** The room a device credential belongs to; null when it is unknown or was revoked. */
export async function roomOfDevice(database: Database, token: string | undefined): Promise<Room | null> {
  if (!token || token.length > 100) return null;
  const [room] = await database.select().from(rooms).where(eq(rooms.deviceTokenHash, secretHash(token)));
  return room ?? null;
}

/**
 * Revokes the device's credential; its open page hears it at once and asks for a code again, and it
 * is out of every call it was in (its visit cookies open nothing any more).
 */
export async function unpairRoom(database: Database, access: Access, roomId: string): Promise<Room | null> {
  const room = await database.transaction(async (tx) => {
    const [row] = await tx
      .update(rooms)
      .set({ deviceTokenHash: null, pairedAt: null, connectionId: null, serverId: null })
      .where(and(eq(rooms.id, roomId), integrationScope(access, rooms.integrationId)))
      .returning();
    if (row) await announce(tx, roomTopic(row.id));
    return row ?? null;
  });
  if (room) await endRoomCalls(database, { roomId: room.id });
  return room;
}

/** The device's stream opened here: the room is online. */
export async function markRoomOnline(database: Database, roomId: string, connectionId: string): Promise<void> {
  await database.update(rooms).set({ connectionId, serverId: serverId(), lastSeenAt: new Date() }).where(and(eq(rooms.id, roomId), isNotNull(rooms.deviceTokenHash)));
}

/** The device's stream closed; a newer stream of the same device keeps the room online. */
export async function markRoomOffline(database: Database, roomId: string, connectionId: string): Promise<void> {
  await database.update(rooms).set({ connectionId: null, serverId: null, lastSeenAt: new Date() }).where(and(eq(rooms.id, roomId), eq(rooms.connectionId, connectionId)));
}
