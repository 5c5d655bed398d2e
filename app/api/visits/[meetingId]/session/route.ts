import { setParticipantCookies } from '@/lib/visit/participant-session';

/**
 * Ends this browser's session for the visit: its cookies go. The page asks when the visit has
 * ended or its place in it is gone (a room that hung up, a guest whose link was revoked), so the
 * cookie does not outlive what it opened. It needs no session: forgetting one's own cookie harms
 * nobody, and it must work after the session stopped being valid.
 */
export async function DELETE(_request: Request, { params }: { params: Promise<{ meetingId: string }> }) {
  const { meetingId } = await params;
  if (!/^[0-9a-f-]{36}$/.test(meetingId)) return Response.json({ error: 'not_found', message: 'No such visit' }, { status: 404 });
  const response = new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
  setParticipantCookies(response.headers, meetingId, null);
  return response;
}
