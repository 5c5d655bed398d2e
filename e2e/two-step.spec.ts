import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import { signIn } from './support/admin';
import { startApp, type AppServer } from './support/app-server';
import { createDatabase, dropDatabase, queryAt } from './support/database';

// Two-step sign-in for password accounts, on a server and database of its own (setting it up ends
// the admin's other sessions, and the owner's rule signs admins out: the shared server's sessions
// must not be touched). Codes come from the secret the page shows, as an authenticator app's would.
const PORT = 3212;
const OWNER = { email: 'owner@two-step.example', password: 'owner two-step password' };
const ADMIN = 'admin@two-step.example';
const PLAIN = 'plain@two-step.example';

/** The code an authenticator app shows for `secret`, `steps` 30-second steps from now. */
function codeOf(secret: string, steps = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret.replace(/\s/g, '')), timestamp: Date.now() + steps * 30_000 });
}

/** A six-digit code that is none of the ones the app accepts now (one step either side). */
function wrongCode(secret: string): string {
  const good = new Set([-1, 0, 1].map((steps) => codeOf(secret, steps)));
  let code = Number(codeOf(secret));
  do code = (code + 1) % 1_000_000;
  while (good.has(String(code).padStart(6, '0')));
  return String(code).padStart(6, '0');
}

test.describe('two-step sign-in', () => {
  test.describe.configure({ mode: 'serial' });
  test.use({ storageState: { cookies: [], origins: [] }, baseURL: `http://127.0.0.1:${PORT}` });
  let app: AppServer | undefined;
  let database: { name: string; url: string };
  let adminSecret = '';
  let recoveryCodes: string[] = [];
  const sql = <Row extends Record<string, unknown>>(text: string, values: unknown[] = []) => queryAt<Row>(database.url, text, values);

  test.beforeAll(async () => {
    database = await createDatabase('televisit_twostep');
    app = await startApp({
      port: PORT,
      env: {
        DATABASE_URL: database.url,
        TELEVISIT_MASTER_KEY: randomBytes(32).toString('base64'),
        NEXTAUTH_SECRET: randomBytes(32).toString('base64'),
        NEXTAUTH_URL: `http://127.0.0.1:${PORT}`,
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'televisit-two-step-')),
        TRUSTED_PROXIES: '',
      },
      logFile: path.resolve('test-results/app-server-two-step.log'),
    });
  });
  test.afterAll(async () => {
    await app?.stop();
    if (database) await dropDatabase(database.name);
  });

  async function signedIn(browser: Browser, email: string, code?: string): Promise<Page> {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await signInWith(page, email, code);
    await expect(page).toHaveURL(/\/admin/);
    return page;
  }

  async function signInWith(page: Page, email: string, code?: string) {
    await signIn(page, email, OWNER.password);
    if (code === undefined) return;
    await expect(page.getByLabel('Code from your authenticator app')).toBeFocused();
    await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Sends the code field, and waits until the form has the server's answer. */
  async function submitCode(page: Page, code: string) {
    await page.getByLabel('Code from your authenticator app').fill(code);
    const answered = page.waitForResponse((response) => response.url().includes('/api/auth/callback/credentials'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await answered;
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  }

  async function expectAxeClean(page: Page) {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
  }

  async function enrol(page: Page, check = { axe: false }): Promise<{ secret: string; codes: string[] }> {
    await page.goto('/admin/two-step');
    await page.getByRole('button', { name: /^Set up (two-step sign-in|on a new phone)$/ }).click();
    await expect(page.getByRole('img', { name: 'QR code to add Televisit to an authenticator app' })).toBeVisible();
    const secret = (await page.getByTestId('two-step-secret').textContent())!.replace(/\s/g, '');
    await page.getByLabel('2. Type the 6-digit code the app shows').fill(wrongCode(secret));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await expect(page.locator('#code-error')).toContainText('That code is not right');
    if (check.axe) await expectAxeClean(page);
    await page.getByLabel('2. Type the 6-digit code the app shows').fill(codeOf(secret));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await expect(page.getByRole('heading', { name: 'Two-step sign-in is on. Keep these recovery codes' })).toBeFocused();
    const codes = await page.getByTestId('recovery-codes').getByRole('listitem').allTextContents();
    if (check.axe) await expectAxeClean(page);
    return { secret, codes };
  }

  test('an admin sets it up from a QR code: other sessions end, and sign-in then asks for a code that is good once', async ({ browser }) => {
    // The first account, made the way a new server's owner makes it; another admin with the same password.
    const setup = await (await browser.newContext()).newPage();
    await setup.goto('/setup');
    await setup.getByLabel('Email').fill(OWNER.email);
    await setup.getByLabel('Password', { exact: true }).fill(OWNER.password);
    await setup.getByLabel('Confirm password').fill(OWNER.password);
    await setup.getByRole('button', { name: 'Create owner account' }).click();
    await expect(setup).toHaveURL(/\/admin\/settings$/);
    await setup.context().close();
    await sql('insert into admins (email, password_hash) select $1, password_hash from admins where email = $2', [ADMIN, OWNER.email]);

    const elsewhere = await signedIn(browser, ADMIN);
    const page = await signedIn(browser, ADMIN);
    await page.goto('/admin/two-step');
    await expect(page.getByTestId('two-step-state')).toContainText('Two-step sign-in is off');
    ({ secret: adminSecret, codes: recoveryCodes } = await enrol(page, { axe: true }));
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    // Sealed at rest; recovery codes only as hashes.
    const [row] = await sql<{ totp_secret: string; id: string }>('select id, totp_secret from admins where email = $1', [ADMIN]);
    expect(row!.totp_secret).toMatch(/^v1:/);
    expect(row!.totp_secret).not.toContain(adminSecret);
    const hashes = await sql<{ code_hash: string }>('select code_hash from admin_recovery_codes where admin_id = $1', [row!.id]);
    expect(hashes).toHaveLength(10);
    for (const { code_hash } of hashes) expect(recoveryCodes.some((code) => code_hash.includes(code.replace('-', '')))).toBe(false);
    expect(await sql(`select action from audit_log where action = 'two-step.enrol' and target = $1`, [ADMIN])).toHaveLength(1);

    // The session opened with the password alone elsewhere is over; this one goes on.
    await elsewhere.goto('/admin/visits');
    await expect(elsewhere).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fvisits$/);
    await page.getByRole('button', { name: 'I have kept them' }).click();
    await expect(page).toHaveURL(/\/admin\/settings$/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);

    // The password alone no longer signs in: a code is asked for. A wrong one is refused.
    await signInWith(page, ADMIN, wrongCode(adminSecret));
    await expect(page.getByTestId('sign-in-message')).toHaveText(/That code is not right/);
    await expect(page).toHaveURL(/\/login$/);
    // The next step's code (the one enrolment used is spent) signs in, and is audited as such.
    const code = codeOf(adminSecret, 1);
    await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/admin\/settings$/);
    const [signIn] = await sql<{ detail: { secondStep: string } }>(`select detail from audit_log where action = 'sign-in' and actor_email = $1 order by id desc limit 1`, [ADMIN]);
    expect(signIn!.detail.secondStep).toBe('totp');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    // The same code again (read over a shoulder) is spent.
    await signInWith(page, ADMIN, code);
    await expect(page.getByTestId('sign-in-message')).toHaveText(/That code is not right, or was used already/);
    await page.context().close();
    await elsewhere.context().close();
  });

  test('a recovery code signs in once; wrong codes are throttled like passwords, and then even a right one is refused', async ({ browser }) => {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await signInWith(page, ADMIN, recoveryCodes[0]!.toLowerCase());
    await expect(page).toHaveURL(/\/admin\/settings$/);
    await page.goto('/admin/two-step');
    await expect(page.getByTestId('two-step-state')).toContainText('9 of 10 recovery codes are unused');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await signInWith(page, ADMIN, recoveryCodes[0]!);
    await expect(page.getByTestId('sign-in-message')).toHaveText(/That code is not right, or was used already/);

    // Wrong codes count as failed sign-ins, like wrong passwords: this browser (known to the account
    // since its sign-in above) is refused after five, and then a right code is refused too.
    for (let failure = 2; failure <= 5; failure++) {
      await submitCode(page, wrongCode(adminSecret));
      await expect(page.getByTestId('sign-in-message')).toHaveText(/That code is not right/);
    }
    await submitCode(page, recoveryCodes[1]!);
    await expect(page.getByTestId('sign-in-message')).toHaveText(/Too many failed sign-ins from here/);
    expect(await sql(`select 1 from audit_log where action = 'sign-in.refused' and actor_email = $1 and detail->>'reason' = 'wrong two-step code'`, [ADMIN])).not.toHaveLength(0);
    await context.close();
  });

  test('the owner requires it: admins without it are signed out and can open nothing but its setup; the owner resets a lost phone', async ({ browser }) => {
    await sql('insert into admins (email, password_hash) select $1, password_hash from admins where email = $2', [PLAIN, OWNER.email]);
    const plain = await signedIn(browser, PLAIN);
    const owner = await signedIn(browser, OWNER.email);
    // The owner cannot require what they do not have themselves.
    await owner.goto('/admin/server');
    await expect(owner.getByRole('button', { name: 'Require two-step sign-in' })).toBeDisabled();
    await enrol(owner);
    await owner.goto('/admin/server');
    await owner.getByRole('button', { name: 'Require two-step sign-in' }).click();
    await expect(owner.getByRole('status').filter({ hasText: 'Two-step sign-in is required' })).toContainText('1 session of admins without it ended');
    await expect(owner.getByTestId('two-step-rule')).toContainText('Required');

    // The admin without it was signed out; signed in again, every page leads to the setup.
    await plain.goto('/admin/visits');
    await expect(plain).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fvisits$/);
    await signInWith(plain, PLAIN);
    await expect(plain).toHaveURL(/\/admin\/two-step$/);
    await expect(plain.getByTestId('two-step-required')).toBeVisible();
    await plain.goto('/admin/notifications');
    await expect(plain).toHaveURL(/\/admin\/two-step$/);
    // Turning it off is not offered while it is required.
    await enrol(plain);
    await plain.goto('/admin/two-step');
    await expect(plain.getByRole('button', { name: 'Turn off two-step sign-in' })).toHaveCount(0);
    await plain.goto('/admin/visits');
    await expect(plain).toHaveURL(/\/admin\/visits$/);

    // The admin lost their phone and their codes: the owner resets it, and their sessions end.
    await owner.goto('/admin/users');
    owner.once('dialog', (dialog) => void dialog.accept());
    await owner.getByRole('button', { name: `Reset the two-step sign-in of ${PLAIN}` }).click();
    await expect(owner.getByRole('listitem', { name: PLAIN })).toContainText('password only');
    expect(await sql(`select totp_secret from admins where email = $1`, [PLAIN])).toEqual([{ totp_secret: null }]);
    expect(await sql(`select target from audit_log where action = 'two-step.remove'`)).toEqual([{ target: PLAIN }]);
    await plain.goto('/admin/visits');
    await expect(plain).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fvisits$/);

    await owner.goto('/admin/server');
    await owner.getByRole('button', { name: 'Stop requiring two-step sign-in' }).click();
    await expect(owner.getByTestId('two-step-rule')).toContainText('Each admin');
    for (const page of [plain, owner]) await page.context().close();
  });
});
