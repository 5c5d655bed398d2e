import { eq } from 'drizzle-orm';
import { getServerSession, type NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { hashPassword, PasswordCheckBusy, verifyPassword } from '@/lib/admins/passwords';
import { checkSecondStep, type SecondStep } from '@/lib/admins/two-step';
import { readServerSettings } from '@/lib/server-settings/store';
import { signInSchema, TWO_STEP_NEEDED } from '@/lib/admins/schema';
import { activeSession, endSession, startSession } from '@/lib/admins/sessions';
import { passwordSignInAllowed, signInWithIdentity, singleSignOn, SSO_PROVIDER_ID, ssoProvider, type IdTokenClaims } from '@/lib/admins/single-sign-on';
import { beginSignInAttempt, finishSignInAttempt } from '@/lib/admins/sign-in-throttle';
import { KNOWN_DEVICE_COOKIE, KNOWN_DEVICE_DAYS, knownDeviceFor, knownDeviceToken } from '@/lib/admins/known-device';
import { writeAudit } from '@/lib/audit/log';
import { db } from '@/lib/db';
import { admins, type Admin } from '@/lib/db/schema';
import { env } from '@/lib/env';
import { clientAddress, proxyWarning } from '@/lib/http/client-address';
import { secureCookies } from '@/lib/public-url';
import { describeError, log } from '@/lib/log';

export const WRONG_CREDENTIALS = 'Email or password is wrong';
export const WRONG_TWO_STEP_CODE = 'That code is not right, or was used already. Type the current code from your app, or an unused recovery code.';

/** Thrown by the jwt callback for a cookie whose session was ended or expired: next-auth then clears the cookie. */
class SessionEnded extends Error {}

/** A sign-in refused for a reason the person may read (its message is shown as it is). */
class SignInRefused extends Error {}

export function authOptions(): NextAuthOptions {
  const sso = singleSignOn();
  return {
    secret: env().authSecret,
    // The cookie's own lifetime; the session row's fixed expiry is what counts (lib/admins/sessions.ts).
    session: { strategy: 'jwt', maxAge: env().ADMIN_SESSION_HOURS * 3600 },
    // NEXTAUTH_URL decides; its https makes the session cookie Secure behind a TLS proxy too.
    useSecureCookies: secureCookies(),
    pages: { signIn: '/login', error: '/login' },
    logger: {
      error: (code, metadata) => {
        if (code === 'JWT_SESSION_ERROR' && metadata instanceof SessionEnded) return;
        // A sign-in the identity provider's answer did not pass (state, PKCE, the ID token's
        // signature, issuer, audience, nonce, expiry): the browser reads only that it failed.
        if (code === 'OAUTH_CALLBACK_ERROR') {
          // next-auth passes either the error or { error, providerId }.
          const error = metadata && typeof metadata === 'object' && 'error' in metadata ? (metadata as { error: unknown }).error : metadata;
          log.warn({ area: 'sign-in', method: 'sso', reason: describeError(error) }, 'single sign-on refused');
          return;
        }
        log.error({ area: 'auth', code, error: describeError(metadata) }, 'next-auth error');
      },
      warn: (code) => log.warn({ area: 'auth', code }, 'next-auth warning'),
      debug: () => {},
    },
    providers: [
      ...(sso ? [ssoProvider(sso)] : []),
      ...(env().PASSWORD_SIGN_IN === 'none' ? [] : [passwordProvider()]),
    ],
    events: {
      signOut: async ({ token }) => {
        if (typeof token?.sessionId === 'string') await endSession(await db(), token.sessionId, { actorEmail: String(token.email ?? ''), reason: 'signed out' });
      },
    },
    callbacks: {
      // Single sign-on: the checked ID token's person gets their account and a session, or is refused.
      signIn: async ({ user, account, profile }) => {
        if (account?.provider !== SSO_PROVIDER_ID || !sso) return true;
        const requestHeaders = Object.fromEntries((await headers()).entries());
        const verdict = await signInWithIdentity(await db(), sso, profile as IdTokenClaims, {
          address: clientAddress(requestHeaders, env().trustedProxies),
          userAgent: requestHeaders['user-agent'] ?? '',
          lifetimeMs: env().ADMIN_SESSION_HOURS * 3_600_000,
        });
        if (verdict.kind === 'refused') {
          log.warn({ area: 'sign-in', method: 'sso', email: verdict.email, reason: verdict.reason }, 'single sign-on refused');
          return `${env().publicUrl.origin}/login?error=${verdict.page}`;
        }
        Object.assign(user, { id: verdict.admin.id, email: verdict.admin.email, sessionId: verdict.session.id, method: 'sso' });
        return true;
      },
      jwt: async ({ token, user }) => {
        if (user) {
          const signedIn = user as { id: string; email?: string | null; sessionId?: string; method?: string };
          return { ...token, adminId: signedIn.id, email: signedIn.email, sessionId: signedIn.sessionId, method: signedIn.method };
        }
        // Every read of the cookie (pages, actions, /api/auth/session) asks the database, so an ended
        // session is refused at once and renewing the cookie never outlives the row's expiry.
        const active = typeof token.sessionId === 'string' ? await activeSession(await db(), token.sessionId) : null;
        if (!active || active.admin.id !== token.adminId) throw new SessionEnded();
        // The operator's rule now, not at sign-in: a password session PASSWORD_SIGN_IN no longer
        // allows, or a single sign-on session once it is turned off, ends at its next request.
        if (token.method === 'sso' ? !sso : !passwordSignInAllowed(active.admin.role)) throw new SessionEnded();
        return token;
      },
      session: ({ session, token }) => ({
        ...session,
        adminId: token.adminId as string | undefined,
        sessionId: token.sessionId as string | undefined,
        method: token.method === 'sso' ? 'sso' : 'password',
      }),
      // Only back to this server: a foreign callbackUrl ends on the admin home.
      redirect: ({ url, baseUrl }) => (url.startsWith('/') && !url.startsWith('//') ? `${baseUrl}${url}` : url.startsWith(`${baseUrl}/`) ? url : `${baseUrl}/admin`),
    },
  };
}

/** Email and password, with the second step when the account has one. */
function passwordProvider() {
  return CredentialsProvider({
    name: 'Email and password',
    credentials: { email: { type: 'email' }, password: { type: 'password' }, code: { type: 'text' } },
    async authorize(credentials, request) {
      const parsed = signInSchema.safeParse(credentials);
      if (!parsed.success) throw new Error(WRONG_CREDENTIALS);
      const { email, password, code } = parsed.data;
      const requestHeaders = request.headers ?? {};
      const warning = proxyWarning(requestHeaders, env().trustedProxies);
      if (warning) warnOnce(warning);
      const device = knownDeviceFor((await cookies()).get(KNOWN_DEVICE_COOKIE)?.value, email);
      const address = clientAddress(requestHeaders, env().trustedProxies);
      const { admin, secondStep } = await checkCredentials(email, password, code, address, device);
      const database = await db();
      const session = await startSession(database, {
        adminId: admin.id,
        userAgent: String(requestHeaders['user-agent'] ?? ''),
        address,
        lifetimeMs: env().ADMIN_SESSION_HOURS * 3_600_000,
        method: 'password',
      });
      await writeAudit(database, { actorEmail: admin.email, action: 'sign-in', detail: { method: 'password', secondStep, sessionId: session.id, address, knownDevice: Boolean(device) } });
      // This browser has now proven the password: its later sign-ins skip the account-wide delay
      // and wait in the password check's first lane (lib/admins/known-device.ts).
      (await cookies()).set(KNOWN_DEVICE_COOKIE, knownDeviceToken(email, device), knownDeviceCookieOptions());
      return { id: admin.id, email: admin.email, sessionId: session.id, method: 'password' };
    },
  });
}

/**
 * For a signed-in admin changing their password: the current one is checked as at sign-in (counted
 * and throttled the same way, so a session left open cannot be used to guess it), without the
 * second step. Null when it is right; else the reason to show.
 */
export async function refusalOfCurrentPassword(email: string, password: string): Promise<string | null> {
  const requestHeaders = Object.fromEntries((await headers()).entries());
  const device = knownDeviceFor((await cookies()).get(KNOWN_DEVICE_COOKIE)?.value, email);
  try {
    await checkCredentials(email, password, undefined, clientAddress(requestHeaders, env().trustedProxies), device, { secondStep: false });
    return null;
  } catch (error) {
    if (error instanceof SignInRefused) return error.message === WRONG_CREDENTIALS ? 'Your current password is wrong' : error.message;
    throw error;
  }
}

async function checkCredentials(
  email: string,
  password: string,
  code: string | undefined,
  address: string,
  device: string | null,
  options = { secondStep: true },
) {
  const database = await db();
  const verdict = await beginSignInAttempt(database, email, address, { device });
  const [admin] = await database.select().from(admins).where(eq(admins.email, email));
  // Refusals of a real account are audited; guesses at unknown emails are only counted.
  const refuse = async (reason: string, message: string): Promise<never> => {
    if (admin) await writeAudit(database, { actorEmail: email, action: 'sign-in.refused', detail: { method: 'password', reason, address } });
    throw new SignInRefused(message);
  };
  if (verdict.kind === 'refuse') return refuse(verdict.reason, refusalMessage(verdict));

  let check;
  try {
    check = await verifyPassword(password, admin?.passwordHash ?? undefined, { account: email, knownDevice: Boolean(device) });
  } catch (error) {
    await finishSignInAttempt(database, verdict.attemptId, 'refused');
    if (error instanceof PasswordCheckBusy) return refuse('busy', error.message);
    throw error;
  }
  if (!admin || !check.matches) {
    await finishSignInAttempt(database, verdict.attemptId, 'failed');
    return refuse('wrong password', WRONG_CREDENTIALS);
  }
  // PASSWORD_SIGN_IN: told only once the password was right, so it reveals nothing of the account.
  if (!passwordSignInAllowed(admin.role)) {
    await finishSignInAttempt(database, verdict.attemptId, 'refused');
    return refuse('password sign-in not allowed for this account', `Sign in with ${singleSignOn()?.name ?? 'single sign-on'}: this account may not use a password here.`);
  }
  // The second step, for accounts that have it: asked for once the password was right (not
  // counted against anyone); a wrong code counts as a failure, throttled like a wrong password.
  let secondStep: SecondStep | null = null;
  if (admin.totpSecret && options.secondStep) {
    if (!code) {
      await finishSignInAttempt(database, verdict.attemptId, 'refused');
      throw new Error(TWO_STEP_NEEDED);
    }
    secondStep = await checkSecondStep(database, admin, code);
    if (!secondStep) {
      await finishSignInAttempt(database, verdict.attemptId, 'failed');
      return refuse('wrong two-step code', WRONG_TWO_STEP_CODE);
    }
  }
  await finishSignInAttempt(database, verdict.attemptId, 'succeeded');
  // A hash from before argon2 (or weaker settings) is replaced now that the password is known.
  if (check.needsRehash) {
    await database
      .update(admins)
      .set({ passwordHash: await hashPassword(password) })
      .where(eq(admins.id, admin.id))
      .catch((error: unknown) => log.error({ area: 'sign-in', error: describeError(error) }, 'could not upgrade a password hash'));
  }
  return { admin: { id: admin.id, email: admin.email }, secondStep };
}

/** The signed-in admin, re-read from the database so a removed admin loses access at once. */
export async function currentAdmin(): Promise<Admin | null> {
  return (await currentSession())?.admin ?? null;
}

/** The signed-in admin and the id of this browser's session (the jwt callback checked it is active). */
export async function currentSession(): Promise<{ admin: Admin; sessionId: string; method: 'password' | 'sso' } | null> {
  const session = (await getServerSession(authOptions())) as { adminId?: string; sessionId?: string; method?: 'password' | 'sso' } | null;
  if (!session?.adminId || !session.sessionId) return null;
  const [admin] = await (await db()).select().from(admins).where(eq(admins.id, session.adminId));
  return admin ? { admin, sessionId: session.sessionId, method: session.method ?? 'password' } : null;
}

/**
 * For pages and server actions: the admin, or a redirect to sign-in (and back here after it). When
 * the owner requires two-step sign-in, an admin without it is sent to set it up, and can do nothing
 * else until then (requireSignedIn is for that page alone).
 */
export async function requireAdmin(): Promise<Admin> {
  const signedIn = await currentSession();
  if (!signedIn) redirect(await signInPath());
  const { admin, method } = signedIn;
  // The rule is for password accounts: single sign-on's second factor is the identity provider's.
  if (method === 'password' && !admin.totpSecret && (await readServerSettings(await db())).requireTwoStep) redirect(TWO_STEP_PATH);
  return admin;
}

export const TWO_STEP_PATH = '/admin/two-step';

/** The signed-in admin, whether or not their sign-in meets the server's two-step rule: for setting it up. */
export async function requireSignedIn(): Promise<Admin> {
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

function refusalMessage(verdict: { reason: string; retryAfterSeconds: number }): string {
  if (verdict.reason === 'account') {
    const seconds = verdict.retryAfterSeconds;
    return `Too many failed sign-ins for this account. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
  }
  const minutes = Math.max(1, Math.ceil(verdict.retryAfterSeconds / 60));
  return `Too many failed sign-ins from here. Sign-in is refused for ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

function knownDeviceCookieOptions() {
  return { httpOnly: true, sameSite: 'lax' as const, secure: secureCookies(), path: '/', maxAge: KNOWN_DEVICE_DAYS * 86_400 };
}

const warned = new Set<string>();

/** A misconfigured proxy is worth one line per cause, not one per sign-in. */
function warnOnce(message: string) {
  if (warned.has(message)) return;
  warned.add(message);
  log.warn({ area: 'sign-in' }, message);
}
