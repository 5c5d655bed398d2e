import { asc, eq, getTableColumns } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { chatMessages, integrations, meetings, participants } from '@/lib/db/schema';
import { announceMeetingChange } from '@/lib/db/bus';
import { AppError } from '@/lib/errors';
import { displayName, isInCall, type ChatMessage, type ChatRecord, type MeetingSnapshot } from '@/lib/visit/meeting-view';

// In-visit chat, when the integration turns it on. Messages go through the app and are kept in
// their own table while the visit lasts (a signal is deleted once read; a chat message must still
// be there for a person who reconnects), and deleted when the visit ends (lib/visit/meeting-state.ts
// endMeeting). Each message is shown only to the people who were in the call when it was sent (its
// audience, fixed as it is written): someone admitted later, let back in after a removal, still
// waiting, or away while it was said never reads it. The push stream carries new messages
// (lib/visit/stream-hub.ts).

/**
 * Posts a message as `senderId` from its connection `connectionId`; refused unless chat is on and
 * the sender is in the call on that connection now (a closed or replaced page cannot post).
 */
export async function postChatMessage(database: Database, meetingId: string, senderId: string, connectionId: string, body: string): Promise<void> {
  await database.transaction(async (tx) => {
    // Locked as admissions, removals and connects lock it: the audience is exactly who is in now.
    const [row] = await tx
      .select({ meeting: getTableColumns(meetings), screenShare: integrations.screenSharePolicy, chatEnabled: integrations.chatEnabled, largestVisit: integrations.largestVisit })
      .from(meetings)
      .innerJoin(integrations, eq(integrations.id, meetings.integrationId))
      .where(eq(meetings.id, meetingId))
      .for('share', { of: meetings });
    if (!row) throw new AppError('not_in_call', 403, 'Only people in the call can chat');
    if (!row.chatEnabled) throw new AppError('chat_off', 403, 'Chat is turned off for these visits');
    const people = await tx.select().from(participants).where(eq(participants.meetingId, meetingId)).orderBy(asc(participants.createdAt), asc(participants.id));
    const snapshot: MeetingSnapshot = { meeting: row.meeting, people, policies: { screenShare: row.screenShare, chatEnabled: row.chatEnabled, largestVisit: row.largestVisit }, chat: [] };
    const sender = people.find((person) => person.id === senderId);
    if (!sender || !isInCall(snapshot, sender)) throw new AppError('not_in_call', 403, 'Only people in the call can chat');
    if (sender.connectionId !== connectionId) throw new AppError('not_connected', 409, 'This page is no longer connected to the visit; reload it to chat');
    const audience = people.filter((person) => person.connectionId !== null && isInCall(snapshot, person)).map((person) => person.id);
    await tx.insert(chatMessages).values({ meetingId, participantId: sender.id, senderName: displayName(sender), senderType: sender.userType, body, audience });
    await announceMeetingChange(tx, meetingId);
  });
}

/** The messages of `chat` that `participantId` was there for, newer than `afterId`, as the browser gets them. */
export function chatFor(chat: ChatRecord[], participantId: string, afterId: number): ChatMessage[] {
  return chat
    .filter((message) => message.id > afterId && message.audience.includes(participantId))
    .map(({ audience: _audience, ...message }) => message);
}
