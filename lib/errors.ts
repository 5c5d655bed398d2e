import { NextResponse } from 'next/server';
import { ZodError } from 'zod';

/** An expected failure with the HTTP status and message the caller should see. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra response headers, such as Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what = 'Not found') => new AppError('not_found', 404, what);
export const unauthorized = (message = 'Sign in first') => new AppError('unauthorized', 401, message);
export const badRequest = (message: string) => new AppError('bad_request', 400, message);
export const tooManyRequests = (retryAfterSeconds: number, message = 'Too many requests; try again shortly') =>
  new AppError('rate_limited', 429, message, { 'Retry-After': String(Math.max(1, retryAfterSeconds)) });

/** Turns anything thrown in a route handler into an answer; unexpected detail goes only to the log. */
export function errorResponse(error: unknown, context: string): NextResponse {
  if (error instanceof ZodError) {
    return NextResponse.json(
      { error: 'invalid_input', message: 'Some fields are not valid', issues: error.issues.map(({ path, message }) => ({ path, message })) },
      { status: 422 },
    );
  }
  if (error instanceof AppError) {
    // A body refused as too large is left unread: closing the connection is what stops the upload.
    const headers = error.status === 413 ? { ...error.headers, Connection: 'close' } : error.headers;
    return NextResponse.json({ error: error.code, message: error.message }, { status: error.status, headers });
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
