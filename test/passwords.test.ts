import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { hashPassword, PASSWORD_QUEUE_MAX, PasswordCheckBusy, verifyPassword } from '../lib/admins/passwords.ts';

test('a new password is stored as argon2id and verifies; a wrong one does not', async () => {
  const hash = await hashPassword('correct horse battery staple');
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  assert.deepEqual(await verifyPassword('correct horse battery staple', hash), { matches: true, needsRehash: false });
  assert.deepEqual(await verifyPassword('Correct horse battery staple', hash), { matches: false, needsRehash: false });
});

test('a bcrypt hash from before argon2 still verifies (in a worker thread) and asks to be replaced', async () => {
  const legacy = bcrypt.hashSync('an older password!', 4);
  assert.deepEqual(await verifyPassword('an older password!', legacy), { matches: true, needsRehash: true });
  assert.deepEqual(await verifyPassword('not the password', legacy), { matches: false, needsRehash: false });
});

test('an unknown email (no hash) never matches, and a malformed hash never matches', async () => {
  assert.deepEqual(await verifyPassword('anything at all', undefined), { matches: false, needsRehash: false });
  assert.deepEqual(await verifyPassword('anything at all', 'plaintext-in-the-column'), { matches: false, needsRehash: false });
});

test('a flood waits in a bounded queue: past it, checks are refused at once instead of piling up', async () => {
  const hash = await hashPassword('queue test password');
  const outcomes = await Promise.allSettled(Array.from({ length: PASSWORD_QUEUE_MAX + 20 }, () => verifyPassword('wrong password', hash)));
  const busy = outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof PasswordCheckBusy).length;
  const checked = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
  assert.ok(busy >= 19 && busy <= 20, `${busy} refused as busy`);
  assert.equal(checked + busy, PASSWORD_QUEUE_MAX + 20);
  // Once the queue drained, checks go through again.
  assert.equal((await verifyPassword('queue test password', hash)).matches, true);
});
