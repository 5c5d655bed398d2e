import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startApp, type AppServer } from './support/app-server';
import { prepareEmbeddedData } from './support/embedded-app';
import { launchPath } from './support/epic';
import { startFakeEpic, type FakeEpic } from './support/fake-epic';

// A server behind a TLS proxy, known to the world as https://televisit.example.org (NEXTAUTH_URL),
// reached here over plain http as the proxy would: cookies are Secure, and the OAuth redirect
// URI is the public one, whatever the request said about itself.
const PORT = 3213;
const PUBLIC_URL = 'https://televisit.example.org';

test.describe('the public URL decides', () => {
  test.use({ storageState: { cookies: [], origins: [] }, baseURL: `http://127.0.0.1:${PORT}` });
  let app: AppServer | undefined;
  let epic: FakeEpic;
  let data: Awaited<ReturnType<typeof prepareEmbeddedData>>;

  test.beforeAll(async () => {
    epic = await startFakeEpic();
    data = await prepareEmbeddedData({ authType: 'oauth', oauthClientIdTest: 'public-url-client', oauthIssuersTest: [epic.fhirBase] });
    app = await startApp({
      port: PORT,
      env: { ...data.env, NEXTAUTH_URL: PUBLIC_URL },
      logFile: path.resolve('test-results/app-server-public-url.log'),
    });
  });
  test.afterAll(async () => {
    await app?.stop();
    await epic.close();
  });

  test('cookies are Secure and the OAuth redirect URI is the public one, even when asked over http from elsewhere', async ({ request }) => {
    const link = launchPath(
      { id: data.integration.id, encryptionKey: data.integration.encryptionKey, secret: data.integration.secret },
      { SessionID: '5550001', UserType: 'Patient', ExternalID: 'PAT900', LaunchCode: epic.issueLaunchCode() },
      `&iss=${encodeURIComponent(epic.fhirBase)}`,
    );
    const launch = await request.get(link, { maxRedirects: 0, headers: { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'http' } });
    expect(launch.status()).toBe(303);
    const authorize = new URL(launch.headers()['location']!);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/launch/oauth-callback`);
    const stateCookie = launch.headersArray().find((header) => header.name.toLowerCase() === 'set-cookie' && header.value.startsWith('tv_oauth_state='));
    expect(stateCookie?.value).toMatch(/;\s*Secure/i);

    const csrf = await request.get('/api/auth/csrf');
    const cookies = csrf.headersArray().filter((header) => header.name.toLowerCase() === 'set-cookie').map((header) => header.value);
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookies.some((cookie) => cookie.startsWith('__Host-next-auth.csrf-token='))).toBe(true);
  });
});
