import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../lib/db/client.ts';

// The two databases every database test runs on: the embedded default (PGlite, in a folder of its
// own) and PostgreSQL (a database of its own on the local server, dropped afterwards).

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  name: 'PGlite' | 'PostgreSQL';
  /** Opens (or reopens) the database; every call reaches the same data. */
  open(): Promise<DatabaseHandle>;
  dispose(): Promise<void>;
}

export async function pgliteBackend(): Promise<Backend> {
  const dir = await mkdtemp(path.join(tmpdir(), 'televisit-unit-'));
  return {
    name: 'PGlite',
    open: () => openDatabase({ dataDir: dir }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function postgresBackend(): Promise<Backend> {
  const name = `televisit_unit_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name: 'PostgreSQL',
    open: () => openDatabase({ databaseUrl: url.toString(), dataDir: '/nonexistent-unused' }),
    dispose: async () => {
      try {
        // pool.end() resolves before its sockets are gone; FORCE on a closing socket would surface as
        // an uncaught error in the pool, so wait briefly for the server to see them leave.
        for (let i = 0; i < 50; i++) {
          const { rows } = await admin.query('select count(*)::int as count from pg_stat_activity where datname = $1', [name]);
          if (rows[0].count === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

