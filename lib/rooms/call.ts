import { and, desc, eq, isNotNull, isNull, ne } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { meetings, participants, rooms } from '@/lib/db/schema';
import { announce } from '@/lib/db/bus';
import { displayName } from '@/lib/visit/meeting-view';
import { roomOnline, roomTopic, type Room } from '@/lib/rooms/store';

// Epic monitor calls: a provider's launch that carries RoomName calls that room's device into the
// visit. The room is a participant of its own type (Room): its joins and leaves are participant
// events like anyone's, it counts toward the people a visit holds, and Epic is not told about it
// (lib/visit/meeting-state.ts). A call is pending while the room's participant row has called_at
// set, is not connected, and its visit is open; the device's stream sees it and joins
// (app/api/room/events), and hanging up clears it.

export type CallOutcome = 'called' | 'room_unknown' | 'room_offline';

/** Calls the integration's room named `roomName` into the meeting. */
export async function callRoom(database: Database, call: { integrationId: string; meetingId: string; roomName: string }): Promise<CallOutcome> {
  return database.transaction(async (tx) => {
    const [found] = await tx
      .select({ room: rooms, online: roomOnline() })
      .from(rooms)
      .where(and(eq(rooms.integrationId, call.integrationId), eq(rooms.name, call.roomName.trim())));
    if (!found) return 'room_unknown';
    if (!found.online) return 'room_offline';
    const { room } = found;
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

/** The room left the call: it is not called again until a provider's launch calls it again. */
export async function hangUp(database: Database, participantId: string): Promise<void> {
  await database.update(participants).set({ calledAt: null }).where(and(eq(participants.id, participantId), eq(participants.userType, 'Room')));
}
