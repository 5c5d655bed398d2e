import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BlockList } from 'node:net';
import { z } from 'zod';
import { parseTrustedProxies } from '@/lib/http/client-address';

const commaList = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

// Every setting the server reads from its environment, validated once. `.env.example` documents them.
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
      .optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    TELEVISIT_MASTER_KEY: z
      .string()
      .refine((value) => Buffer.from(value, 'base64').length === 32, {
        message: 'TELEVISIT_MASTER_KEY must be base64 of exactly 32 bytes (openssl rand -base64 32)',
      })
      .optional(),
    NEXTAUTH_SECRET: z.string().min(32, 'NEXTAUTH_SECRET must be at least 32 characters').optional(),
    /** The public URL of this server: sign-in redirects, Secure cookies and the OAuth redirect URI come from it. */
    NEXTAUTH_URL: z
      .url('NEXTAUTH_URL must be an absolute URL such as https://televisit.hospital.org')
      .refine((value) => /^https?:\/\//.test(value), 'NEXTAUTH_URL must start with https:// (or http:// for a test server)')
      .optional(),
    /** Reverse proxies whose X-Forwarded-For is believed: comma-separated addresses or CIDR ranges. */
    TRUSTED_PROXIES: z
      .string()
      .default('')
      .superRefine((value, context) => {
        try {
          parseTrustedProxies(value);
        } catch (error) {
          context.addIssue({ code: 'custom', message: `TRUSTED_PROXIES: ${(error as Error).message}` });
        }
      }),
    /**
     * Addresses or CIDR ranges a Production integration may call although they are private,
     * loopback or link-local: an on-premise Epic. Empty: only public addresses.
     */
    OUTGOING_PRIVATE_ALLOWLIST: z
      .string()
      .default('')
      .superRefine((value, context) => {
        try {
          parseTrustedProxies(value);
        } catch (error) {
          context.addIssue({ code: 'custom', message: `OUTGOING_PRIVATE_ALLOWLIST: ${(error as Error).message}` });
        }
      }),
    /** Launches one client address may open per minute (a burst of as many, then evenly). */
    LAUNCH_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
    ADMIN_SESSION_HOURS: z.coerce.number().int().min(1).max(720).default(8),
    NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(2_000),
    NOTIFY_RETRY_WINDOW_HOURS: z.coerce.number().min(0.001).max(168).default(24),
    /** Turns /metrics on, answered only with `Authorization: Bearer <this>`. */
    METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
    /** How often each server looks for abandoned visits to end (and, hourly, for records to purge). */
    MAINTENANCE_INTERVAL_SECONDS: z.coerce.number().min(1).max(3600).default(30),
    ICE_SERVERS: z
      .string()
      .default('[]')
      .transform((value, context) => {
        try {
          return iceServersSchema.parse(JSON.parse(value));
        } catch {
          context.addIssue({
            code: 'custom',
            message: 'ICE_SERVERS must be a JSON array like [{"urls":"stun:stun.example.org:3478"}]',
          });
          return z.NEVER;
        }
      }),
    /** TURN relays (comma-separated turn: or turns: URLs) with per-participant credentials from TURN_SECRET. */
    TURN_URLS: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((url) => url.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^turns?:[^\s,]+$/, 'TURN_URLS must be turn: or turns: URLs, comma-separated, e.g. turn:turn.hospital.org:3478?transport=udp'))),
    /** coturn's static-auth-secret (use-auth-secret). */
    TURN_SECRET: z.string().min(16, 'TURN_SECRET must be at least 16 characters (openssl rand -base64 32)').optional(),
    /** How long a participant's TURN credentials last; the page renews them before they expire. */
    TURN_CREDENTIAL_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
    /** relay: every call through TURN (tests, sites that allow no direct media); all: the default. */
    ICE_TRANSPORT_POLICY: z.enum(['all', 'relay']).default('all'),
    /** Single sign-on for admins (lib/admins/single-sign-on.ts): the OpenID Provider's issuer URL. */
    OIDC_ISSUER: z
      .url('OIDC_ISSUER must be the identity provider\'s issuer URL, e.g. https://login.microsoftonline.com/<tenant>/v2.0')
      .refine(
        (value) => value.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(value),
        'OIDC_ISSUER must start with https:// (http:// only on this machine, for tests)',
      )
      .optional(),
    OIDC_CLIENT_ID: z.string().max(512).optional(),
    OIDC_CLIENT_SECRET: z.string().max(4096).optional(),
    /** The sign-in button reads "Sign in with <OIDC_NAME>". */
    OIDC_NAME: z.string().trim().min(1).max(60).default('single sign-on'),
    /** The ID token claim that lists the person's groups (or roles). */
    OIDC_GROUPS_CLAIM: z.string().trim().min(1).max(200).default('groups'),
    /** Comma-separated values of that claim: members become admins, or owners. */
    OIDC_ADMIN_GROUPS: commaList,
    OIDC_OWNER_GROUPS: commaList,
    /** The media server for group visits: the WebSocket URL of Janus' API, used by this server only (lib/media-server/janus.ts). */
    JANUS_URL: z
      .url('JANUS_URL must be the WebSocket URL of Janus\' API, e.g. ws://127.0.0.1:8188')
      .refine((value) => /^wss?:\/\//.test(value), 'JANUS_URL must start with ws:// or wss://, e.g. ws://127.0.0.1:8188')
      .optional(),
    /** Janus' api_secret, when its janus.jcfg sets one. */
    JANUS_API_SECRET: z.string().max(512).optional(),
    /** all: every account may use a password; owner: owners only (a break-glass account); none: single sign-on only. */
    PASSWORD_SIGN_IN: z.enum(['all', 'owner', 'none']).default('all'),
  });

const iceServersSchema = z.array(
  z.object({
    urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    username: z.string().optional(),
    credential: z.string().optional(),
  }),
);

export type Env = z.infer<typeof envSchema> & {
  masterKey: Buffer;
  authSecret: string;
  dataDir: string;
  trustedProxies: BlockList;
  outgoingPrivateAllowlist: BlockList;
  /** NEXTAUTH_URL as set, or http://localhost:<PORT> for the embedded default. */
  publicUrl: URL;
  /** Whether NEXTAUTH_URL was set: an address others can reach (OAuth needs one). */
  publicUrlConfigured: boolean;
};

export class EnvError extends Error {}

/** Parses an environment; throws EnvError with one line per problem. */
export function parseEnv(source: Record<string, string | undefined>): z.infer<typeof envSchema> {
  // An empty line in an env file (PORT=) means "not set", not "set to nothing".
  const given = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(given);
  const problems = result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`);
  // Several servers share one PostgreSQL: each must open what the others sealed and signed.
  if (given.DATABASE_URL) {
    for (const name of ['TELEVISIT_MASTER_KEY', 'NEXTAUTH_SECRET']) {
      if (!given[name]) problems.push(`${name}: ${name} is required with DATABASE_URL (openssl rand -base64 32)`);
    }
    // Production sits behind a proxy on a public name: without it, cookies are never Secure and
    // sign-in would send admins to localhost.
    if (!given.NEXTAUTH_URL) problems.push('NEXTAUTH_URL: NEXTAUTH_URL is required with DATABASE_URL: the public URL, e.g. https://televisit.hospital.org');
  }
  if (given.TURN_URLS && !given.TURN_SECRET) problems.push('TURN_SECRET: TURN_SECRET is required with TURN_URLS (the static-auth-secret of coturn)');
  if (given.ICE_TRANSPORT_POLICY === 'relay' && !given.TURN_URLS && !given.ICE_SERVERS) {
    problems.push('ICE_TRANSPORT_POLICY: relay needs a TURN server (TURN_URLS or ICE_SERVERS)');
  }
  if (given.JANUS_API_SECRET && !given.JANUS_URL) problems.push('JANUS_URL: JANUS_URL is required with JANUS_API_SECRET (the WebSocket URL of Janus\' API)');
  problems.push(...singleSignOnProblems(given));
  if (!result.success || problems.length) {
    const lines = problems.map((problem) => `  - ${problem}`);
    throw new EnvError(`Televisit cannot start; fix these settings (see .env.example):\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Single sign-on is all three of issuer, client id and secret, or none; a password rule other than "all" needs it. */
function singleSignOnProblems(given: Record<string, string | undefined>): string[] {
  const parts = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'];
  const set = parts.filter((name) => given[name]);
  const problems: string[] = [];
  if (set.length > 0 && set.length < parts.length) {
    for (const name of parts.filter((part) => !given[part])) problems.push(`${name}: ${name} is required with ${set.join(' and ')} (single sign-on needs all three)`);
  }
  if (set.length === parts.length) {
    if (!given.NEXTAUTH_URL) problems.push('NEXTAUTH_URL: NEXTAUTH_URL is required with OIDC_ISSUER: the redirect URI is <NEXTAUTH_URL>/api/auth/callback/oidc');
    if (!given.OIDC_ADMIN_GROUPS?.trim() && !given.OIDC_OWNER_GROUPS?.trim()) {
      problems.push('OIDC_ADMIN_GROUPS: name at least one group in OIDC_ADMIN_GROUPS or OIDC_OWNER_GROUPS, or nobody could sign in');
    }
  }
  if (given.PASSWORD_SIGN_IN && given.PASSWORD_SIGN_IN !== 'all' && set.length < parts.length) {
    problems.push(`PASSWORD_SIGN_IN: ${given.PASSWORD_SIGN_IN} needs single sign-on (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET), or no admin could sign in`);
  }
  return problems;
}

let cached: Env | undefined;
const holder = globalThis as typeof globalThis & { __televisitPublicUrlGiven?: boolean };

export function env(): Env {
  if (cached) return cached;
  const parsed = parseEnv(process.env);
  const dataDir = path.resolve(parsed.DATA_DIR);
  const masterKey = parsed.TELEVISIT_MASTER_KEY
    ? Buffer.from(parsed.TELEVISIT_MASTER_KEY, 'base64')
    : Buffer.from(readOrCreateSecretFile(dataDir, 'master.key'), 'base64');
  const authSecret = parsed.NEXTAUTH_SECRET ?? readOrCreateSecretFile(dataDir, 'auth.secret');
  // Whether the operator set NEXTAUTH_URL is decided once per process, by the first copy of this
  // module to run, and kept on globalThis: the bundles of the route handlers have copies of their
  // own, and they must not take the address derived below (which next-auth needs in process.env) for
  // one the operator gave (OAuth would then be offered a redirect URI nobody can reach).
  holder.__televisitPublicUrlGiven ??= parsed.NEXTAUTH_URL !== undefined;
  const publicUrlConfigured = holder.__televisitPublicUrlGiven;
  const publicUrl = new URL(publicUrlConfigured && parsed.NEXTAUTH_URL ? parsed.NEXTAUTH_URL : `http://localhost:${parsed.PORT}`);
  // next-auth reads NEXTAUTH_URL itself: give it the same answer (else it assumes localhost:3000).
  if (!publicUrlConfigured) process.env.NEXTAUTH_URL = publicUrl.origin;
  cached = {
    ...parsed,
    masterKey,
    authSecret,
    dataDir,
    trustedProxies: parseTrustedProxies(parsed.TRUSTED_PROXIES),
    outgoingPrivateAllowlist: parseTrustedProxies(parsed.OUTGOING_PRIVATE_ALLOWLIST),
    publicUrl,
    publicUrlConfigured,
  };
  return cached;
}

/**
 * The embedded default keeps its keys beside its database, readable by the owner only,
 * so a fresh install needs no configuration and a restart keeps every secret readable.
 */
function readOrCreateSecretFile(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const value = randomBytes(32).toString('base64');
  try {
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: theirs wins, so both use the same key.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
  chmodSync(file, 0o600);
  return value;
}
