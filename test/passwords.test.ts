import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { hashPassword, PASSWORD_QUEUE_MAX, PASSWORD_QUEUE_PER_ACCOUNT, PasswordCheckBusy, verifyPassword } from '../lib/admins/passwords.ts';

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
  const outcomes = await Promise.allSettled(Array.from({ length: PASSWORD_QUEUE_MAX + 20 }, (_, index) => verifyPassword('wrong password', hash, { account: `flood-${index}@example.org`, knownDevice: false })));
  const busy = outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof PasswordCheckBusy).length;
  const checked = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
  assert.ok(busy >= 19 && busy <= 20, `${busy} refused as busy`);
  assert.equal(checked + busy, PASSWORD_QUEUE_MAX + 20);
  // Once the queue drained, checks go through again.
  assert.equal((await verifyPassword('queue test password', hash)).matches, true);
});

test("a flood of guesses cannot keep a known device out: it waits in the first lane and is served before the flood", async () => {
  const hash = await hashPassword('lane test password');
  const finished: string[] = [];
  // Guesses at many accounts fill the queue, as a stranger rotating emails and addresses does.
  const flood = Array.from({ length: PASSWORD_QUEUE_MAX + 10 }, (_, index) =>
    verifyPassword('wrong password', hash, { account: `guess-${index}@attacker.example`, knownDevice: false }).then(
      () => finished.push('guess'),
      () => finished.push('busy'),
    ),
  );
  const owner = verifyPassword('lane test password', hash, { account: 'owner@hospital.example', knownDevice: true }).then((check) => {
    finished.push('owner');
    return check;
  });
  assert.equal((await owner).matches, true);
  await Promise.all(flood);
  assert.ok(finished.indexOf('owner') < finished.indexOf('guess') + 3, finished.join(','));
});

test('guesses at one account wait their turn behind other accounts, and hold at most a few places', async () => {
  const hash = await hashPassword('turn test password');
  const finished: string[] = [];
  const attacked = Array.from({ length: PASSWORD_QUEUE_PER_ACCOUNT + 5 }, () =>
    verifyPassword('wrong password', hash, { account: 'owner@hospital.example', knownDevice: false }).then(
      () => finished.push('guess'),
      () => finished.push('busy'),
    ),
  );
  const other = verifyPassword('turn test password', hash, { account: 'admin@hospital.example', knownDevice: false }).then(() => finished.push('other'));
  await Promise.all([...attacked, other]);
  const busy = finished.filter((entry) => entry === 'busy').length;
  assert.ok(busy >= 1 && busy <= 5 && finished.length - busy - 1 >= PASSWORD_QUEUE_PER_ACCOUNT, finished.join(','));
  assert.ok(finished.indexOf('other') < finished.lastIndexOf('guess'), finished.join(','));
});
