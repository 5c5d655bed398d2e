import { and, desc, eq, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { meetings, participants, rooms } from '@/lib/db/schema';
import { announce, announceMeetingChange } from '@/lib/db/bus';
import { largestVisitOf } from '@/lib/visit/meeting-state';
import { displayName } from '@/lib/visit/meeting-view';
import { roomOnline, roomTopic, type Room } from '@/lib/rooms/store';

// Epic monitor calls: a provider's launch that carries RoomName calls that room's device into the
// visit. The room is a participant of its own type (Room): its joins and leaves are participant
// events like anyone's, it counts toward the people a visit holds, and Epic is not told about it
// (lib/visit/meeting-state.ts). A call is pending while the room's participant row has called_at
// set, is not connected, and its visit is open; the device's stream sees it and joins
// (app/api/room/events). Hanging up, unpairing or pairing another device ends the room's place in
// its calls (lib/visit/meeting-state.ts endRoomCalls): its visit cookie then opens nothing.

export type CallOutcome = 'called' | 'room_unknown' | 'room_offline' | 'visit_full' | 'visit_ended';

/**
 * Calls the integration's room named `roomName` into the meeting. The room joins as anyone does: the
 * meeting row is locked first (the order every change takes), a visit that has all the people it
 * can hold does not call it, and the call is announced to the meeting (the provider's page shows it
 * coming) and to the room's device.
 */
export async function callRoom(database: Database, call: { integrationId: string; meetingId: string; roomName: string }): Promise<CallOutcome> {
  return database.transaction(async (tx) => {
    const [meeting] = await tx.select().from(meetings).where(eq(meetings.id, call.meetingId)).for('update');
    if (!meeting || meeting.state === 'ended') return 'visit_ended';
    const [found] = await tx
      .select({ room: rooms, online: roomOnline() })
      .from(rooms)
      .where(and(eq(rooms.integrationId, call.integrationId), eq(rooms.name, call.roomName.trim())));
    if (!found) return 'room_unknown';
    if (!found.online) return 'room_offline';
    const { room } = found;
    const [connected] = await tx
      .select({ count: sql<number>`count(*)::int`, roomIn: sql<boolean>`bool_or(${participants.roomId} = ${room.id})` })
      .from(participants)
      .where(and(eq(participants.meetingId, meeting.id), isNotNull(participants.connectionId)));
    if (!connected?.roomIn && (connected?.count ?? 0) >= (await largestVisitOf(tx, call.integrationId))) return 'visit_full';
    await tx
      .insert(participants)
      .values({
        meetingId: call.meetingId,
        userType: 'Room',
        epicUserId: `room:${room.id}`,
        firstName: room.name,
        admission: 'admitted',
        roomId: room.id,
        calledAt: new Date(),
      })
      .onConflictDoUpdate({
        target: [participants.meetingId, participants.userType, participants.epicUserId],
        set: { calledAt: new Date(), admission: 'admitted', firstName: room.name, roomId: room.id },
      });
    await announce(tx, roomTopic(room.id));
    await announceMeetingChange(tx, meeting.id);
    return 'called';
  });
}

export interface PendingCall {
  meetingId: string;
  /** Who is calling: the provider whose launch called the room, else the visit's host. */
  callerName: string;
}

/** The call this room should join now, if any: the newest one. */
export async function pendingCall(database: Database, room: Room): Promise<PendingCall | null> {
  const [call] = await database
    .select({ meetingId: participants.meetingId })
    .from(participants)
    .innerJoin(meetings, eq(meetings.id, participants.meetingId))
    .where(and(eq(participants.roomId, room.id), isNotNull(participants.calledAt), isNull(participants.connectionId), ne(meetings.state, 'ended')))
    .orderBy(desc(participants.calledAt))
    .limit(1);
  if (!call) return null;
  const [provider] = await database
    .select({ firstName: participants.firstName, lastName: participants.lastName, userType: participants.userType })
    .from(participants)
    .where(and(eq(participants.meetingId, call.meetingId), eq(participants.userType, 'Provider')))
    .orderBy(desc(participants.createdAt))
    .limit(1);
  return { meetingId: call.meetingId, callerName: provider ? displayName(provider) : 'Provider' };
}

/** The room participant of this device in `meetingId`, while the call is pending or on. */
export async function roomParticipant(database: Database, room: Room, meetingId: string): Promise<string | null> {
  const [row] = await database
    .select({ id: participants.id })
    .from(participants)
    .innerJoin(meetings, eq(meetings.id, participants.meetingId))
    .where(and(eq(participants.meetingId, meetingId), eq(participants.roomId, room.id), isNotNull(participants.calledAt), ne(meetings.state, 'ended')));
  return row?.id ?? null;
}
