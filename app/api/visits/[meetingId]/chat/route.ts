import { db } from '@/lib/db';
import { tooManyRequests } from '@/lib/errors';
import { readJsonBody } from '@/lib/http/body';
import { sharedLimiter } from '@/lib/http/rate-limit';
import { postChatMessage } from '@/lib/visit/chat';
import { CHAT_REQUEST_MAX_BYTES, chatRequestSchema } from '@/lib/visit/schema';
import { withParticipant } from '@/lib/visit/participant-request';

// A person types as fast as a person types: a few at once, then one a second.
const messagesPerParticipant = () => sharedLimiter('visit-chat', { burst: 5, perSecond: 1 });

/** Posts a chat message to the visit; the push streams of everyone in the call now carry it. */
export const POST = withParticipant(async (request, { meetingId, session }) => {
  const limiter = messagesPerParticipant();
  if (!limiter.take(session.participantId)) throw tooManyRequests(limiter.retryAfterSeconds(session.participantId), 'Too many messages; wait a moment');
  const { body, connectionId } = chatRequestSchema.parse(await readJsonBody(request, CHAT_REQUEST_MAX_BYTES));
  await postChatMessage(await db(), meetingId, session.participantId, connectionId, body);
  return new Response(null, { status: 204 });
}, 'visit chat');
