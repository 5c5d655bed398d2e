import { expect, test, type Browser } from '@playwright/test';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId, type TestIntegration } from './support/epic';
import { startFakeEpic, type FakeEpic } from './support/fake-epic';

// Spec section 4, against a fake Epic that implements discovery, authorize and token.
test.use({ storageState: { cookies: [], origins: [] } });

let epic: FakeEpic;
let integration: TestIntegration;
test.beforeEach(async () => {
  epic = await startFakeEpic();
  integration = await seedIntegration({
    auth_type: 'oauth',
    oauth_client_id_test: 'televisit-test-client',
    oauth_issuers_test: [epic.fhirBase],
    connection_status_url: `${epic.url}/status`,
  });
});
test.afterEach(async () => {
  await epic.close();
});

function oauthLink(fields: { SessionID: string; ExternalID: string }, launchCode: string, issuer = epic.fhirBase) {
  return launchPath(integration, { ...fields, UserType: 'Patient', LaunchCode: launchCode }, `&iss=${encodeURIComponent(issuer)}`);
}

async function lastLaunchOutcome(): Promise<string | undefined> {
  const [row] = await query<{ outcome: string }>('select outcome from launch_log where encryption_key = $1 order by id desc limit 1', [integration.encryptionKey]);
  return row?.outcome;
}

async function openFresh(browser: Browser, path: string) {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  const response = await page.goto(path);
  return { page, response, context };
}

test('a launch goes through Epic authorization with PKCE, and its token is the Bearer of that participant\'s notifications', async ({ browser }) => {
  const launchCode = epic.issueLaunchCode();
  const { page, context } = await openFresh(browser, oauthLink({ SessionID: uniqueSessionId(), ExternalID: 'PAT800' }, launchCode));
  await expect(page.getByTestId('visit-status')).toHaveText('Waiting for the host to start this meeting');

  const [authorize] = epic.authorizeRequests;
  expect(Object.fromEntries(authorize!)).toMatchObject({
    response_type: 'code',
    client_id: 'televisit-test-client',
    scope: 'launch openid fhirUser',
    launch: launchCode,
    aud: epic.fhirBase,
    code_challenge_method: 'S256',
  });
  expect(authorize!.get('redirect_uri')).toMatch(/\/launch\/oauth-callback$/);
  expect(authorize!.get('state')!.length).toBeGreaterThanOrEqual(22);
  const [tokenRequest] = epic.tokenRequests;
  expect(tokenRequest!.get('grant_type')).toBe('authorization_code');
  expect(tokenRequest!.get('code_verifier')!.length).toBeGreaterThanOrEqual(43);

  await expect.poll(() => epic.calls.filter((call) => call.path === '/status').length).toBe(1);
  expect(epic.calls[0]!.headers.authorization).toBe(`Bearer ${epic.tokensIssued[0]}`);
  const [stored] = await query<{ access_token_sealed: string }>('select access_token_sealed from epic_access_tokens order by created_at desc limit 1');
  expect(stored!.access_token_sealed).not.toContain(epic.tokensIssued[0]!);
  expect(await lastLaunchOutcome()).toBe('ok');
  await context.close();
});

test('discovery falls back to <iss>/metadata', async ({ browser }) => {
  epic.smartConfiguration = false;
  const { page, context } = await openFresh(browser, oauthLink({ SessionID: uniqueSessionId(), ExternalID: 'PAT801' }, epic.issueLaunchCode()));
  await expect(page.getByTestId('visit-status')).toHaveText('Waiting for the host to start this meeting');
  await context.close();
});

test('a reused launch code, an issuer off the allowlist, and a forged state each end on the clean error page with their cause logged', async ({ browser }) => {
  const launchCode = epic.issueLaunchCode();
  const link = oauthLink({ SessionID: uniqueSessionId(), ExternalID: 'PAT802' }, launchCode);
  const first = await openFresh(browser, link);
  await expect(first.page.getByTestId('visit-status')).toHaveText('Waiting for the host to start this meeting');
  await first.context.close();

  const reused = await openFresh(browser, link);
  expect(reused.response!.status()).toBe(400);
  await expect(reused.page.getByRole('heading', { name: 'This visit link cannot be opened' })).toBeVisible();
  expect(await lastLaunchOutcome()).toBe('oauth_authorize_refused');
  await reused.context.close();

  const offList = await openFresh(browser, oauthLink({ SessionID: uniqueSessionId(), ExternalID: 'PAT803' }, epic.issueLaunchCode(), 'https://evil.example/api/FHIR/R4'));
  expect(offList.response!.status()).toBe(400);
  expect(await lastLaunchOutcome()).toBe('oauth_issuer_not_allowed');
  expect(epic.authorizeRequests).toHaveLength(2);
  await offList.context.close();

  const forged = await openFresh(browser, '/launch/oauth-callback?code=abc&state=not-a-state-we-issued');
  expect(forged.response!.status()).toBe(400);
  await expect(forged.page.getByRole('heading', { name: 'This visit link cannot be opened' })).toBeVisible();
  const [row] = await query<{ outcome: string }>("select outcome from launch_log where outcome = 'oauth_state_mismatch' order by id desc limit 1");
  expect(row?.outcome).toBe('oauth_state_mismatch');
  await forged.context.close();
});

test('a callback URL taken to another browser is refused, and the browser that started the launch still finishes it', async ({ browser }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  // Walk the redirects by hand (the context's request API shares the browser's cookies) to hold
  // the callback URL before the browser opens it.
  const launch = await context.request.get(oauthLink({ SessionID: uniqueSessionId(), ExternalID: 'PAT804' }, epic.issueLaunchCode()), { maxRedirects: 0 });
  expect(launch.status()).toBe(303);
  expect((await context.cookies()).map((cookie) => cookie.name)).toContain('tv_oauth_state');
  const authorize = await context.request.get(launch.headers()['location']!, { maxRedirects: 0 });
  const callback = authorize.headers()['location']!;
  expect(callback).toMatch(/\/launch\/oauth-callback\?.*state=/);

  const elsewhere = await openFresh(browser, callback);
  expect(elsewhere.response!.status()).toBe(400);
  const [row] = await query<{ outcome: string }>('select outcome from launch_log order by id desc limit 1');
  expect(row!.outcome).toBe('oauth_state_mismatch');
  await elsewhere.context.close();

  const page = await context.newPage();
  await page.goto(callback);
  await expect(page.getByTestId('visit-status')).toHaveText('Waiting for the host to start this meeting');
  await context.close();
});
