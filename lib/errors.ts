import { NextResponse } from 'next/server';
import { ZodError } from 'zod';
import { describeError, log } from '@/lib/log';

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

export interface ErrorAnswer {
  status: number;
  body: { error: string; message: string; issues?: Array<{ path: PropertyKey[]; message: string }> };
  headers: Record<string, string>;
}

/** The one map from anything thrown to what the client is told; unexpected detail goes only to the log. */
export function errorAnswer(error: unknown, context: string): ErrorAnswer {
  if (error instanceof ZodError) {
    return {
      status: 422,
      body: { error: 'invalid_input', message: 'Some fields are not valid', issues: error.issues.map(({ path, message }) => ({ path, message })) },
      headers: {},
    };
  }
  if (error instanceof AppError) {
    return { status: error.status, body: { error: error.code, message: error.message }, headers: error.headers };
  }
  log.error({ area: context, error: describeError(error) }, 'unexpected error');
  return { status: 500, body: { error: 'internal', message: 'Something went wrong; it has been logged' }, headers: {} };
}

/** Turns anything thrown in a route handler into a response (errorAnswer). */
export function errorResponse(error: unknown, context: string): NextResponse {
  const answer = errorAnswer(error, context);
  return NextResponse.json(answer.body, { status: answer.status, headers: answer.headers });
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
