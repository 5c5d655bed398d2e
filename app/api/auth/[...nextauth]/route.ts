import NextAuth from 'next-auth';
import { authOptions } from '@/lib/auth';
import { badRequest, errorResponse } from '@/lib/errors';
import { describeError, log } from '@/lib/log';

type RouteContext = { params: Promise<{ nextauth: string[] }> };

/** next-auth's own routes; whatever it throws on a malformed request is a 400, never a 500. */
async function handler(request: Request, context: RouteContext) {
  try {
    return (await NextAuth(request as never, context as never, authOptions())) as Response;
  } catch (error) {
    // Next's own control flow (redirect) passes through untouched.
    if (error instanceof Error && 'digest' in error) throw error;
    log.warn({ area: 'auth', error: describeError(error) }, 'refused a malformed sign-in request');
    return errorResponse(badRequest('This sign-in request is not valid'), 'auth');
  }
}

export { handler as GET, handler as POST };
