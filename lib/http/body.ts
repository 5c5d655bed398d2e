import type { IncomingMessage } from 'node:http';
import { AppError } from '@/lib/errors';

// Request bodies are read as a stream with a cap: a stranger's body never grows past the limit in
// memory, whatever Content-Length says or leaves out (chunked). Over the cap the answer is 413 at
// once, and the rest of the upload is not read: scripts/server.mjs closes such a connection soon
// after the answer went out.

export const JSON_BODY_MAX_BYTES = 128 * 1024;

/** A request's JSON body; a body that is not JSON, or too large, is the caller's mistake, not ours. */
export async function readJsonBody(request: Request, maxBytes = JSON_BODY_MAX_BYTES): Promise<unknown> {
  const text = new TextDecoder().decode(await readBodyBytes(request, maxBytes));
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('bad_json', 400, 'The body must be JSON');
  }
}

/** The body's bytes, at most `maxBytes`; more is refused with 413 as soon as it is seen. */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && (!/^\d{1,15}$/.test(declared) || Number(declared) > maxBytes)) throw bodyTooLarge(maxBytes);
  const reader = request.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.releaseLock();
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The same for a plain Node request (the routes served before Next.js, lib/visit/call-routes.ts).
 * Over the cap it stops reading without destroying the request, so the 413 can still be sent.
 */
export function readNodeJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && (!/^\d{1,15}$/.test(declared) || Number(declared) > maxBytes)) return Promise.reject(bodyTooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      settled = true;
      request.off('data', onData);
      request.pause();
      reject(bodyTooLarge(maxBytes));
    };
    request.on('data', onData);
    request.once('end', () => {
      if (settled) return;
      settled = true;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new AppError('bad_json', 400, 'The body must be JSON'));
      }
    });
    request.once('error', () => {
      if (settled) return;
      settled = true;
      reject(new AppError('aborted', 400, 'The request was cut off'));
    });
  });
}

export function bodyTooLarge(maxBytes: number): AppError {
  return new AppError('too_large', 413, `The body must be at most ${maxBytes} bytes`);
}
