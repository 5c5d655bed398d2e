import { expect, test, type Browser } from '@playwright/test';
import { query } from './support/database';
import { launchPath, sealForApp, seedIntegration, uniqueSessionId, type TestIntegration } from './support/epic';
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
  await expect(page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');

  const [authorize] = epic.authorizeRequests;
  expect(Object.fromEntries(authorize!)).toMatchObject({
    response_type: 'code',
    client_id: 'televisit-test-client',
    scope: 'launch openid fhirUser online_access',
    launch: launchCode,
    aud: epic.fhirBase,
    code_challenge_method: 'S256',
  });
  // From NEXTAUTH_URL, the one public address, never from the request.
  expect(authorize!.get('redirect_uri')).toBe(`${JSON.parse(process.env.E2E_APP_ENV!).NEXTAUTH_URL}/launch/oauth-callback`);
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
  await expect(page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  await context.close();
});

test('a reused launch code, an issuer off the allowlist, and a forged state each end on the clean error page with their cause logged', async ({ browser }) => {
  const launchCode = epic.issueLaunchCode();
  const link = oauthLink({ SessionID: uniqueSessionId(), ExternalID: 'PAT802' }, launchCode);
  const first = await openFresh(browser, link);
  await expect(first.page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
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

test('a callback URL taken to another browser is refused and names its session; the browser that started the launch finishes it, and a replay is told "already used"', async ({ browser }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const sessionId = uniqueSessionId();
  // Walk the redirects by hand (the context's request API shares the browser's cookies) to hold
  // the callback URL before the browser opens it.
  const launch = await context.request.get(oauthLink({ SessionID: sessionId, ExternalID: 'PAT804' }, epic.issueLaunchCode()), { maxRedirects: 0 });
  expect(launch.status()).toBe(303);
  expect((await context.cookies()).map((cookie) => cookie.name)).toContain('tv_oauth_state');
  const authorize = await context.request.get(launch.headers()['location']!, { maxRedirects: 0 });
  const callback = authorize.headers()['location']!;
  expect(callback).toMatch(/\/launch\/oauth-callback\?.*state=/);

  const elsewhere = await openFresh(browser, callback);
  expect(elsewhere.response!.status()).toBe(400);
  const [row] = await query<{ outcome: string; session_id: string | null }>('select outcome, session_id from launch_log order by id desc limit 1');
  // The analyst finds the refusal by the session it belongs to.
  expect(row).toEqual({ outcome: 'oauth_state_mismatch', session_id: sessionId });
  await elsewhere.context.close();

  const page = await context.newPage();
  await page.goto(callback);
  await expect(page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  // The same callback again (a replay, or the browser's history): refused as used, not as unknown.
  const replay = await context.request.get(callback, { maxRedirects: 0 });
  expect(replay.status()).toBe(400);
  const [replayed] = await query<{ outcome: string; session_id: string | null }>('select outcome, session_id from launch_log order by id desc limit 1');
  expect(replayed).toEqual({ outcome: 'oauth_state_used', session_id: sessionId });
  await context.close();
});

test('a confidential client proves itself with HTTP Basic by default, and in the body when the integration says so', async ({ browser }) => {
  epic.clientSecret = 'confidential-s3cret';
  await query('update integrations set oauth_client_secret_sealed = $1 where id = $2', [sealForApp('confidential-s3cret', 'oauthClientSecret'), integration.id]);
  const basic = await openFresh(browser, oauthLink({ SessionID: uniqueSessionId(), ExternalID: 'PAT810' }, epic.issueLaunchCode()));
  await expect(basic.page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  expect(epic.tokenAuthorizations.at(-1)).toMatch(/^Basic /);
  expect(epic.tokenRequests.at(-1)!.get('client_secret')).toBeNull();
  await basic.context.close();

  await query("update integrations set oauth_client_auth = 'client_secret_post' where id = $1", [integration.id]);
  // Settings are cached per server; a save announces itself, so announce this change the same way.
  await query("select pg_notify('televisit', 'settings')");
  const post = await openFresh(browser, oauthLink({ SessionID: uniqueSessionId(), ExternalID: 'PAT811' }, epic.issueLaunchCode()));
  await expect(post.page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  expect(epic.tokenAuthorizations.at(-1)).toBeUndefined();
  expect(epic.tokenRequests.at(-1)!.get('client_secret')).toBe('confidential-s3cret');
  await post.context.close();
});

test("an authorize error without the state cookie is logged as what the EHR said", async ({ browser }) => {
  const { response, context } = await openFresh(browser, '/launch/oauth-callback?error=access_denied&error_description=The%20user%20declined&state=whatever');
  expect(response!.status()).toBe(400);
  const [row] = await query<{ outcome: string; detail: string }>("select outcome, detail from launch_log where outcome like 'oauth_%' order by id desc limit 1");
  expect(row).toEqual({ outcome: 'oauth_authorize_refused', detail: 'the EHR answered error=access_denied: The user declined' });
  await context.close();
});

test('with a refresh token (online_access) a token about to expire is renewed before the notification goes', async ({ browser }) => {
  epic.issueRefreshTokens = true;
  // Always inside the renewal margin, so the first notification already renews it.
  epic.tokenLifetimeSeconds = 30;
  const { page, context } = await openFresh(browser, oauthLink({ SessionID: uniqueSessionId(), ExternalID: 'PAT812' }, epic.issueLaunchCode()));
  await expect(page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  await expect.poll(() => epic.calls.filter((call) => call.path === '/status').length).toBe(1);
  const refresh = epic.tokenRequests.findIndex((form) => form.get('grant_type') === 'refresh_token');
  expect(refresh).toBeGreaterThan(0);
  expect(epic.calls[0]!.headers.authorization).toBe(`Bearer ${epic.tokensIssued.at(-1)}`);
  expect(epic.tokensIssued).toHaveLength(2);
  await context.close();
});

test('without a refresh token an expired token keeps the notification pending with its cause, and a new launch sends it', async ({ browser }) => {
  epic.tokenLifetimeSeconds = 2;
  const sessionId = uniqueSessionId();
  const first = await openFresh(browser, oauthLink({ SessionID: sessionId, ExternalID: 'PAT813' }, epic.issueLaunchCode()));
  await expect(first.page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  // The participant leaves once their token has expired (the row says so, not a sleep).
  await expect
    .poll(async () => (await query<{ expired: boolean }>('select expires_at < now() as expired from epic_access_tokens where integration_id = $1', [integration.id]))[0]?.expired)
    .toBe(true);
  await first.context.close();
  // The Disconnected waits: pending, its attempts recorded with the cause and no call made.
  await expect
    .poll(async () => (await query<{ error: string }>("select a.error from notification_attempts a join notifications n on n.id = a.notification_id where n.session_id = $1 and n.status = 'Disconnected'", [sessionId]))[0]?.error)
    .toMatch(/expired and Epic gave no refresh token/);
  const [waiting] = await query<{ state: string; resp_code: number }>("select state, resp_code from notifications where session_id = $1 and status = 'Disconnected'", [sessionId]);
  expect(waiting).toEqual({ state: 'pending', resp_code: 0 });

  epic.tokenLifetimeSeconds = 3600;
  const again = await openFresh(browser, oauthLink({ SessionID: sessionId, ExternalID: 'PAT813' }, epic.issueLaunchCode()));
  await expect(again.page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  const fresh = epic.tokensIssued.at(-1);
  await expect
    .poll(async () => (await query<{ status: string; state: string }>('select status, state from notifications where session_id = $1 order by seq', [sessionId])).map((row) => `${row.status}:${row.state}`), { timeout: 20_000 })
    .toEqual(['Connected:delivered', 'Disconnected:delivered', 'Connected:delivered']);
  const disconnected = epic.calls.filter((call) => call.json?.ConnectionStatus === 'Disconnected');
  expect(disconnected.map((call) => call.headers.authorization)).toEqual([`Bearer ${fresh}`]);
  await again.context.close();
});
