import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction as PGliteTransaction } from '@electric-sql/pglite';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from '@/lib/db/schema';
import { describeError, log } from '@/lib/log';

/**
 * Both drivers build the same queries; the node-postgres type stands for either so that
 * callers never branch on the database in use.
 */
export type Database = NodePgDatabase<typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /**
   * LISTEN on a channel. `onReconnect` runs after a lost listening connection is back, since
   * notifications sent meanwhile are gone: listeners should re-read what they show.
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  /**
   * A plain parameterised query, for the launch's hot path only: on PGlite, Drizzle's own work per
   * call costs a third of the query itself (bench/launch).
   */
  query<Row>(text: string, params: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.join(process.cwd(), 'drizzle');

/** Opens PostgreSQL when a URL is given, else PGlite in `dataDir`, and applies every migration. */
export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    // A request waits at most 5 s for a connection: while PostgreSQL is away, it fails cleanly.
    const pool = retryLostConnections(new pg.Pool({ connectionString: options.databaseUrl, max: 10, connectionTimeoutMillis: 5000 }));
    // PostgreSQL restarting, or an admin ending our sessions, surfaces here on idle connections;
    // without a listener the pool's 'error' event would end the process. The pool replaces them.
    pool.on('error', (error) => log.error({ area: 'database', error: describeError(error) }, 'a pooled connection was lost'));
    await migrateWithLock(pool);
    const db = drizzlePg(pool, { schema });
    const listeners: Array<{ stop(): Promise<void> }> = [];
    return {
      db,
      kind: 'postgres',
      async listen(channel, onPayload, onReconnect) {
        const listener = await listenPg(options.databaseUrl!, channel, onPayload, onReconnect);
        listeners.push(listener);
        return listener.stop;
      },
      query: async <Row>(text: string, params: unknown[]) => (await pool.query(text, params)).rows as Row[],
      close: async () => {
        await Promise.all(listeners.map((listener) => listener.stop()));
        await pool.end();
      },
    };
  }
  // The embedded database keeps patients' data in files this process creates, now and later (WAL
  // segments): owner-only from the start, and whatever was there before is made so too.
  process.umask(0o077);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  ownerOnly(options.dataDir);
  const client = takingTurns(await PGlite.create(path.join(options.dataDir, 'pglite')));
  // PGlite makes its files world-readable (0666 less the umask): the patients' data is not.
  ownerOnly(options.dataDir);
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return {
    db: db as unknown as Database,
    kind: 'pglite',
    async listen(channel, onPayload) {
      const unlisten = await client.listen(channel, onPayload);
      return unlisten;
    },
    query: async <Row>(text: string, params: unknown[]) => (await client.query<Row>(text, params)).rows,
    close: () => client.close(),
  };
}

/**
 * The embedded database runs each query on this thread and never waits for I/O: the queries that
 * queue for it would run one after another as a single chain of promise callbacks, and while a
 * burst lasts (a thousand push streams connecting: 20 s on two cores) the server would read and
 * answer nothing else, and requests that arrived meanwhile would pass their timeouts unread. So
 * queries and transactions take turns: one at a time, each on an event-loop turn of its own, with
 * the server's waiting I/O served between two of them. (A transaction's own queries go on without
 * a break: it holds the database anyway.)
 */
function takingTurns(client: PGlite): PGlite {
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
  let last: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const run = last.then(nextTurn).then(work);
    last = run.catch(() => undefined);
    return run;
  };
  const query = client.query.bind(client);
  const exec = client.exec.bind(client);
  const transaction = client.transaction.bind(client);
  client.query = (...args: Parameters<typeof query>) => inTurn(() => query(...args));
  client.exec = (...args: Parameters<typeof exec>) => inTurn(() => exec(...args));
  client.transaction = <T>(callback: (tx: PGliteTransaction) => Promise<T>): Promise<T> => inTurn(() => transaction(callback));
  return client;
}

/** The embedded database's folder and everything in it: readable and writable by its owner only. */
function ownerOnly(folder: string): void {
  chmodSync(folder, 0o700);
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) ownerOnly(file);
    else if (entry.isFile() && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
}

/** Two servers starting together against one PostgreSQL must not both apply a migration. */
async function migrateWithLock(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock(727274)');
    await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query('select pg_advisory_unlock(727274)').catch(() => undefined);
    client.release();
  }
}

const LOST_CONNECTION_RETRIES = 2;

/** Errors that mean the connection died, not that the statement was wrong (SQLSTATE class 57P, sockets). */
export function isConnectionLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (/^57P0[1-3]$/.test(code) || code === 'ECONNRESET' || code === 'EPIPE')) return true;
  return typeof message === 'string' && (message.startsWith('Connection terminated') || message.startsWith('Client has encountered a connection error'));
}

/** The connection died, or PostgreSQL is not answering at all (restarting, unreachable): worth waiting for. */
export function isDatabaseAway(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return isConnectionLost(error) || code === 'ECONNREFUSED' || (typeof message === 'string' && message.includes('timeout exceeded when trying to connect'));
}

/**
 * Single statements are tried again (twice at most), on another connection, when the one they got
 * had just been ended (PostgreSQL restarting, an admin or a failover ending sessions): an idle
 * connection can be handed out before the pool hears that it died. A statement cut off with its
 * connection is rolled back, so running it again is safe. Transactions (pool.connect) are not retried: they fail as a whole,
 * and their callers answer or retry as before.
 */
function retryLostConnections(pool: pg.Pool): pg.Pool {
  // node-postgres overloads query (callbacks, configs, submittables): only promises are retried.
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const retrying = (...args: unknown[]) => {
    const attempt = (left: number): unknown => {
      const result = query(...args);
      if (!(result instanceof Promise) || left === 0) return result;
      return result.catch((error: unknown) => {
        if (!isConnectionLost(error)) throw error;
        log.warn({ area: 'database', error: describeError(error) }, 'a statement met a lost connection; trying again');
        return attempt(left - 1);
      });
    };
    // Several idle connections may have died together: each try takes another one.
    return attempt(LOST_CONNECTION_RETRIES);
  };
  Object.assign(pool, { query: retrying });
  return pool;
}

/**
 * A dedicated connection that LISTENs, and comes back by itself when PostgreSQL drops it (a
 * restart, an admin ending it): retried every second until it is back, then `onReconnect`.
 */
async function listenPg(url: string, channel: string, onPayload: (payload: string) => void, onReconnect?: () => void) {
  let stopped = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const scheduleReconnect = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect(true);
    }, 1000);
  };
  const connect = async (isReconnect: boolean): Promise<void> => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    next.on('notification', (message) => {
      if (message.channel === channel) onPayload(message.payload ?? '');
    });
    next.on('error', () => undefined);
    try {
      await next.connect();
      await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      if (!isReconnect) throw error;
      scheduleReconnect();
      return;
    }
    next.on('end', () => {
      if (client === next) client = null;
      scheduleReconnect();
    });
    client = next;
    if (isReconnect) onReconnect?.();
  };
  await connect(false);
  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
