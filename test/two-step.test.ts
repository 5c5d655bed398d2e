import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import type { DatabaseHandle } from '../lib/db/client.ts';
import { admins, adminSessions, auditLog } from '../lib/db/schema.ts';
import { pgliteBackend, type Backend } from './support/backends.ts';

// Two-step sign-in's codes (lib/admins/two-step.ts) on the embedded database: a code is good once,
// an older one never, a recovery code once; setting it up ends the admin's other sessions.
process.env.TELEVISIT_MASTER_KEY ??= randomBytes(32).toString('base64');
process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString('base64');
const { beginEnrolment, checkSecondStep, confirmEnrolment, recoveryCodesLeft } = await import('../lib/admins/two-step.ts');

let backend: Backend;
let handle: DatabaseHandle;
before(async () => {
  backend = await pgliteBackend();
  handle = await backend.open();
});
after(async () => {
  await handle.close();
  await backend.dispose();
});

const codeAt = (secret: string, at: Date) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at.getTime() });

async function enrolledAdmin(now: Date) {
  const [created] = await handle.db.insert(admins).values({ email: `a${randomBytes(4).toString('hex')}@clinic.example`, passwordHash: 'x' }).returning();
  const [kept, other] = await handle.db
    .insert(adminSessions)
    .values([0, 1].map(() => ({ adminId: created!.id, expiresAt: new Date(now.getTime() + 3_600_000) })))
    .returning();
  const { secret, uri } = await beginEnrolment(handle.db, created!);
  assert.match(uri, /^otpauth:\/\/totp\/Televisit:.*secret=/);
  const [pending] = await handle.db.select().from(admins).where(eq(admins.id, created!.id));
  const confirmed = await confirmEnrolment(handle.db, pending!, codeAt(secret, now), kept!.id, now);
  assert.equal(confirmed.ok, true);
  const [admin] = await handle.db.select().from(admins).where(eq(admins.id, created!.id));
  return { admin: admin!, secret, recoveryCodes: confirmed.ok ? confirmed.recoveryCodes : [], kept: kept!, other: other! };
}

test('setting it up takes a code from the new secret, ends the other sessions and is audited', async () => {
  const now = new Date();
  const { admin, secret, kept, other } = await enrolledAdmin(now);
  assert.match(admin.totpSecret!, /^v1:/);
  assert.equal(admin.totpSecret!.includes(secret), false);
  assert.equal(admin.totpPendingSecret, null);
  const sessions = await handle.db.select().from(adminSessions).where(eq(adminSessions.adminId, admin.id));
  assert.equal(sessions.find((row) => row.id === kept.id)!.endedAt, null);
  assert.equal(sessions.find((row) => row.id === other.id)!.endedBy, 'two-step sign-in turned on');
  const audit = await handle.db.select().from(auditLog).where(eq(auditLog.target, admin.email));
  assert.deepEqual(audit.map((row) => row.action), ['two-step.enrol']);
});

test('a code is good once; the next step is good; an older one is refused, and so is a code from outside the window', async () => {
  const now = new Date();
  const { admin, secret } = await enrolledAdmin(now);
  const later = new Date(now.getTime() + 30_000);
  // The enrolment's own code is spent.
  assert.equal(await checkSecondStep(handle.db, admin, codeAt(secret, now), now), null);
  assert.equal(await checkSecondStep(handle.db, admin, codeAt(secret, later), later), 'totp');
  assert.equal(await checkSecondStep(handle.db, admin, codeAt(secret, later), later), null);
  // A code of a step before the last accepted one, though still inside the window.
  const [fresh] = await handle.db.select().from(admins).where(eq(admins.id, admin.id));
  assert.equal(await checkSecondStep(handle.db, fresh!, codeAt(secret, now), later), null);
  const farLater = new Date(now.getTime() + 10 * 30_000);
  assert.equal(await checkSecondStep(handle.db, fresh!, codeAt(secret, farLater), later), null);
  assert.equal(await checkSecondStep(handle.db, fresh!, 'not a code', later), null);
});

test('a recovery code works once, typed in any case with or without its dash', async () => {
  const now = new Date();
  const { admin, recoveryCodes } = await enrolledAdmin(now);
  assert.equal(recoveryCodes.length, 10);
  const typed = recoveryCodes[3]!.replace('-', ' ').toLowerCase();
  assert.equal(await checkSecondStep(handle.db, admin, typed, now), 'recovery');
  assert.equal(await checkSecondStep(handle.db, admin, recoveryCodes[3]!, now), null);
  assert.equal(await recoveryCodesLeft(handle.db, admin.id), 9);
  // Another admin's codes are not this one's.
  const other = await enrolledAdmin(now);
  assert.equal(await checkSecondStep(handle.db, other.admin, recoveryCodes[4]!, now), null);
});
