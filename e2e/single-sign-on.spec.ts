import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { signIn } from './support/admin';
import { startApp, type AppServer } from './support/app-server';
import { createDatabase, dropDatabase, queryAt } from './support/database';
import { startIdentityProvider, tampered, type IdentityProvider, type Person } from './support/identity-provider';

// Admin sign-in through the hospital's identity provider: a real OpenID Provider (oidc-provider) on
// loopback, and a server and database of their own (the server's environment names the provider and
// the password rule, and changing the rule means a restart).
const PORT = 3218;
const IDP_PORT = 3219;
const PROVIDER = 'Hospital ID';
const BREAK_GLASS = { email: 'break-glass@sso.example', password: 'break glass owner password' };
const CLIENT = { id: 'televisit', secret: 'televisit client secret for tests', redirectUri: `http://127.0.0.1:${PORT}/api/auth/callback/oidc` };
const ADMINS = 'televisit-admins';
const OWNERS = 'televisit-owners';
const NOT_FINISHED = `Sign-in with ${PROVIDER} did not finish`;

const people: Record<string, Person> = {
  adam: { email: 'adam@sso.example', name: 'Adam Admin', groups: ['staff', ADMINS] },
  olivia: { email: 'Olivia@SSO.example', name: 'Olivia Owner', groups: [OWNERS] },
  nora: { email: 'nora@sso.example', name: 'Nora Nurse', groups: ['nurses'] },
  pat: { email: 'pat@sso.example', name: 'Pat Password', groups: [ADMINS] },
};

test.describe('single sign-on for admins', () => {
  test.describe.configure({ mode: 'serial' });
  test.use({ storageState: { cookies: [], origins: [] }, baseURL: `http://127.0.0.1:${PORT}` });
  let app: AppServer | undefined;
  let idp: IdentityProvider | undefined;
  let database: { name: string; url: string };
  let serverEnv: Record<string, string>;
  const sql = <Row extends Record<string, unknown>>(text: string, values: unknown[] = []) => queryAt<Row>(database.url, text, values);
  const logFile = path.resolve('test-results/app-server-single-sign-on.log');

  test.beforeAll(async () => {
    mkdirSync(path.dirname(logFile), { recursive: true });
    writeFileSync(logFile, '');
    database = await createDatabase('televisit_sso');
    idp = await startIdentityProvider({ port: IDP_PORT, client: CLIENT, people });
    serverEnv = {
      DATABASE_URL: database.url,
      TELEVISIT_MASTER_KEY: randomBytes(32).toString('base64'),
      NEXTAUTH_SECRET: randomBytes(32).toString('base64'),
      NEXTAUTH_URL: `http://127.0.0.1:${PORT}`,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'televisit-sso-')),
      TRUSTED_PROXIES: '',
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: CLIENT.id,
      OIDC_CLIENT_SECRET: CLIENT.secret,
      OIDC_NAME: PROVIDER,
      OIDC_ADMIN_GROUPS: `${ADMINS}, other-admins`,
      OIDC_OWNER_GROUPS: OWNERS,
      PASSWORD_SIGN_IN: 'owner',
    };
    app = await startApp({ port: PORT, env: serverEnv, logFile });
  });
  test.afterEach(() => idp?.rewriteIdToken(null));
  test.afterAll(async () => {
    await app?.stop();
    await idp?.stop();
    if (database) await dropDatabase(database.name);
  });

  /** A browser of its own; the identity provider's pages ask for a web font this machine cannot fetch. */
  async function newPage(browser: Browser): Promise<Page> {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, baseURL: `http://127.0.0.1:${PORT}` });
    await context.route(/fonts\.googleapis\.com/, (route) => route.abort());
    return context.newPage();
  }

  /** From Televisit's sign-in page through the provider's own sign-in and consent pages, back to Televisit. */
  async function signInWithProvider(page: Page, login: string) {
    await page.goto('/login');
    await page.getByRole('button', { name: `Sign in with ${PROVIDER}` }).click();
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('any password: the test provider checks none');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.port === String(PORT) && !url.pathname.startsWith('/api/'));
  }

  const adminRow = async (email: string) =>
    (await sql<{ id: string; role: string; created_by: string | null; oidc_subject: string | null; password_hash: string | null }>('select id, role, created_by, oidc_subject, password_hash from admins where email = $1', [email]))[0];
  const activeSessions = async () => Number((await sql<{ count: string }>('select count(*) from admin_sessions where ended_at is null'))[0]!.count);
  const audit = (action: string) => sql<{ actor_email: string; detail: Record<string, unknown> }>('select actor_email, detail from audit_log where action = $1 order by id', [action]);

  test('the sign-in page offers the provider; the break-glass owner uses a password, an admin may not', async ({ browser }) => {
    const page = await newPage(browser);
    // No admin yet: the first owner can be made at /setup (passwords are allowed for owners).
    await page.goto('/login');
    await expect(page.getByRole('button', { name: `Sign in with ${PROVIDER}` })).toBeVisible();
    await page.getByRole('link', { name: 'Create the owner account' }).click();
    await expect(page.getByRole('heading', { name: 'Create the owner account' })).toBeVisible();
    await page.getByLabel('Email').fill(BREAK_GLASS.email);
    await page.getByLabel('Password', { exact: true }).fill(BREAK_GLASS.password);
    await page.getByLabel('Confirm password').fill(BREAK_GLASS.password);
    await page.getByRole('button', { name: 'Create owner account' }).click();
    await expect(page).toHaveURL(/\/admin/);

    // The owner adds a password admin: PASSWORD_SIGN_IN=owner refuses them a password sign-in.
    await page.goto('/admin/users');
    await page.getByLabel('Email').fill(people.pat!.email);
    await page.getByLabel('Initial password').fill('pat initial password');
    await page.getByRole('button', { name: 'Add admin' }).click();
    await expect(page.getByRole('list', { name: 'Administrators' }).getByText(people.pat!.email, { exact: true })).toBeVisible();

    const pat = await newPage(browser);
    await signIn(pat, people.pat!.email, 'pat initial password');
    await expect(pat.getByTestId('sign-in-message')).toHaveText(`Sign in with ${PROVIDER}: this account may not use a password here.`);
    await expect(pat).toHaveURL(/\/login/);
    expect((await audit('sign-in.refused')).map((row) => row.detail.reason)).toContain('password sign-in not allowed for this account');
    await new AxeBuilder({ page: pat }).analyze().then((result) => expect(result.violations).toEqual([]));
  });

  test('someone of an admin group gets an account with no integrations; an owner group makes an owner', async ({ browser }) => {
    const adam = await newPage(browser);
    await signInWithProvider(adam, 'adam');
    await expect(adam).toHaveURL(/\/admin/);
    const row = await adminRow(people.adam!.email);
    expect(row).toMatchObject({ role: 'admin', created_by: 'single sign-on', oidc_subject: 'adam', password_hash: null });
    expect(await sql('select * from admin_integrations where admin_id = $1', [row!.id])).toEqual([]);
    await adam.goto('/admin/sessions');
    await expect(adam.getByTestId('session-row')).toContainText(PROVIDER);
    await adam.goto('/admin/password');
    await expect(adam.getByText(`you sign in with ${PROVIDER}`)).toBeVisible();

    const olivia = await newPage(browser);
    await signInWithProvider(olivia, 'olivia');
    await expect(olivia).toHaveURL(/\/admin/);
    // The email is kept in lower case, as every account's is.
    expect(await adminRow('olivia@sso.example')).toMatchObject({ role: 'owner', created_by: 'single sign-on' });
    await olivia.goto('/admin/users');
    await expect(olivia.getByRole('listitem', { name: people.adam!.email })).toContainText('single sign-on');
    await expect(olivia.getByRole('listitem', { name: BREAK_GLASS.email })).toContainText('password only');

    const signIns = (await audit('sign-in')).filter((entry) => entry.detail.method === 'sso');
    expect(signIns.map((entry) => [entry.actor_email, entry.detail.role])).toEqual([
      [people.adam!.email, 'admin'],
      ['olivia@sso.example', 'owner'],
    ]);
  });

  test('someone in no group is refused with a page that says so, and no account is made', async ({ browser }) => {
    const nora = await newPage(browser);
    const before = await activeSessions();
    await signInWithProvider(nora, 'nora');
    await expect(nora.getByRole('heading', { name: 'You have no access to Televisit' })).toBeVisible();
    await expect(nora.getByTestId('sign-in-refusal')).toContainText('no account was made');
    expect(await adminRow(people.nora!.email)).toBeUndefined();
    expect(await activeSessions()).toBe(before);
    const refusal = (await audit('sign-in.refused')).at(-1);
    expect(refusal).toMatchObject({ actor_email: people.nora!.email, detail: { method: 'sso', subject: 'nora' } });
    expect(String(refusal!.detail.reason)).toContain('in none of the groups');
    await new AxeBuilder({ page: nora }).analyze().then((result) => expect(result.violations).toEqual([]));
  });

  test('a password account of the same email is linked at its first single sign-on', async ({ browser }) => {
    const before = await adminRow(people.pat!.email);
    const pat = await newPage(browser);
    await signInWithProvider(pat, 'pat');
    await expect(pat).toHaveURL(/\/admin/);
    expect(await adminRow(people.pat!.email)).toMatchObject({ id: before!.id, oidc_subject: 'pat', role: 'admin' });
    const owner = await newPage(browser);
    await signIn(owner, BREAK_GLASS.email, BREAK_GLASS.password);
    await expect(owner).toHaveURL(/\/admin/);
    await owner.goto('/admin/users');
    await expect(owner.getByRole('listitem', { name: people.pat!.email })).toContainText('single sign-on · password only');
  });

  test('group changes count at the next sign-in: out of every group, access ends', async ({ browser }) => {
    const stillOpen = await newPage(browser);
    await signInWithProvider(stillOpen, 'adam');
    await expect(stillOpen).toHaveURL(/\/admin/);

    people.adam!.groups = ['staff'];
    const again = await newPage(browser);
    await signInWithProvider(again, 'adam');
    await expect(again.getByRole('heading', { name: 'You have no access to Televisit' })).toBeVisible();
    // The browser still signed in is signed out at its next request.
    await stillOpen.goto('/admin/sessions');
    await expect(stillOpen).toHaveURL(/\/login/);

    people.adam!.groups = [OWNERS];
    const promoted = await newPage(browser);
    await signInWithProvider(promoted, 'adam');
    await expect(promoted).toHaveURL(/\/admin/);
    expect(await adminRow(people.adam!.email)).toMatchObject({ role: 'owner' });
  });

  /** A sign-in whose ID token the test rewrote: refused with the same words whatever the fault, and nothing opened. */
  async function refusedSignIn(browser: Browser, login: string, reason: RegExp) {
    const before = await activeSessions();
    const linesBefore = await logLines(reason);
    const page = await newPage(browser);
    await signInWithProvider(page, login);
    await expect(page).toHaveURL(/\/login\?(.*&)?error=/);
    await expect(page.getByTestId('sign-in-refusal')).toContainText(NOT_FINISHED);
    expect(await activeSessions()).toBe(before);
    await expect.poll(() => logLines(reason)).toBeGreaterThan(linesBefore);
  }

  async function logLines(pattern: RegExp): Promise<number> {
    const { readFile } = await import('node:fs/promises');
    return (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.includes('single sign-on refused') && pattern.test(line)).length;
  }

  test('an ID token altered on its way (no longer its signature) is refused', async ({ browser }) => {
    idp!.rewriteIdToken((token) => tampered(token, (claims) => ({ ...claims, groups: [OWNERS] })));
    await refusedSignIn(browser, 'nora', /signature/i);
    expect(await adminRow(people.nora!.email)).toBeUndefined();
  });

  test('an expired ID token, signed by the provider, is refused', async ({ browser }) => {
    const now = Math.floor(Date.now() / 1000);
    idp!.rewriteIdToken((token) => idp!.resigned(token, (claims) => ({ ...claims, iat: now - 7200, exp: now - 3600 })));
    await refusedSignIn(browser, 'olivia', /expired/i);
  });

  test('an ID token of another issuer is refused', async ({ browser }) => {
    idp!.rewriteIdToken((token) => idp!.resigned(token, (claims) => ({ ...claims, iss: 'http://127.0.0.1:9/another-issuer' })));
    await refusedSignIn(browser, 'olivia', /iss/);
  });

  test('a replayed ID token (an earlier sign-in\'s nonce) is refused', async ({ browser }) => {
    // Issued to this client for Olivia, signed and unexpired, but for an earlier sign-in.
    const earlier = idp!.idTokens.find((token) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub === 'olivia')!;
    idp!.rewriteIdToken(() => earlier);
    await refusedSignIn(browser, 'olivia', /nonce/);
  });

  test('a replayed callback (its state used) is refused, in the same browser and in another', async ({ browser }) => {
    const page = await newPage(browser);
    let callback = '';
    page.on('request', (request) => {
      if (request.url().includes('/api/auth/callback/oidc')) callback = request.url();
    });
    await signInWithProvider(page, 'olivia');
    await expect(page).toHaveURL(/\/admin/);
    expect(callback).toContain('state=');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);

    const before = await activeSessions();
    await page.goto(callback);
    await expect(page.getByTestId('sign-in-refusal')).toContainText(NOT_FINISHED);
    const stranger = await newPage(browser);
    await stranger.goto(callback);
    await expect(stranger.getByTestId('sign-in-refusal')).toContainText(NOT_FINISHED);
    expect(await activeSessions()).toBe(before);
    await stranger.goto('/admin');
    await expect(stranger).toHaveURL(/\/login/);
  });

  test('PASSWORD_SIGN_IN=none: no password form, no password sign-in, and the break-glass session ends', async ({ browser }) => {
    const owner = await newPage(browser);
    await signIn(owner, BREAK_GLASS.email, BREAK_GLASS.password);
    await expect(owner).toHaveURL(/\/admin/);

    await app!.stop();
    app = await startApp({ port: PORT, env: { ...serverEnv, PASSWORD_SIGN_IN: 'none' }, logFile });

    await owner.goto('/admin/users');
    await expect(owner).toHaveURL(/\/login/);
    await expect(owner.getByRole('button', { name: `Sign in with ${PROVIDER}` })).toBeVisible();
    await expect(owner.getByLabel('Password')).toHaveCount(0);
    // Nor does the endpoint behind the form take a password.
    const csrf = (await (await owner.request.get('/api/auth/csrf')).json()) as { csrfToken: string };
    const response = await owner.request.post('/api/auth/callback/credentials', {
      form: { csrfToken: csrf.csrfToken, email: BREAK_GLASS.email, password: BREAK_GLASS.password, json: 'true' },
      maxRedirects: 0,
    });
    expect(response.status()).toBeLessThan(500);
    await owner.goto('/admin');
    await expect(owner).toHaveURL(/\/login/);
    await owner.goto('/setup');
    await expect(owner).toHaveURL(/\/login/);

    const olivia = await newPage(browser);
    await signInWithProvider(olivia, 'olivia');
    await expect(olivia).toHaveURL(/\/admin/);
  });
});
