import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '../lib/db/client.ts';
import { adminSessions, admins, auditLog } from '../lib/db/schema.ts';
import { EnvError, parseEnv } from '../lib/env.ts';
import { pgliteBackend, type Backend } from './support/backends.ts';

// Single sign-on's decisions (lib/admins/single-sign-on.ts) on checked ID token claims, and the
// settings lib/env.ts refuses at start. The flow itself, against a real OpenID Provider, is
// e2e/single-sign-on.spec.ts.
process.env.TELEVISIT_MASTER_KEY ??= randomBytes(32).toString('base64');
process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString('base64');
const { emailOf, groupsOf, roleFromClaims, signInWithIdentity } = await import('../lib/admins/single-sign-on.ts');

const ISSUER = 'https://login.hospital.example/tenant';
const CONFIG = {
  issuer: ISSUER,
  clientId: 'televisit',
  clientSecret: 'secret',
  name: 'Hospital ID',
  groupsClaim: 'groups',
  adminGroups: ['tv-admins'],
  ownerGroups: ['tv-owners'],
};
const REQUEST = { address: '203.0.113.9', userAgent: 'test', lifetimeMs: 3_600_000 };

describe('the claims', () => {
  test('an owner group outranks an admin group; neither is no role', () => {
    assert.equal(roleFromClaims({ groups: ['staff', 'tv-admins'] }, CONFIG), 'admin');
    assert.equal(roleFromClaims({ groups: ['tv-admins', 'tv-owners'] }, CONFIG), 'owner');
    assert.equal(roleFromClaims({ groups: ['staff'] }, CONFIG), null);
    assert.equal(roleFromClaims({}, CONFIG), null);
    // Group names are compared exactly: no case folding, no substrings.
    assert.equal(roleFromClaims({ groups: ['TV-ADMINS', 'tv-admins-old'] }, CONFIG), null);
  });

  test('groups are an array or one string; a dotted name is a path when no claim has that name', () => {
    assert.deepEqual(groupsOf({ groups: ['a', 7, 'b'] }, 'groups'), ['a', 'b']);
    assert.deepEqual(groupsOf({ roles: 'tv-admins' }, 'roles'), ['tv-admins']);
    assert.deepEqual(groupsOf({ realm_access: { roles: ['tv-owners'] } }, 'realm_access.roles'), ['tv-owners']);
    assert.deepEqual(groupsOf({ 'https://hospital.example/groups': ['x'] }, 'https://hospital.example/groups'), ['x']);
    assert.deepEqual(groupsOf({ groups: { nested: true } }, 'groups'), []);
  });

  test('the email is the email claim, else an email-shaped username, lowercased', () => {
    assert.equal(emailOf({ email: 'Ann@Hospital.example' }), 'ann@hospital.example');
    assert.equal(emailOf({ preferred_username: 'bo@hospital.example' }), 'bo@hospital.example');
    assert.equal(emailOf({ preferred_username: 'bo', upn: 'bo@hospital.example' }), 'bo@hospital.example');
    assert.equal(emailOf({ preferred_username: 'bo' }), null);
  });
});

describe('signInWithIdentity', () => {
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
  const claims = (sub: string, email: string | undefined, groups: string[]) => ({ iss: ISSUER, sub, ...(email ? { email } : {}), groups });
  const adminOf = async (email: string) => (await handle.db.select().from(admins).where(eq(admins.email, email)))[0];

  test('someone in no group is refused and no account is made; someone of an admin group gets one', async () => {
    const refused = await signInWithIdentity(handle.db, CONFIG, claims('s-1', 'nurse@hospital.example', ['nurses']), REQUEST);
    assert.equal(refused.kind, 'refused');
    assert.equal(refused.kind === 'refused' && refused.page, 'NoAccess');
    assert.equal(await adminOf('nurse@hospital.example'), undefined);

    const verdict = await signInWithIdentity(handle.db, CONFIG, claims('s-2', 'amy@hospital.example', ['tv-admins']), REQUEST);
    assert.equal(verdict.kind, 'signed-in');
    const amy = await adminOf('amy@hospital.example');
    assert.equal(amy?.role, 'admin');
    assert.equal(amy?.passwordHash, null);
    assert.equal(amy?.oidcSubject, 's-2');
  });

  test('a token of another issuer, or without an email, is refused', async () => {
    const other = await signInWithIdentity(handle.db, CONFIG, { ...claims('s-3', 'x@hospital.example', ['tv-owners']), iss: 'https://elsewhere.example' }, REQUEST);
    assert.equal(other.kind === 'refused' && other.page, 'SsoRefused');
    const noEmail = await signInWithIdentity(handle.db, CONFIG, claims('s-4', undefined, ['tv-owners']), REQUEST);
    assert.equal(noEmail.kind === 'refused' && noEmail.page, 'NoEmail');
  });

  test('a password account is linked by email once; another subject with that email is refused', async () => {
    await handle.db.insert(admins).values({ email: 'pat@hospital.example', passwordHash: 'hash', role: 'admin' });
    const first = await signInWithIdentity(handle.db, CONFIG, claims('s-pat', 'Pat@hospital.example', ['tv-admins']), REQUEST);
    assert.equal(first.kind, 'signed-in');
    assert.equal((await adminOf('pat@hospital.example'))?.oidcSubject, 's-pat');
    assert.equal((await adminOf('pat@hospital.example'))?.passwordHash, 'hash');

    const impostor = await signInWithIdentity(handle.db, CONFIG, claims('s-other', 'pat@hospital.example', ['tv-owners']), REQUEST);
    assert.equal(impostor.kind === 'refused' && impostor.page, 'SsoRefused');
    assert.equal((await adminOf('pat@hospital.example'))?.role, 'admin');
  });

  test('the role follows the groups at each sign-in; out of every group, the open sessions end', async () => {
    const promoted = await signInWithIdentity(handle.db, CONFIG, claims('s-2', 'amy@hospital.example', ['tv-owners']), REQUEST);
    assert.equal(promoted.kind, 'signed-in');
    assert.equal((await adminOf('amy@hospital.example'))?.role, 'owner');
    const roleChanges = await handle.db.select().from(auditLog).where(eq(auditLog.action, 'admin.role'));
    assert.ok(roleChanges.some((row) => row.target === 'amy@hospital.example'));

    const amy = (await adminOf('amy@hospital.example'))!;
    const open = async () => (await handle.db.select().from(adminSessions).where(eq(adminSessions.adminId, amy.id))).filter((row) => !row.endedAt).length;
    assert.equal(await open(), 2);
    const removed = await signInWithIdentity(handle.db, CONFIG, claims('s-2', 'amy@hospital.example', []), REQUEST);
    assert.equal(removed.kind === 'refused' && removed.page, 'NoAccess');
    assert.equal(await open(), 0);
  });
});

describe('the settings', () => {
  const sso = { OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: 'televisit', OIDC_CLIENT_SECRET: 'secret', OIDC_ADMIN_GROUPS: 'tv-admins, other', NEXTAUTH_URL: 'https://televisit.example.org' };
  const problems = (vars: Record<string, string>) => {
    try {
      parseEnv(vars as NodeJS.ProcessEnv);
    } catch (error) {
      assert.ok(error instanceof EnvError);
      return error.message;
    }
    return assert.fail('expected the settings to be refused');
  };

  test('a whole single sign-on parses, the groups as a list', () => {
    const parsed = parseEnv(sso as unknown as NodeJS.ProcessEnv);
    assert.deepEqual(parsed.OIDC_ADMIN_GROUPS, ['tv-admins', 'other']);
    assert.deepEqual(parsed.OIDC_OWNER_GROUPS, []);
    assert.equal(parsed.OIDC_GROUPS_CLAIM, 'groups');
    assert.equal(parsed.PASSWORD_SIGN_IN, 'all');
  });

  test('half a single sign-on, no groups, no NEXTAUTH_URL, or a password rule without it stops the server', () => {
    assert.match(problems({ OIDC_ISSUER: ISSUER }), /OIDC_CLIENT_ID is required/);
    assert.match(problems({ ...sso, OIDC_ISSUER: 'http://login.hospital.example' }), /OIDC_ISSUER must start with https:\/\//);
    assert.equal(parseEnv({ ...sso, OIDC_ISSUER: 'http://127.0.0.1:3219' } as unknown as NodeJS.ProcessEnv).OIDC_ISSUER, 'http://127.0.0.1:3219');
    assert.match(problems({ ...sso, OIDC_ADMIN_GROUPS: ' ' }), /name at least one group/);
    const { NEXTAUTH_URL: _url, ...withoutUrl } = sso;
    assert.match(problems(withoutUrl), /NEXTAUTH_URL is required with OIDC_ISSUER/);
    assert.match(problems({ PASSWORD_SIGN_IN: 'none' }), /PASSWORD_SIGN_IN: none needs single sign-on/);
    assert.match(problems({ ...sso, PASSWORD_SIGN_IN: 'nobody' }), /PASSWORD_SIGN_IN/);
  });
});
