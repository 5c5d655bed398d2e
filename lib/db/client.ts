import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from '@/lib/db/schema';

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
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
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
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const client = await PGlite.create(path.join(options.dataDir, 'pglite'));
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

/** A dedicated connection that LISTENs, and comes back by itself when PostgreSQL drops it. */
async function listenPg(url: string, channel: string, onPayload: (payload: string) => void, onReconnect?: () => void) {
  let stopped = false;
  let client: pg.Client | null = null;
  const connect = async (isReconnect: boolean): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === channel) onPayload(message.payload ?? '');
    });
    next.on('error', () => undefined);
    next.on('end', () => {
      if (!stopped) setTimeout(() => void connect(true).catch(() => undefined), 1000);
    });
    try {
      await next.connect();
      await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      if (!isReconnect) throw error;
      return;
    }
    client = next;
    if (isReconnect) onReconnect?.();
  };
  await connect(false);
  return {
    async stop() {
      stopped = true;
      await client?.end().catch(() => undefined);
    },
  };
}
