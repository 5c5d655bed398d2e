import { randomUUID } from 'node:crypto';
import { db } from '@/lib/db';
import { onMeetingChange } from '@/lib/db/bus';
import { connectParticipant, disconnectParticipant, touchConnection } from '@/lib/visit/meeting-state';
import { meetingView, takeSignals } from '@/lib/visit/meeting-view';
import { participantSession } from '@/lib/visit/participant-request';

export const dynamic = 'force-dynamic';

const HEARTBEAT_MS = 15_000;

type RouteContext = { params: Promise<{ meetingId: string }> };

/**
 * The visit's push stream (Server-Sent Events). While it is open the participant is connected;
 * it carries the participant's view of the meeting and the WebRTC signals addressed to them.
 */
export async function GET(request: Request, context: RouteContext) {
  const { meetingId } = await context.params;
  const session = await participantSession(meetingId);
  if (!session) return Response.json({ error: 'unauthorized', message: 'Open the visit from its link first' }, { status: 401 });

  const database = await db();
  const connectionId = randomUUID();
  const outcome = await connectParticipant(database, session.participantId, connectionId);
  const encoder = new TextEncoder();
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> = Promise.resolve();

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: string, data: unknown) => {
        if (!closed) controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      };
      const close = async () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe?.();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
        if (outcome === 'connected') await disconnectParticipant(database, session.participantId, connectionId).catch(logError);
      };
      const refresh = () => {
        // One refresh at a time, in order, so views and signals never arrive out of order.
        refreshing = refreshing.then(async () => {
          if (closed) return;
          const view = await meetingView(database, meetingId, session.participantId);
          if (!view) return void (await close());
          send('state', { ...view, connectionId });
          const incoming = (await takeSignals(database, connectionId)).sort((a, b) => a.id - b.id);
          for (const signal of incoming) send('signal', { from: signal.from, payload: signal.payload });
          if (view.stage === 'ended' || view.stage === 'removed') await close();
        }).catch(logError);
      };

      request.signal.addEventListener('abort', () => void close());
      // The browser may have gone while we were connecting it: then no abort event will come.
      if (request.signal.aborted) return void (await close());
      if (outcome !== 'connected') {
        // Tell the page why, and ask EventSource not to come straight back.
        controller.enqueue(encoder.encode('retry: 600000\n\n'));
        send('state', await meetingView(database, meetingId, session.participantId));
        return void (await close());
      }
      controller.enqueue(encoder.encode('retry: 2000\n\n'));
      unsubscribe = await onMeetingChange(meetingId, refresh);
      if (closed) return unsubscribe();
      heartbeat = setInterval(() => {
        void touchConnection(database, session.participantId, connectionId)
          .then((alive) => {
            if (!alive) return close();
            if (!closed) controller.enqueue(encoder.encode(': ping\n\n'));
          })
          .catch(logError);
      }, HEARTBEAT_MS);
      refresh();
    },
    cancel() {
      closed = true;
      clearInterval(heartbeat);
      unsubscribe?.();
      if (outcome === 'connected') void disconnectParticipant(database, session.participantId, connectionId).catch(logError);
    },
  });

  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    },
  });
}

function logError(error: unknown) {
  console.error('[visit stream]', error instanceof Error ? error.message : error);
}
