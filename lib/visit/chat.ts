import type { Database } from '@/lib/db/client';
import { chatMessages } from '@/lib/db/schema';
import { announceMeetingChange } from '@/lib/db/bus';
import { AppError } from '@/lib/errors';
import { displayName, readMeetingSnapshot, viewOf } from '@/lib/visit/meeting-view';
import type { StreamHub } from '@/lib/visit/stream-hub';

// In-visit chat, when the integration turns it on. Messages go through the app and are kept in
// their own table while the visit lasts (a signal is deleted once read; a chat message must still
// be there for a patient who reconnects), shown only to people in the call, and deleted when the
// visit ends (lib/visit/meeting-state.ts endMeeting). The push stream carries new messages
// (lib/visit/stream-hub.ts).

/** Posts a message as `senderId`; refused unless chat is on and the sender is in the call. */
export async function postChatMessage(hub: StreamHub, database: Database, meetingId: string, senderId: string, body: string): Promise<void> {
  const snapshot = (await hub.followedSnapshot(meetingId)) ?? (await readMeetingSnapshot(database, meetingId));
  if (snapshot && !snapshot.policies.chatEnabled) throw new AppError('chat_off', 403, 'Chat is turned off for these visits');
  const view = viewOf(snapshot, senderId);
  const sender = snapshot?.people.find((person) => person.id === senderId);
  if (!snapshot || !sender || !view.allowed.chat) throw new AppError('not_in_call', 403, 'Only people in the call can chat');
  await database.transaction(async (tx) => {
    await tx.insert(chatMessages).values({ meetingId, participantId: sender.id, senderName: displayName(sender), senderType: sender.userType, body });
    await announceMeetingChange(tx, meetingId);
  });
}
