import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { eq, getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { writeAudit } from '../lib/audit/log.ts';
import {
  LOCK_AFTER_ADDRESS_FAILURES,
  LOCK_AFTER_PAIR_FAILURES,
  THROTTLE_WINDOW_MS,
  beginSignInAttempt,
  finishSignInAttempt,
} from '../lib/admins/sign-in-throttle.ts';
import { openDatabase, type Database, type DatabaseHandle } from '../lib/db/client.ts';
import { pgliteBackend, postgresBackend, type Backend } from './support/backends.ts';
import * as schema from '../lib/db/schema.ts';
import { appMilestones, auditLog, integrations, logos } from '../lib/db/schema.ts';

// Every table the schema declares must exist after the migrations, and nothing else.
const TABLES = Object.values(schema)
  .filter((value) => is(value, PgTable))
  .map((table) => getTableName(table as PgTable))
  .sort();
const MIGRATIONS = (JSON.parse(readFileSync(new URL('../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }).entries.length;

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

function integrationRow(encryptionKey: string): typeof integrations.$inferInsert {
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
      /** One attempt that ends as `outcome`; returns its verdict. */
      const attempt = async (email: string, address: string, outcome: 'failed' | 'succeeded' = 'failed', now = new Date(), device: string | null = null) => {
        const verdict = await beginSignInAttempt(db, email, address, { device }, now);
        if (verdict.kind === 'allow') await finishSignInAttempt(db, verdict.attemptId, outcome);
        return verdict;
      };
      const verdictOf = async (email: string, address: string, now = new Date(), device: string | null = null) => {
        const verdict = await beginSignInAttempt(db, email, address, { device }, now);
        if (verdict.kind === 'allow') await finishSignInAttempt(db, verdict.attemptId, 'refused');
        const { attemptId: _attemptId, ...rest } = verdict;
        return rest;
      };
      const secondsLater = (seconds: number, from = new Date()) => new Date(from.getTime() + seconds * 1000);

      test('a first attempt is allowed', async () => {
        assert.deepEqual(await verdictOf(unique('new@example.org'), unique('10.0.0')), { kind: 'allow' });
      });

      test('two failures for an email are still allowed at once', async () => {
        const email = unique('two@example.org');
        for (let i = 0; i < 2; i++) await attempt(email, unique('10.0.1'));
        assert.deepEqual(await verdictOf(email, unique('10.0.1')), { kind: 'allow' });
      });

      test('after 3 failures for an email, from any addresses, its checks are spaced out: 1 s, then 2 s', async () => {
        const email = unique('slow@example.org');
        const start = new Date();
        for (let i = 0; i < 3; i++) await attempt(email, unique('10.0.2'), 'failed', start);
        assert.deepEqual(await verdictOf(email, unique('10.0.2'), start), { kind: 'refuse', reason: 'account', retryAfterSeconds: 1 });
        await attempt(email, unique('10.0.2'), 'failed', secondsLater(1, start));
        assert.deepEqual(await verdictOf(email, unique('10.0.2'), secondsLater(2, start)), { kind: 'refuse', reason: 'account', retryAfterSeconds: 1 });
        assert.deepEqual(await verdictOf(email, unique('10.0.2'), secondsLater(3, start)), { kind: 'allow' });
      });

      test('80 parallel guesses at one email from 80 addresses: only 3 passwords are checked', async () => {
        const email = unique('owner@example.org');
        const verdicts = await Promise.all(Array.from({ length: 80 }, (_, i) => beginSignInAttempt(db, email, unique(`10.1.${i}`))));
        assert.equal(verdicts.filter((verdict) => verdict.kind === 'allow').length, 3);
      });

      test("a known device is not held back by a stranger's guesses at its email, only by its own failures", async () => {
        const email = unique('owner@example.org');
        const device = unique('device');
        for (let i = 0; i < 30; i++) await attempt(email, unique('10.0.6'));
        assert.equal((await verdictOf(email, unique('10.0.6'))).kind, 'refuse');
        assert.deepEqual(await verdictOf(email, unique('10.0.6'), new Date(), device), { kind: 'allow' });
        for (let i = 0; i < LOCK_AFTER_PAIR_FAILURES; i++) await attempt(email, unique('10.0.6'), 'failed', new Date(), device);
        assert.equal((await verdictOf(email, unique('10.0.6'), new Date(), device)).kind, 'refuse');
      });

      test('a known device behind an address that is refused (a proxy missing from TRUSTED_PROXIES) still signs in', async () => {
        const address = unique('10.0.7');
        for (let i = 0; i < LOCK_AFTER_ADDRESS_FAILURES; i++) await attempt(unique(`spray${i}@example.org`), address);
        const email = unique('admin@example.org');
        assert.equal((await verdictOf(email, address)).kind, 'refuse');
        assert.deepEqual(await verdictOf(email, address, new Date(), unique('device')), { kind: 'allow' });
      });

      test('5 failures for an email from one address refuse that pair for 15 minutes', async () => {
        const email = unique('pair@example.org');
        const address = unique('10.0.3');
        const start = new Date();
        for (let i = 0; i < LOCK_AFTER_PAIR_FAILURES; i++) await attempt(email, address, 'failed', secondsLater(20 * i, start));
        const verdict = await verdictOf(email, address, secondsLater(100, start));
        assert.equal(verdict.kind, 'refuse');
        assert.ok(verdict.kind === 'refuse' && verdict.reason === 'pair' && verdict.retryAfterSeconds === 15 * 60 - 100, JSON.stringify(verdict));
      });

      test('the lock lifts once the failures are older than the window', async () => {
        const email = unique('later@example.org');
        const address = unique('10.0.4');
        for (let i = 0; i < LOCK_AFTER_PAIR_FAILURES; i++) await attempt(email, address);
        const later = new Date(Date.now() + THROTTLE_WINDOW_MS + 60_000);
        assert.deepEqual(await verdictOf(email, address, later), { kind: 'allow' });
      });

      test('refused attempts do not count as failures, so a lock does not extend itself', async () => {
        const email = unique('patient-attacker@example.org');
        const address = unique('10.0.5');
        for (let i = 0; i < LOCK_AFTER_PAIR_FAILURES; i++) await attempt(email, address);
        for (let i = 0; i < 10; i++) assert.equal((await verdictOf(email, address)).kind, 'refuse');
        const later = new Date(Date.now() + THROTTLE_WINDOW_MS + 60_000);
        assert.deepEqual(await verdictOf(email, address, later), { kind: 'allow' });
      });

      test('20 failures from one address refuse every email from it', async () => {
        const address = unique('10.0.8');
        for (let i = 0; i < LOCK_AFTER_ADDRESS_FAILURES; i++) await attempt(unique(`spray${i}@example.org`), address);
        assert.equal((await verdictOf(unique('fresh@example.org'), address)).kind, 'refuse');
        assert.deepEqual(await verdictOf(unique('fresh@example.org'), unique('10.0.9')), { kind: 'allow' });
      });

      test("a success clears that pair's failures but not another email's", async () => {
        const email = unique('forgiven@example.org');
        const other = unique('still-locked@example.org');
        const address = unique('10.0.10');
        const start = new Date();
        // Ten seconds apart, so the account-wide spacing never refuses here.
        for (let i = 0; i < LOCK_AFTER_PAIR_FAILURES - 1; i++) {
          await attempt(email, address, 'failed', secondsLater(20 * i, start));
          await attempt(other, address, 'failed', secondsLater(20 * i, start));
        }
        await attempt(email, address, 'succeeded', secondsLater(100, start));
        assert.equal((await verdictOf(email, address, secondsLater(120, start))).kind, 'allow');
        await attempt(other, address, 'failed', secondsLater(120, start));
        assert.equal((await verdictOf(other, address, secondsLater(140, start))).kind, 'refuse');
      });

      test('100 parallel attempts from one address with different emails: at most 20 are checked', async () => {
        const address = unique('10.0.12');
        const verdicts = await Promise.all(Array.from({ length: 100 }, (_, i) => beginSignInAttempt(db, unique(`parallel${i}@example.org`), address)));
        assert.equal(verdicts.filter((verdict) => verdict.kind === 'allow').length, LOCK_AFTER_ADDRESS_FAILURES);
      });
    });

    test('states are enums and codes are checked: a value the code does not know is refused', async () => {
      const [integration] = await db.insert(integrations).values(integrationRow(unique('clinic'))).returning();
      await assert.rejects(
        db.execute(sql`insert into meetings (integration_id, visit_key, state, admittance_policy, default_host_email) values (${integration!.id}, 'k1', 'paused', 'automatic', 'h@example.org')`),
        (error) => sqlState(error) === '22P02',
      );
      await assert.rejects(db.execute(sql`insert into launch_log (outcome) values ('OK; drop table')`), (error) => sqlState(error) === '23514');
      await assert.rejects(
        db.execute(sql`insert into notifications (integration_id, kind, status, ordering_key, body) values (${integration!.id}, 'connection_status', 'Passed', 'k', '{}')`),
        (error) => sqlState(error) === '23514',
      );
    });

    test('a patient opening an ended visit gets no record, and the launch log says visit_ended', async () => {
      const [integration] = await db.insert(integrations).values(integrationRow(unique('clinic'))).returning();
      const visitKey = unique('visit');
      const [meeting] = await db.execute<{ id: string }>(
        sql`insert into meetings (integration_id, visit_key, session_id, state, admittance_policy, default_host_email, ended_at) values (${integration!.id}, ${visitKey}, ${visitKey}, 'ended', 'automatic', 'h@example.org', now()) returning id`,
      ).then((result) => result.rows);
      const [joined] = await handle.query<{ joined_participant_id: string | null; joined_meeting_id: string }>(
        'select * from televisit_join_visit($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::uuid, $13, $14::timestamptz, $15, $16)',
        [integration!.id, visitKey, visitKey, null, 'automatic', 'h@example.org', 'Patient', 'PAT1', null, 'Ana', null, null, integration!.encryptionKey, null, false, 4],
      );
      assert.equal(joined!.joined_participant_id, null);
      assert.equal(joined!.joined_meeting_id, meeting!.id);
      const logged = await rows<{ outcome: string }>(db, sql`select outcome from launch_log where meeting_id = ${meeting!.id}`);
      assert.deepEqual(logged, [{ outcome: 'visit_ended' }]);
      assert.equal((await rows(db, sql`select id from participants where meeting_id = ${meeting!.id}`)).length, 0);
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

describe('the embedded database folder', () => {
  test('is made owner-only at start, even when it already existed open to everyone', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'televisit-perms-'));
    try {
      chmodSync(dir, 0o755);
      writeFileSync(path.join(dir, 'left-over.txt'), 'x', { mode: 0o666 });
      chmodSync(path.join(dir, 'left-over.txt'), 0o666);
      const handle = await openDatabase({ dataDir: dir });
      await handle.close();
      const loose: string[] = [];
      const walk = (folder: string) => {
        if ((statSync(folder).mode & 0o077) !== 0) loose.push(folder);
        for (const entry of readdirSync(folder, { withFileTypes: true })) {
          const file = path.join(folder, entry.name);
          if (entry.isDirectory()) walk(file);
          else if ((statSync(file).mode & 0o077) !== 0) loose.push(file);
        }
      };
      walk(dir);
      assert.deepEqual(loose, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
