import { eq } from 'drizzle-orm';
import { getServerSession, type NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { hashPassword, PasswordCheckBusy, verifyPassword } from '@/lib/admins/passwords';
import { signInSchema } from '@/lib/admins/schema';
import { beginSignInAttempt, finishSignInAttempt } from '@/lib/admins/sign-in-throttle';
import { db } from '@/lib/db';
import { admins, type Admin } from '@/lib/db/schema';
import { env } from '@/lib/env';
import { clientAddress } from '@/lib/http/client-address';
import { secureCookies } from '@/lib/public-url';
import { describeError, log } from '@/lib/log';

export const WRONG_CREDENTIALS = 'Email or password is wrong';

export function authOptions(): NextAuthOptions {
  return {
    secret: env().authSecret,
    session: { strategy: 'jwt', maxAge: env().ADMIN_SESSION_HOURS * 3600 },
    // NEXTAUTH_URL decides; its https makes the session cookie Secure behind a TLS proxy too.
    useSecureCookies: secureCookies(),
    pages: { signIn: '/login', error: '/login' },
    providers: [
      CredentialsProvider({
        name: 'Email and password',
        credentials: { email: { type: 'email' }, password: { type: 'password' } },
        async authorize(credentials, request) {
          const parsed = signInSchema.safeParse(credentials);
          if (!parsed.success) throw new Error(WRONG_CREDENTIALS);
          const { email, password } = parsed.data;
          return checkCredentials(email, password, clientAddress(request.headers ?? {}, env().trustedProxies));
        },
      }),
    ],
    callbacks: {
      jwt: ({ token, user }) => (user ? { ...token, adminId: user.id, email: user.email } : token),
      session: ({ session, token }) => ({ ...session, adminId: token.adminId as string | undefined }),
      // Only back to this server: a foreign callbackUrl ends on the admin home.
      redirect: ({ url, baseUrl }) => (url.startsWith('/') && !url.startsWith('//') ? `${baseUrl}${url}` : url.startsWith(`${baseUrl}/`) ? url : `${baseUrl}/admin`),
    },
  };
}

async function checkCredentials(email: string, password: string, address: string) {
  const database = await db();
  const verdict = await beginSignInAttempt(database, email, address);
  if (verdict.kind === 'refuse') {
    const minutes = verdict.retryAfterMinutes;
    throw new Error(`Too many failed sign-ins from here. Sign-in is refused for ${minutes} minute${minutes === 1 ? '' : 's'}.`);
  }
  if (verdict.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));

  const [admin] = await database.select().from(admins).where(eq(admins.email, email));
  let check;
  try {
    check = await verifyPassword(password, admin?.passwordHash);
  } catch (error) {
    await finishSignInAttempt(database, verdict.attemptId, 'refused');
    if (error instanceof PasswordCheckBusy) throw new Error(error.message);
    throw error;
  }
  await finishSignInAttempt(database, verdict.attemptId, check.matches ? 'succeeded' : 'failed');
  if (!admin || !check.matches) throw new Error(WRONG_CREDENTIALS);
  // A hash from before argon2 (or weaker settings) is replaced now that the password is known.
  if (check.needsRehash) {
    await database
      .update(admins)
      .set({ passwordHash: await hashPassword(password) })
      .where(eq(admins.id, admin.id))
      .catch((error: unknown) => log.error({ area: 'sign-in', error: describeError(error) }, 'could not upgrade a password hash'));
  }
  return { id: admin.id, email: admin.email };
}

/** The signed-in admin, re-read from the database so a removed admin loses access at once. */
export async function currentAdmin(): Promise<Admin | null> {
  const session = (await getServerSession(authOptions())) as { adminId?: string } | null;
  if (!session?.adminId) return null;
  const [admin] = await (await db()).select().from(admins).where(eq(admins.id, session.adminId));
  return admin ?? null;
}

/** For pages and server actions: the admin, or a redirect to sign-in (and back here after it). */
export async function requireAdmin(): Promise<Admin> {
  const admin = await currentAdmin();
  if (!admin) redirect(await signInPath());
  return admin;
}

/** Sign-in, with the admin page that was asked for to come back to (scripts/server.mjs passes the path). */
export async function signInPath(): Promise<string> {
  const asked = (await headers()).get('x-televisit-path');
  return asked ? `/login?callbackUrl=${encodeURIComponent(adminReturnPath(asked))}` : '/login';
}

/** Where to go after sign-in: an admin page of this server, nothing else (no open redirect). */
export function adminReturnPath(value: string | null | undefined): string {
  if (!value || value.length > 512 || !/^\/admin(?:[/?#]|$)/.test(value) || /[\\\s]|\/\//.test(value)) return '/admin';
  // A client-side navigation asks with Next's own _rsc parameter: not part of the page's address.
  const url = new URL(value, 'http://televisit.invalid');
  url.searchParams.delete('_rsc');
  return url.pathname + url.search;
}
