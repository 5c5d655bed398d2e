import pino, { type Logger } from 'pino';

// Structured JSON logs, one object per line (pino): what a log shipper reads. Never a secret or a
// patient's name: fields with secret-looking names are redacted, and database errors are logged by
// their message without the query's parameters (which can hold names).

const holder = globalThis as typeof globalThis & { __televisitLog?: Logger };

export const log: Logger = (holder.__televisitLog ??= pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'televisit' },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: {
    paths: ['password', 'secret', 'token', 'authorization', '*.password', '*.secret', '*.token', '*.authorization', '*.accessToken', '*.refreshToken', 'headers.authorization', 'headers.cookie'],
    censor: '[redacted]',
  },
}));

/** A logger for this request, with the id scripts/server.mjs gave it (also in X-Request-Id). */
export async function requestLog(): Promise<Logger> {
  try {
    // Imported when used: scripts and tests load this module outside Next.js, where it cannot resolve.
    const { headers } = await import('next/headers');
    const id = (await headers()).get('x-request-id');
    return id ? log.child({ requestId: id }) : log;
  } catch {
    // Outside a request (a timer, a worker): the plain logger.
    return log;
  }
}

/** What may be logged of an error: its message without query parameters, its code, never a stack of values. */
export function describeError(error: unknown): { message: string; code?: string } {
  if (!(error instanceof Error)) return { message: String(error).slice(0, 300) };
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = (cause?.message ?? error.message).split(/\n\s*params:/)[0]!.slice(0, 500);
  const code = cause?.code ?? (error as { code?: string }).code;
  return code ? { message, code } : { message };
}
