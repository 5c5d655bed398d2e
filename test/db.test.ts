import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { eq, getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { writeAudit } from '../lib/audit/log.ts';
import {
  LOCK_AFTER_ADDRESS_FAILURES,
  LOCK_AFTER_EMAIL_FAILURES,
  THROTTLE_WINDOW_MS,
  checkSignInThrottle,
  recordSignInAttempt,
} from '../lib/admins/sign-in-throttle.ts';
import { openDatabase, type Database, type DatabaseHandle } from '../lib/db/client.ts';
import * as schema from '../lib/db/schema.ts';
import { appMilestones, auditLog, integrations, logos } from '../lib/db/schema.ts';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// Every table the schema declares must exist after the migrations, and nothing else.
const TABLES = Object.values(schema)
  .filter((value) => is(value, PgTable))
  .map((table) => getTableName(table as PgTable))
  .sort();
const MIGRATIONS = (JSON.parse(readFileSync(new URL('../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }).entries.length;

interface Backend {
  name: 'PGlite' | 'PostgreSQL';
  /** Opens (or reopens) the database; every call reaches the same data. */
  open(): Promise<DatabaseHandle>;
  dispose(): Promise<void>;
}

async function pgliteBackend(): Promise<Backend> {
  const dir = await mkdtemp(path.join(tmpdir(), 'televisit-unit-'));
  return {
    name: 'PGlite',
    open: () => openDatabase({ dataDir: dir }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

async function postgresBackend(): Promise<Backend> {
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

/** A unique value so that tests sharing one database never see each other's rows. */
function unique(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

async function rows<T>(db: Database, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}

/** PostgreSQL's SQLSTATE of an error, whether or not drizzle wrapped the driver's error. */
function sqlState(error: unknown): string | undefined {
  const seen = error as { code?: string; cause?: { code?: string } };
  return seen.cause?.code ?? seen.code;
}

function integrationRow(encryptionKey: string) {
  return {
    encryptionKey,
    defaultHostEmail: 'host@example.org',
    providerUserType: 'Licensed',
    encryptionAlgorithm: 'AES-256-CBC',
    encryptionSecretSealed: 'v1:iv:tag:body',
    epicEnvironment: 'Test',
    admittancePolicy: 'automatic',
    authType: 'none',
    vendorName: 'Example Health',
    epicTimeZone: 'America/Chicago',
    defaultLinkValidityMinutes: 60,
  };
}

for (const makeBackend of [pgliteBackend, postgresBackend]) {
  describe(makeBackend === pgliteBackend ? 'PGlite' : 'PostgreSQL', () => {
    let backend: Backend;
    let handle: DatabaseHandle;
    let db: Database;

    before(async () => {
      backend = await makeBackend();
      handle = await backend.open();
      db = handle.db;
    });

    after(async () => {
      await handle?.close();
      await backend?.dispose();
    });

    test('opening applies the migrations: every table exists', async () => {
      assert.equal(handle.kind, backend.name === 'PGlite' ? 'pglite' : 'postgres');
      const found = await rows<{ table_name: string }>(
        db,
        sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      );
      assert.deepEqual(
        found.map((row) => row.table_name),
        TABLES,
      );
    });

    test('opening again applies nothing twice and keeps the data', async () => {
      const marker = unique('reopen');
      await db.insert(appMilestones).values({ name: marker });
      const before = await rows<{ count: number }>(db, sql`select count(*)::int as count from drizzle.__drizzle_migrations`);
      assert.equal(before[0]!.count, MIGRATIONS);

      // PGlite allows one process per directory, so it is closed before reopening.
      if (handle.kind === 'pglite') await handle.close();
      const again = await backend.open();
      try {
        const after = await rows<{ count: number }>(again.db, sql`select count(*)::int as count from drizzle.__drizzle_migrations`);
        assert.equal(after[0]!.count, MIGRATIONS);
        const kept = await again.db.select().from(appMilestones).where(eq(appMilestones.name, marker));
        assert.equal(kept.length, 1);
      } finally {
        if (handle.kind === 'pglite') {
          handle = again;
          db = again.db;
        } else {
          await again.close();
        }
      }
    });

    describe('sign-in throttle', () => {
      test('a first attempt is allowed without delay', async () => {
        assert.deepEqual(await checkSignInThrottle(db, unique('new@example.org'), unique('10.0.0')), { kind: 'allow', delayMs: 0 });
      });

      test('two failures are still allowed without delay', async () => {
        const email = unique('two@example.org');
        const address = unique('10.0.1');
        for (let i = 0; i < 2; i++) await recordSignInAttempt(db, email, address, false);
        assert.deepEqual(await checkSignInThrottle(db, email, address), { kind: 'allow', delayMs: 0 });
      });

      test('after 3 failures sign-in is slowed, more with each failure', async () => {
        const email = unique('slow@example.org');
        const address = unique('10.0.2');
        for (let i = 0; i < 3; i++) await recordSignInAttempt(db, email, address, false);
        assert.deepEqual(await checkSignInThrottle(db, email, address), { kind: 'allow', delayMs: 1000 });
        await recordSignInAttempt(db, email, address, false);
        assert.deepEqual(await checkSignInThrottle(db, email, address), { kind: 'allow', delayMs: 2000 });
      });

      test('after 5 failures for one email sign-in is refused for the rest of the window', async () => {
        const email = unique('locked@example.org');
        const address = unique('10.0.3');
        for (let i = 0; i < LOCK_AFTER_EMAIL_FAILURES; i++) await recordSignInAttempt(db, email, address, false);
        const verdict = await checkSignInThrottle(db, email, address);
        assert.equal(verdict.kind, 'refuse');
        assert.ok(verdict.kind === 'refuse' && verdict.retryAfterMinutes >= 14 && verdict.retryAfterMinutes <= 15, JSON.stringify(verdict));
        // The same email from any address is refused.
        assert.equal((await checkSignInThrottle(db, email, unique('10.9.9'))).kind, 'refuse');
      });

      test('the lock lifts once the failures are older than the window', async () => {
        const email = unique('later@example.org');
        const address = unique('10.0.4');
        for (let i = 0; i < LOCK_AFTER_EMAIL_FAILURES; i++) await recordSignInAttempt(db, email, address, false);
        const later = new Date(Date.now() + THROTTLE_WINDOW_MS + 60_000);
        assert.deepEqual(await checkSignInThrottle(db, email, address, later), { kind: 'allow', delayMs: 0 });
      });

      test('a different email from another address is unaffected by a locked email', async () => {
        const email = unique('victim@example.org');
        for (let i = 0; i < LOCK_AFTER_EMAIL_FAILURES; i++) await recordSignInAttempt(db, email, unique('10.0.5'), false);
        assert.equal((await checkSignInThrottle(db, email, unique('10.0.6'))).kind, 'refuse');
        assert.deepEqual(await checkSignInThrottle(db, unique('other@example.org'), unique('10.0.7')), { kind: 'allow', delayMs: 0 });
      });

      test('20 failures from one address refuse every email from it', async () => {
        const address = unique('10.0.8');
        for (let i = 0; i < LOCK_AFTER_ADDRESS_FAILURES; i++) await recordSignInAttempt(db, unique(`spray${i}@example.org`), address, false);
        assert.equal((await checkSignInThrottle(db, unique('fresh@example.org'), address)).kind, 'refuse');
        assert.deepEqual(await checkSignInThrottle(db, unique('fresh@example.org'), unique('10.0.9')), { kind: 'allow', delayMs: 0 });
      });

      test("a success clears that email's failures but not another email's", async () => {
        const email = unique('forgiven@example.org');
        const other = unique('still-locked@example.org');
        const address = unique('10.0.10');
        const otherAddress = unique('10.0.11');
        for (let i = 0; i < LOCK_AFTER_EMAIL_FAILURES; i++) {
          await recordSignInAttempt(db, email, address, false);
          await recordSignInAttempt(db, other, otherAddress, false);
        }
        assert.equal((await checkSignInThrottle(db, email, address)).kind, 'refuse');
        await recordSignInAttempt(db, email, address, true);
        assert.deepEqual(await checkSignInThrottle(db, email, address), { kind: 'allow', delayMs: 0 });
        assert.equal((await checkSignInThrottle(db, other, otherAddress)).kind, 'refuse');
      });
    });

    test("only one of two concurrent 'owner_created' inserts succeeds", async () => {
      const insert = () => db.insert(appMilestones).values({ name: 'owner_created' }).onConflictDoNothing().returning();
      const [first, second] = await Promise.all([insert(), insert()]);
      assert.equal(first.length + second.length, 1);
      assert.equal((await insert()).length, 0);
      const stored = await db.select().from(appMilestones).where(eq(appMilestones.name, 'owner_created'));
      assert.equal(stored.length, 1);
    });

    test('two integrations cannot share an encryption key', async () => {
      const key = unique('clinic');
      await db.insert(integrations).values(integrationRow(key));
      await assert.rejects(db.insert(integrations).values(integrationRow(key)), (error) => sqlState(error) === '23505');
      await db.insert(integrations).values(integrationRow(unique('clinic')));
      assert.equal((await db.select().from(integrations).where(eq(integrations.encryptionKey, key))).length, 1);
    });

    test('logo bytes round-trip through bytea as an identical Buffer', async () => {
      const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(100_000)]);
      const hash = unique('logo');
      await db.insert(logos).values({ hash, contentType: 'image/png', width: 10, height: 10, bytes });
      const [stored] = await db.select().from(logos).where(eq(logos.hash, hash));
      assert.ok(stored);
      assert.ok(Buffer.isBuffer(stored.bytes), 'bytes should come back as a Buffer');
      assert.equal(stored.bytes.length, bytes.length);
      assert.ok(stored.bytes.equals(bytes));
    });

    test('an audit row written in a transaction that fails is rolled back with it', async () => {
      const action = unique('settings.update');
      await assert.rejects(
        db.transaction(async (tx) => {
          await writeAudit(tx, { actorEmail: 'owner@example.org', action, changedFields: ['customText'] });
          assert.equal((await tx.select().from(auditLog).where(eq(auditLog.action, action))).length, 1);
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      assert.equal((await db.select().from(auditLog).where(eq(auditLog.action, action))).length, 0);
    });

    test('an audit row written in a transaction that commits is kept with its fields', async () => {
      const action = unique('settings.update');
      await db.transaction(async (tx) => {
        await writeAudit(tx, { actorEmail: 'owner@example.org', action, target: 'integration', changedFields: ['customText'], detail: { n: 1 } });
      });
      const [row] = await db.select().from(auditLog).where(eq(auditLog.action, action));
      assert.ok(row);
      assert.equal(row.actorEmail, 'owner@example.org');
      assert.equal(row.target, 'integration');
      assert.deepEqual(row.changedFields, ['customText']);
      assert.deepEqual(row.detail, { n: 1 });
    });
  });
}
