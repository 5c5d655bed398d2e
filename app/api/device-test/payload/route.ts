import { randomBytes } from 'node:crypto';
import type { NextRequest } from 'next/server';
import { AppError, errorResponse } from '@/lib/errors';
import { PAYLOAD_MAX_BYTES, payloadQuerySchema } from '@/lib/device-test/schema';

// The device test's bitrate: the page downloads and uploads a few hundred KB against the app
// itself. Random bytes, so compression on the way cannot make the link look faster than it is.

/** ?bytes=N of random data (at most PAYLOAD_MAX_BYTES). */
export function GET(request: NextRequest) {
  try {
    const { bytes } = payloadQuerySchema.parse({ bytes: request.nextUrl.searchParams.get('bytes') ?? undefined });
    return new Response(randomPayload().subarray(0, bytes), {
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes), 'Cache-Control': 'no-store' },
    });
  } catch (error) {
    return errorResponse(error, 'device test payload');
  }
}

/** Reads and discards the body; more than PAYLOAD_MAX_BYTES is refused with 413. */
export async function POST(request: Request) {
  try {
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > PAYLOAD_MAX_BYTES) throw tooLarge();
    let received = 0;
    const reader = request.body?.getReader();
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > PAYLOAD_MAX_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
    }
    return Response.json({ received }, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return errorResponse(error, 'device test upload');
  }
}

let payload: Uint8Array<ArrayBuffer> | undefined;

// Made once: random enough for its purpose, and no CPU spent per request.
function randomPayload(): Uint8Array<ArrayBuffer> {
  return (payload ??= new Uint8Array(randomBytes(PAYLOAD_MAX_BYTES)));
}

function tooLarge() {
  return new AppError('payload_too_large', 413, `Send at most ${PAYLOAD_MAX_BYTES} bytes`);
}
