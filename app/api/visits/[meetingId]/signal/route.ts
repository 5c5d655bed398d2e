import { db } from '@/lib/db';
import { tooManyRequests } from '@/lib/errors';
import { readJsonBody } from '@/lib/http/body';
import { sharedLimiter } from '@/lib/http/rate-limit';
import { withParticipant } from '@/lib/visit/participant-request';
import { signalRequestSchema, SIGNAL_MAX_BYTES } from '@/lib/visit/schema';
import { relaySignal } from '@/lib/visit/signal-relay';
import { streamHub } from '@/lib/visit/stream-hub';

// Setting up a call takes a few dozen signals (an offer, an answer, candidates) per pair of people,
// and an ICE restart a few more: this leaves room for four people and bounds a runaway page.
const signalsPerParticipant = () => sharedLimiter('visit-signals', { burst: 300, perSecond: 30 });

/** Relays one WebRTC offer, answer or ICE candidate to another person in the call. */
export const POST = withParticipant(async (request, { meetingId, session }) => {
  const limiter = signalsPerParticipant();
  if (!limiter.take(session.participantId)) throw tooManyRequests(limiter.retryAfterSeconds(session.participantId));
  const signal = signalRequestSchema.parse(await readJsonBody(request, SIGNAL_MAX_BYTES));
  await relaySignal(await streamHub(), await db(), meetingId, session.participantId, signal);
  return new Response(null, { status: 204 });
}, 'visit signal');
