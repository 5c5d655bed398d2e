import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { encryptLaunchData, launchKeyFromSecret } from '../lib/epic/launch-token';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';

test.use({ storageState: { cookies: [], origins: [] } });

test('every kind of bad link gets byte-identical answers, and the launch log keeps each cause', async ({ request }) => {
  const integration = await seedIntegration();
  const other = await seedIntegration();
  const sessionId = uniqueSessionId();
  const key = launchKeyFromSecret(integration.secret, 'AES-256-CBC');
  const now = Math.floor(Date.now() / 1000);
  const link = (plaintext: string, withKey = integration.encryptionKey) =>
    `/launch?key=${encodeURIComponent(withKey)}&data=${encodeURIComponent(encryptLaunchData(plaintext, key, 'AES-256-CBC'))}`;
  const good = `SessionID=${sessionId}&UserType=Patient&ExternalID=PAT77&Timestamp=${now}`;
  const goodData = encryptLaunchData(good, key, 'AES-256-CBC');
  const tampered = Buffer.from(goodData, 'base64');
  tampered[tampered.length - 20]! ^= 0x01;

  const cases: Array<[string, string, string]> = [
    ['tampered', `/launch?key=${integration.encryptionKey}&data=${encodeURIComponent(tampered.toString('base64'))}`, 'decrypt_failed'],
    ['truncated', `/launch?key=${integration.encryptionKey}&data=${encodeURIComponent(goodData.slice(0, 40))}`, 'bad_encoding'],
    ['wrong key', link(good, other.encryptionKey), 'decrypt_failed'],
    ['expired', link(`SessionID=${sessionId}&UserType=Patient&ExternalID=PAT77&Timestamp=${now - 7200}&LinkValidityPeriod=60`), 'expired'],
    ['future-dated', link(`SessionID=${sessionId}&UserType=Patient&ExternalID=PAT77&Timestamp=${now + 3600}`), 'not_yet_valid'],
    ['unknown key', `/launch?key=no-such-key-${randomBytes(3).toString('hex')}&data=${encodeURIComponent(goodData)}`, 'unknown_key'],
    ['not base64', `/launch?key=${integration.encryptionKey}&data=%25%25%25%25`, 'bad_encoding'],
    ['missing user', link(`SessionID=${sessionId}&UserType=Patient&Timestamp=${now}`), 'missing_field'],
    ['bad user type', link(`SessionID=${sessionId}&UserType=Nurse&ExternalID=PAT77&Timestamp=${now}`), 'bad_field'],
    ['no data', `/launch?key=${integration.encryptionKey}`, 'missing_parameter'],
  ];

  const bodies = new Set<string>();
  for (const [name, path] of cases) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), name).toBe(400);
    expect(response.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers()['set-cookie'], name).toBeUndefined();
    bodies.add((await response.body()).toString('base64'));
  }
  expect(bodies.size).toBe(1);

  const log = await query<{ outcome: string; encryption_key: string; detail: string }>(
    'select outcome, encryption_key, detail from launch_log where encryption_key = any($1) or encryption_key like $2 order by id',
    [[integration.encryptionKey, other.encryptionKey], 'no-such-key-%'],
  );
  expect(log.map((entry) => entry.outcome)).toEqual(cases.map(([, , outcome]) => outcome));
  const logText = JSON.stringify(log);
  expect(logText).not.toContain(integration.secret);
  expect(logText).not.toContain(goodData);
  const [withIds] = await query<{ session_id: string; epic_user_id: string }>(
    "select session_id, epic_user_id from launch_log where outcome = 'expired' and encryption_key = $1",
    [integration.encryptionKey],
  );
  expect(withIds).toEqual({ session_id: sessionId, epic_user_id: 'PAT77' });

  // The good link still works, and sets the visit's session cookie.
  const ok = await request.get(link(good), { maxRedirects: 0 });
  expect(ok.status()).toBe(303);
  expect(ok.headers()['location']).toMatch(/^\/visit\/[0-9a-f-]{36}$/);
  expect(ok.headers()['set-cookie']).toMatch(/HttpOnly/i);
  expect(ok.headers()['set-cookie']).toMatch(/SameSite=lax/i);
});

test('50 concurrent launches of one new visit make exactly one meeting', async () => {
  const integration = await seedIntegration();
  const sessionId = uniqueSessionId();
  const baseUrl = process.env.E2E_BASE_URL!;
  const responses = await Promise.all(
    Array.from({ length: 50 }, (_, index) =>
      fetch(baseUrl + launchPath(integration, { SessionID: sessionId, UserType: index % 5 === 0 ? 'Provider' : 'Patient', ExternalID: `U${index % 10}` }), {
        redirect: 'manual',
      }),
    ),
  );
  const locations = new Set(responses.map((response) => response.headers.get('location')));
  expect(responses.map((response) => response.status)).toEqual(Array(50).fill(303));
  expect(locations.size).toBe(1);
  expect(await query('select id from meetings where integration_id = $1', [integration.id])).toHaveLength(1);
  // One participant per Epic user, however often they launched.
  expect(await query('select distinct epic_user_id from participants p join meetings m on m.id = p.meeting_id where m.integration_id = $1', [integration.id])).toHaveLength(10);
});

test('a launch carries the protective headers of every page, though the server answers it before Next.js routes it', async ({ request }) => {
  const integration = await seedIntegration();
  const good = await request.get(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT77' }), { maxRedirects: 0 });
  const refused = await request.get('/launch?key=no-such-integration&data=AAAA', { maxRedirects: 0 });
  const page = await request.get('/login');
  expect([good.status(), refused.status(), page.status()]).toEqual([303, 400, 200]);
  for (const answer of [good, refused, page]) {
    // The link's token must not leak in a Referer, and the refusal page must not be framed.
    expect(answer.headers()).toMatchObject({ 'referrer-policy': 'no-referrer', 'x-frame-options': 'SAMEORIGIN', 'x-content-type-options': 'nosniff' });
  }
  // The visit's cookie is set on the launch's answer, scoped to the visit.
  expect(good.headersArray().filter((header) => header.name.toLowerCase() === 'set-cookie').map((header) => header.value).join('\n')).toMatch(/path=\/(visit|api\/visits)\//i);
});
