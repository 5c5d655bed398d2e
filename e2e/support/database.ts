import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Each run gets a database of its own on the local PostgreSQL, so runs cannot collide.
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function createDatabase(prefix: string): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(POSTGRES_ADMIN_URL, async (client) => {
    await dropAbandoned(client, prefix);
    await client.query(`create database ${name}`);
  });
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient(POSTGRES_ADMIN_URL, (client) => client.query(`drop database if exists ${name} with (force)`));
}

/** Queries the database the app under test uses (set by the global setup). */
export async function query<Row extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
  const url = process.env.E2E_DATABASE_URL;
  if (!url) throw new Error('E2E_DATABASE_URL is not set; run through playwright.config.ts');
  return queryAt(url, text, values);
}

/** Queries a database of a test's own (createDatabase). */
export async function queryAt<Row extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<Row[]> {
  return withClient(url, async (client) => (await client.query<Row>(text, values)).rows);
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Databases of earlier runs that were killed before their teardown: their process is gone. */
async function dropAbandoned(client: pg.Client, prefix: string) {
  const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${prefix}\\_%`]);
  for (const { datname } of rows) {
    const pid = Number(datname.slice(prefix.length + 1).split('_')[0]);
    if (!Number.isInteger(pid) || isAlive(pid)) continue;
    await client.query(`drop database if exists ${datname} with (force)`).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
