import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The tokens are sealed under the server's master key, which env() reads from here.
const masterKey = randomBytes(32);
process.env.TELEVISIT_MASTER_KEY = masterKey.toString('base64');

const { openDatabase } = await import('../lib/db/client.ts');
const { bearerFor, dropTokensOfEndedVisits, storeGrant, REFRESH_BEFORE_MS } = await import('../lib/epic/oauth-tokens.ts');
const { epicAccessTokens, meetings, notifications } = await import('../lib/db/schema.ts');
const { sealSecret } = await import('../lib/secrets.ts');
const { seedIntegrationRow } = await import('./fixtures/integration.ts');

/** A stand-in for Epic's token endpoint: a real HTTP server that records what it receives. */
const requests: Array<{ authorization?: string; form: URLSearchParams }> = [];
let answer: { status: number; body: Record<string, unknown> } = { status: 200, body: {} };
const tokenServer = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    requests.push({ authorization: request.headers.authorization, form: new URLSearchParams(body) });
    response.writeHead(answer.status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(answer.body));
  });
});

let dir: string;
let handle: Awaited<ReturnType<typeof openDatabase>>;
let tokenEndpoint: string;

before(async () => {
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  tokenEndpoint = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/oauth2/token`;
  dir = await mkdtemp(path.join(tmpdir(), 'televisit-tokens-'));
  handle = await openDatabase({ dataDir: dir });
});

after(async () => {
  await handle.close();
  await rm(dir, { recursive: true, force: true });
  tokenServer.close();
});

async function oauthIntegration(clientAuth: 'client_secret_basic' | 'client_secret_post') {
  const { row } = await seedIntegrationRow(handle.db, masterKey, {
    authType: 'oauth',
    oauthClientIdTest: 'televisit-client',
    oauthIssuersTest: ['http://127.0.0.1/fhir'],
    oauthClientSecretSealed: sealSecret('client-secret-value', 'oauthClientSecret', masterKey),
    oauthClientAuth: clientAuth,
  });
  return row;
}

function grant(integrationId: string, overrides: Partial<Parameters<typeof storeGrant>[2]> = {}) {
  return {
    accessToken: `access-${randomBytes(4).toString('hex')}`,
    expiresAt: new Date(Date.now() + 3600_000),
    refreshToken: null,
    integrationId,
    tokenEndpoint,
    issuer: tokenEndpoint,
    clientId: 'televisit-client',
    ...overrides,
  };
}

test('a token far from expiry is used as it is, without asking Epic', async () => {
  const integration = await oauthIntegration('client_secret_basic');
  const stored = grant(integration.id);
  await storeGrant(handle.db, 'm1:Patient:P1', stored);
  const before = requests.length;
  assert.deepEqual(await bearerFor(handle.db, integration, 'm1:Patient:P1'), { token: stored.accessToken });
  assert.equal(requests.length, before);
});

test('a token about to expire is refreshed first, the client secret sent by HTTP Basic', async () => {
  const integration = await oauthIntegration('client_secret_basic');
  await storeGrant(handle.db, 'm2:Provider:E1', grant(integration.id, { expiresAt: new Date(Date.now() + REFRESH_BEFORE_MS - 5000), refreshToken: 'refresh-1' }));
  answer = { status: 200, body: { access_token: 'renewed-1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-2' } };
  assert.deepEqual(await bearerFor(handle.db, integration, 'm2:Provider:E1'), { token: 'renewed-1' });
  const sent = requests.at(-1)!;
  assert.equal(sent.form.get('grant_type'), 'refresh_token');
  assert.equal(sent.form.get('refresh_token'), 'refresh-1');
  // RFC 6749 2.3.1: each part form-encoded, then base64 (what a token endpoint decodes).
  const [id, secret] = Buffer.from(sent.authorization!.replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent);
  assert.deepEqual([id, secret], ['televisit-client', 'client-secret-value']);
  assert.equal(sent.form.get('client_secret'), null);
  // The renewed token (and Epic's rotated refresh token) are what the next call uses.
  assert.deepEqual(await bearerFor(handle.db, integration, 'm2:Provider:E1'), { token: 'renewed-1' });
});

test('an integration set to client_secret_post sends the secret in the body', async () => {
  const integration = await oauthIntegration('client_secret_post');
  await storeGrant(handle.db, 'm3:Patient:P3', grant(integration.id, { expiresAt: new Date(Date.now() - 1000), refreshToken: 'refresh-3' }));
  answer = { status: 200, body: { access_token: 'renewed-3', token_type: 'Bearer', expires_in: 3600 } };
  assert.deepEqual(await bearerFor(handle.db, integration, 'm3:Patient:P3'), { token: 'renewed-3' });
  const sent = requests.at(-1)!;
  assert.equal(sent.authorization, undefined);
  assert.equal(sent.form.get('client_id'), 'televisit-client');
  assert.equal(sent.form.get('client_secret'), 'client-secret-value');
});

test('an expired token without a refresh token is a problem to wait on, not a token', async () => {
  const integration = await oauthIntegration('client_secret_basic');
  await storeGrant(handle.db, 'm4:Patient:P4', grant(integration.id, { expiresAt: new Date(Date.now() - 1000) }));
  const bearer = await bearerFor(handle.db, integration, 'm4:Patient:P4');
  assert.ok('problem' in bearer && /expired/.test(bearer.problem), JSON.stringify(bearer));
});

test('a refused refresh of an expired token is a problem; Epic said why', async () => {
  const integration = await oauthIntegration('client_secret_basic');
  await storeGrant(handle.db, 'm5:Patient:P5', grant(integration.id, { expiresAt: new Date(Date.now() - 1000), refreshToken: 'revoked' }));
  answer = { status: 400, body: { error: 'invalid_grant', error_description: 'refresh token revoked' } };
  const bearer = await bearerFor(handle.db, integration, 'm5:Patient:P5');
  assert.ok('problem' in bearer && /invalid_grant/.test(bearer.problem), JSON.stringify(bearer));
});

test("a participant without a token of their own never gets another participant's", async () => {
  const integration = await oauthIntegration('client_secret_basic');
  await storeGrant(handle.db, 'm6:Provider:E6', grant(integration.id));
  const bearer = await bearerFor(handle.db, integration, 'm6:Patient:P6');
  assert.ok('problem' in bearer, JSON.stringify(bearer));
});

test("an ended visit's tokens are deleted once its last notification is sent, and a live visit's are kept", async () => {
  const integration = await oauthIntegration('client_secret_basic');
  const visit = (state: 'active' | 'ended') => ({ integrationId: integration.id, visitKey: `tokens-${randomBytes(4).toString('hex')}`, state, admittancePolicy: 'automatic' as const, defaultHostEmail: 'h@clinic.example' });
  const [live, ended] = await handle.db.insert(meetings).values([visit('active'), visit('ended')]).returning();
  const liveKey = `${live!.id}:Patient:P7`;
  const endedKey = `${ended!.id}:Patient:P7`;
  await storeGrant(handle.db, liveKey, grant(integration.id));
  await storeGrant(handle.db, endedKey, grant(integration.id));
  const [pending] = await handle.db
    .insert(notifications)
    .values({ integrationId: integration.id, kind: 'connection_status', status: 'Disconnected', orderingKey: endedKey, body: {}, state: 'pending' })
    .returning();
  const keys = async () => (await handle.db.select({ key: epicAccessTokens.orderingKey }).from(epicAccessTokens)).map((row) => row.key);

  // The Disconnected notification is still to be sent: its Bearer stays.
  await dropTokensOfEndedVisits(handle.db);
  assert.ok((await keys()).includes(endedKey));
  const { eq } = await import('drizzle-orm');
  await handle.db.update(notifications).set({ state: 'delivered' }).where(eq(notifications.id, pending!.id));
  assert.equal(await dropTokensOfEndedVisits(handle.db), 1);
  assert.ok(!(await keys()).includes(endedKey));
  assert.ok((await keys()).includes(liveKey));
});
