import { NextResponse } from 'next/server';
import { writeAudit } from '@/lib/audit/log';
import { db } from '@/lib/db';
import { env } from '@/lib/env';
import { AppError, errorResponse, tooManyRequests } from '@/lib/errors';
import { readJsonBody } from '@/lib/http/body';
import { clientAddress } from '@/lib/http/client-address';
import { sharedLimiter } from '@/lib/http/rate-limit';
import { ROOM_COOKIE, roomCookieOptions } from '@/lib/rooms/credentials';
import { pairingSchema } from '@/lib/rooms/schema';
import { pairDevice } from '@/lib/rooms/store';

// A room device trades its one-time pairing code for its device credential (an HTTP-only cookie).
// Codes are random (about 50 bits) and a day long; guessing is also slowed here, per address.
const attemptsPerAddress = () => sharedLimiter('room-pairing', { burst: 5, perSecond: 0.2 });

export async function POST(request: Request) {
  try {
    const address = clientAddress(request.headers, env().trustedProxies);
    const limiter = attemptsPerAddress();
    if (!limiter.take(address)) throw tooManyRequests(limiter.retryAfterSeconds(address), 'Too many tries; wait a minute');
    const { code } = pairingSchema.parse(await readJsonBody(request, 256));
    const database = await db();
    const paired = await pairDevice(database, code);
    if (!paired) throw new AppError('bad_code', 400, 'That code is not valid or has expired. Ask an admin for a new one.');
    await writeAudit(database, { actorEmail: 'room device', action: 'room.pair', target: `room ${paired.room.name}`, detail: { address } });
    const response = NextResponse.json({ name: paired.room.name }, { headers: { 'Cache-Control': 'no-store' } });
    response.cookies.set(ROOM_COOKIE, paired.token, roomCookieOptions());
    return response;
  } catch (error) {
    return errorResponse(error, 'room pairing');
  }
}
