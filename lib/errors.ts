import { NextResponse } from 'next/server';
import { ZodError } from 'zod';

/** An expected failure with the HTTP status and message the caller should see. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what = 'Not found') => new AppError('not_found', 404, what);
export const unauthorized = () => new AppError('unauthorized', 401, 'Sign in first');
export const badRequest = (message: string) => new AppError('bad_request', 400, message);

/** Turns anything thrown in a route handler into an answer; unexpected detail goes only to the log. */
export function errorResponse(error: unknown, context: string): NextResponse {
  if (error instanceof ZodError) {
    return NextResponse.json(
      { error: 'invalid_input', message: 'Some fields are not valid', issues: error.issues.map(({ path, message }) => ({ path, message })) },
      { status: 422 },
    );
  }
  if (error instanceof AppError) {
    return NextResponse.json({ error: error.code, message: error.message }, { status: error.status });
  }
  console.error(`[${context}] unexpected error`, error);
  return NextResponse.json({ error: 'internal', message: 'Something went wrong; it has been logged' }, { status: 500 });
}

/** Field errors in the shape every server action returns for bad input. */
export function fieldErrorsOf(error: ZodError): Record<string, string> {
  const fieldErrors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    fieldErrors[field] ??= issue.message;
  }
  return fieldErrors;
}

/** A request's JSON body; a body that is not JSON, or too large, is the caller's mistake, not ours. */
export async function readJsonBody(request: Request, maxBytes = 128 * 1024): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new AppError('too_large', 413, `The body must be at most ${maxBytes} bytes`);
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) throw new AppError('too_large', 413, `The body must be at most ${maxBytes} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('bad_json', 400, 'The body must be JSON');
  }
}
