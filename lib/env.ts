import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

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
    NEXTAUTH_URL: z.url('NEXTAUTH_URL must be an absolute URL').optional(),
    ADMIN_SESSION_HOURS: z.coerce.number().int().min(1).max(720).default(8),
    NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(2_000),
    NOTIFY_RETRY_WINDOW_HOURS: z.coerce.number().min(0.001).max(168).default(24),
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
  }
  if (!result.success || problems.length) {
    const lines = problems.map((problem) => `  - ${problem}`);
    throw new EnvError(`Televisit cannot start; fix these settings (see .env.example):\n${lines.join('\n')}`);
  }
  return result.data;
}

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = parseEnv(process.env);
  const dataDir = path.resolve(parsed.DATA_DIR);
  const masterKey = parsed.TELEVISIT_MASTER_KEY
    ? Buffer.from(parsed.TELEVISIT_MASTER_KEY, 'base64')
    : Buffer.from(readOrCreateSecretFile(dataDir, 'master.key'), 'base64');
  const authSecret = parsed.NEXTAUTH_SECRET ?? readOrCreateSecretFile(dataDir, 'auth.secret');
  cached = { ...parsed, masterKey, authSecret, dataDir };
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
