import { eq } from 'drizzle-orm';
import { getServerSession, type NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { redirect } from 'next/navigation';
import { verifyPassword } from '@/lib/admins/passwords';
import { signInSchema } from '@/lib/admins/schema';
import { checkSignInThrottle, recordSignInAttempt } from '@/lib/admins/sign-in-throttle';
import { db } from '@/lib/db';
import { admins, type Admin } from '@/lib/db/schema';
import { env } from '@/lib/env';

export const WRONG_CREDENTIALS = 'Email or password is wrong';

export function authOptions(): NextAuthOptions {
  return {
    secret: env().authSecret,
    session: { strategy: 'jwt', maxAge: env().ADMIN_SESSION_HOURS * 3600 },
    pages: { signIn: '/login', error: '/login' },
    providers: [
      CredentialsProvider({
        name: 'Email and password',
        credentials: { email: { type: 'email' }, password: { type: 'password' } },
        async authorize(credentials, request) {
          const parsed = signInSchema.safeParse(credentials);
          if (!parsed.success) throw new Error(WRONG_CREDENTIALS);
          const { email, password } = parsed.data;
          // One attempt per email at a time in this server, so parallel guesses cannot all pass
          // the throttle before any failure is counted.
          return oneAtATime(email, () => checkCredentials(email, password, clientAddress(request.headers ?? {})));
        },
      }),
    ],
    callbacks: {
      jwt: ({ token, user }) => (user ? { ...token, adminId: user.id, email: user.email } : token),
      session: ({ session, token }) => ({ ...session, adminId: token.adminId as string | undefined }),
    },
  };
}

async function checkCredentials(email: string, password: string, address: string) {
  const database = await db();
  const verdict = await checkSignInThrottle(database, email, address);
  if (verdict.kind === 'refuse') {
    const minutes = verdict.retryAfterMinutes;
    throw new Error(`Too many failed sign-ins. Sign-in is refused for ${minutes} minute${minutes === 1 ? '' : 's'}.`);
  }
  if (verdict.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));

  const [admin] = await database.select().from(admins).where(eq(admins.email, email));
  const succeeded = await verifyPassword(password, admin?.passwordHash);
  await recordSignInAttempt(database, email, address, succeeded);
  if (!admin || !succeeded) throw new Error(WRONG_CREDENTIALS);
  return { id: admin.id, email: admin.email };
}

/** The signed-in admin, re-read from the database so a removed admin loses access at once. */
export async function currentAdmin(): Promise<Admin | null> {
  const session = (await getServerSession(authOptions())) as { adminId?: string } | null;
  if (!session?.adminId) return null;
  const [admin] = await (await db()).select().from(admins).where(eq(admins.id, session.adminId));
  return admin ?? null;
}

/** For pages and server actions: the admin, or a redirect to sign-in. */
export async function requireAdmin(): Promise<Admin> {
  const admin = await currentAdmin();
  if (!admin) redirect('/login');
  return admin;
}

/**
 * The address sign-in throttling counts against. Next.js fills X-Forwarded-For from the socket
 * unless the request already has one; behind a reverse proxy, the last entry is the one that
 * proxy added, which a client cannot forge (it can only prepend). Without a proxy a client can
 * send its own header and dodge the per-address limit, but never the per-email one.
 */
const attemptsInFlight = new Map<string, Promise<unknown>>();

function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = attemptsInFlight.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(work);
  attemptsInFlight.set(key, next);
  void next.catch(() => undefined).finally(() => {
    if (attemptsInFlight.get(key) === next) attemptsInFlight.delete(key);
  });
  return next;
}

function clientAddress(headers: Record<string, string | string[] | undefined>): string {
  const forwarded = headers['x-forwarded-for'];
  const value = Array.isArray(forwarded) ? forwarded.at(-1) : forwarded;
  return value?.split(',').at(-1)?.trim() || 'unknown';
}
