import { iceConfiguration } from '@/lib/visit/ice-servers';
import { withParticipant } from '@/lib/visit/participant-request';

export const dynamic = 'force-dynamic';

/** Fresh STUN/TURN settings for this participant: the page asks before its TURN credentials expire. */
export const GET = withParticipant(
  async (_request, { session }) => Response.json(iceConfiguration(session.participantId), { headers: { 'Cache-Control': 'no-store' } }),
  'visit ice servers',
);
