import { randomUUID } from 'node:crypto';
import { cookies } from 'next/headers';
import { NextResponse } from 'next/server';
import { db } from '@/lib/db';
import { onAnnouncement } from '@/lib/db/bus';
import { errorResponse, tooManyRequests, unauthorized } from '@/lib/errors';
import { sharedLimiter } from '@/lib/http/rate-limit';
import { pendingCall } from '@/lib/rooms/call';
import { ROOM_COOKIE, roomCookieOptions } from '@/lib/rooms/credentials';
import { markRoomOffline, markRoomOnline, roomOfDevice, roomTopic } from '@/lib/rooms/store';
import { describeError, log } from '@/lib/log';

export const dynamic = 'force-dynamic';

// A paired room device's push stream (Server-Sent Events). While it is open the room is online.
// It says which room this is, and carries a `call` event when a provider's launch calls the room
// (lib/rooms/call.ts); an `unpaired` event when an admin revokes the device's credential.

const opensPerRoom = () => sharedLimiter('room-stream-opens', { burst: 4, perSecond: 0.5 });
const PING_MS = 15_000;

export async function GET(request: Request) {
  try {
    const database = await db();
    const token = (await cookies()).get(ROOM_COOKIE)?.value;
    const room = await roomOfDevice(database, token);
    if (!room) throw unauthorized('This device is not paired with a room');
    const limiter = opensPerRoom();
    if (!limiter.take(room.id)) throw tooManyRequests(limiter.retryAfterSeconds(room.id));

    const connectionId = randomUUID();
    await markRoomOnline(database, room.id, connectionId);
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    let lastCall = '';
    const write = (text: string) => {
      if (closed) return;
      // A device that stops reading gets nothing more queued; it reconnects.
      if ((controller.desiredSize ?? 0) < -64 * 1024) return close();
      controller.enqueue(encoder.encode(text));
    };
    const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // Re-reads the room: is the device still paired, and is there a call to join?
    const check = async () => {
      try {
        const current = await roomOfDevice(database, token);
        if (!current) {
          send('unpaired', {});
          return close();
        }
        const call = await pendingCall(database, current);
        const key = call ? call.meetingId : '';
        if (key !== lastCall) {
          lastCall = key;
          if (call) send('call', call);
        }
      } catch (error) {
        log.error({ area: 'room stream', error: describeError(error) }, 'room check failed');
      }
    };
    const subscription = onAnnouncement(roomTopic(room.id), () => void check()).catch(() => () => undefined);
    const ping = setInterval(() => write(': ping\n\n'), PING_MS);
    function close() {
      if (closed) return;
      closed = true;
      clearInterval(ping);
      void subscription.then((unsubscribe) => unsubscribe());
      try {
        controller.close();
      } catch {
        // the device already went
      }
      void markRoomOffline(database, room!.id, connectionId).catch((error: unknown) => log.error({ area: 'room stream', error: describeError(error) }, 'mark offline failed'));
    }
    const stream = new ReadableStream<Uint8Array>({
      start(streamController) {
        controller = streamController;
        controller.enqueue(encoder.encode('retry: 3000\n\n'));
      },
      cancel: () => close(),
    });
    request.signal.addEventListener('abort', () => close());
    send('room', { name: room.name, location: room.location, online: true });
    void check();
    if (request.signal.aborted) close();
    const response = new NextResponse(stream, {
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-store, no-transform', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' },
    });
    // A device that stays paired stays signed in: its credential's cookie is renewed each time.
    response.cookies.set(ROOM_COOKIE, token!, roomCookieOptions());
    return response;
  } catch (error) {
    return errorResponse(error, 'room stream');
  }
}
