'use server';

import { revalidatePath } from 'next/cache';
import { canSee, withAccess, type Access } from '@/lib/access';
import { writeAudit } from '@/lib/audit/log';
import { db } from '@/lib/db';
import { fieldErrorsOf } from '@/lib/errors';
import { roomSchema } from '@/lib/rooms/schema';
import { addRoom, deleteRoom, issuePairingCode, roomFor, unpairRoom, type Room } from '@/lib/rooms/store';

// Rooms belong to an integration: the owner, and admins granted that integration, manage them.
// Each action checks that itself.

export interface RoomActionResult {
  ok: boolean;
  message: string;
  fieldErrors?: Record<string, string>;
  /** A new pairing code, shown once. */
  pairing?: { roomName: string; code: string; expiresAt: string };
}

export async function createRoom(input: unknown): Promise<RoomActionResult> {
  return withAccess({ ownerOnly: false }, async (access) => {
    const parsed = roomSchema.safeParse(input);
    if (!parsed.success) return { ok: false, message: 'Some fields need attention.', fieldErrors: fieldErrorsOf(parsed.error) };
    const { integrationId, name, location } = parsed.data;
    if (!canSee(access, integrationId)) return { ok: false, message: 'Some fields need attention.', fieldErrors: { integrationId: 'Choose one of your integrations' } };
    const database = await db();
    const room = await addRoom(database, access, { integrationId, name, location });
    if (!room) return { ok: false, message: 'Some fields need attention.', fieldErrors: { name: 'This integration already has a room with this name' } };
    const pairing = await issuePairingCode(database, access, room.id);
    await writeAudit(database, { actorEmail: access.admin.email, action: 'room.create', target: `room ${name}`, detail: { integrationId } });
    revalidatePath('/admin/rooms');
    return { ok: true, message: `${name} was added.`, pairing: pairing ? { roomName: name, code: pairing.code, expiresAt: pairing.expiresAt.toISOString() } : undefined };
  });
}

/** A new one-time code (the old one stops working); pairing with it replaces the device paired now. */
export async function newPairingCode(roomId: unknown): Promise<RoomActionResult> {
  return withRoom(roomId, async (access, room, database) => {
    const pairing = await issuePairingCode(database, access, room.id);
    if (!pairing) return gone();
    await writeAudit(database, { actorEmail: access.admin.email, action: 'room.pairing_code', target: `room ${room.name}` });
    revalidatePath('/admin/rooms');
    return { ok: true, message: `A new pairing code for ${room.name}.`, pairing: { roomName: room.name, code: pairing.code, expiresAt: pairing.expiresAt.toISOString() } };
  });
}

/** Revokes the device's credential: it is signed out at once and needs a new code. */
export async function unpairDevice(roomId: unknown): Promise<RoomActionResult> {
  return withRoom(roomId, async (access, room, database) => {
    if (!(await unpairRoom(database, access, room.id))) return gone();
    await writeAudit(database, { actorEmail: access.admin.email, action: 'room.unpair', target: `room ${room.name}` });
    revalidatePath('/admin/rooms');
    return { ok: true, message: `${room.name}'s device is unpaired.` };
  });
}

export async function removeRoom(roomId: unknown): Promise<RoomActionResult> {
  return withRoom(roomId, async (access, room, database) => {
    if (!(await deleteRoom(database, access, room.id))) return gone();
    await writeAudit(database, { actorEmail: access.admin.email, action: 'room.remove', target: `room ${room.name}` });
    revalidatePath('/admin/rooms');
    return { ok: true, message: `${room.name} was removed.` };
  });
}

type Db = Awaited<ReturnType<typeof db>>;


/** The room, when it exists and this admin may see its integration; the same answer otherwise. */
async function withRoom(roomId: unknown, work: (access: Access, room: Room, database: Db) => Promise<RoomActionResult>): Promise<RoomActionResult> {
  return withAccess({ ownerOnly: false }, async (access) => {
    const database = await db();
    const room = await roomFor(database, access, roomId);
    if (!room) return gone();
    return work(access, room, database);
  });
}

function gone(): RoomActionResult {
  return { ok: false, message: 'That room no longer exists.' };
}
