import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { launchPath, seedIntegration, uniqueSessionId, type TestIntegration } from './support/epic';
import { eventually, launchVisitor, openStream, openStreamConnection } from './support/visit';

// Every patient page, in English and in Spanish, checked by axe-core against WCAG 2.1 A and AA at
// phone width, with nothing wider than the phone.
const WIDTH = 360;
test.use({ storageState: { cookies: [], origins: [] }, viewport: { width: WIDTH, height: 740 } });

async function expectAccessible(page: Page, language: 'en' | 'es') {
  await expect(page.locator(`[lang="${language}"]`).first()).toBeAttached();
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(WIDTH);
}

const HEADINGS = {
  en: { waiting: 'Waiting for the host to start this meeting', admission: 'Your provider will let you in soon', ended: 'This visit has ended.', refused: 'This visit link cannot be opened', full: 'This visit is full', removed: 'You are not in the visit right now.', replaced: 'You joined from another device', left: 'You left the visit', device: 'Test your device for your video visit', inCall: 'In the visit with Lee Chen' },
  es: { waiting: 'Esperando a que el anfitrión inicie esta reunión', admission: 'Su proveedor le dejará entrar pronto', ended: 'Esta visita terminó.', refused: 'No se puede abrir este enlace de la visita', full: 'Esta visita está llena', removed: 'Ahora mismo no está en la visita.', replaced: 'Usted entró desde otro dispositivo', left: 'Usted salió de la visita', device: 'Pruebe su dispositivo para su visita por video', inCall: 'En la visita con Lee Chen' },
} as const;

for (const language of ['en', 'es'] as const) {
  test.describe(`patient pages in ${language === 'en' ? 'English' : 'Spanish'}`, () => {
    // The browser's language picks the page's.
    test.use({ locale: language === 'en' ? 'en-US' : 'es-MX' });
    const words = HEADINGS[language];
    let integration: TestIntegration;
    test.beforeAll(async () => {
      integration = await seedIntegration({ custom_text: 'Your care team will join you shortly.', admittance_policy: 'manual' });
    });

    test('the refused link, the ended visit and the full visit pass axe', async ({ page }) => {
      await page.goto('/launch?key=nothing&data=nothing');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.refused);
      await expectAccessible(page, language);
      for (const [kind, heading] of [['ended', words.ended], ['full', words.full]] as const) {
        await page.goto(`/launch/notice/${kind}`);
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
        await expectAccessible(page, language);
      }
    });

    test('the waiting room, the call, leaving and being removed pass axe', async ({ page, baseURL }) => {
      const sessionId = uniqueSessionId();
      await page.goto(launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT901', FirstName: 'Ana' }));
      await expect(page.getByTestId('visit-status')).toContainText(words.waiting);
      await expectAccessible(page, language);

      const provider = await launchVisitor(baseURL!, integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP901', FirstName: 'Lee', LastName: 'Chen' });
      const providerStream = await openStream(baseURL!, provider);
      await expect(page.getByTestId('visit-status')).toContainText(words.admission);
      await expectAccessible(page, language);

      const patientId = ((await eventually(() => (providerStream.state()?.waiting as Array<{ participantId: string }> | undefined)?.[0])) as { participantId: string }).participantId;
      await act(baseURL!, provider, { action: 'admit', participantId: patientId });
      await expect(page.getByTestId('visit-status')).toHaveText(words.inCall);
      await expectAccessible(page, language);

      await act(baseURL!, provider, { action: 'remove', participantId: patientId });
      await expect(page.getByText(words.removed)).toBeVisible();
      await expectAccessible(page, language);

      await act(baseURL!, provider, { action: 'readmit', participantId: patientId });
      await expect(page.getByTestId('visit-status')).toHaveText(words.inCall);
      await page.getByRole('button', { name: language === 'en' ? 'Leave' : 'Salir' }).click();
      await expect(page.getByRole('heading', { name: words.left })).toBeVisible();
      await expectAccessible(page, language);

      await act(baseURL!, provider, { action: 'end' });
      await page.getByRole('button', { name: language === 'en' ? 'Rejoin the visit' : 'Volver a la visita' }).click();
      await expect(page.getByText(words.ended)).toBeVisible();
      await expectAccessible(page, language);
      providerStream.close();
    });

    test('a second device takes over: the first page passes axe', async ({ browser }) => {
      const link = launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT902' });
      const first = await openPage(browser, link, language);
      await expect(first.getByTestId('visit-status')).toContainText(words.waiting);
      await openStreamConnection(first, 'PAT902');
      const second = await openPage(browser, link, language);
      await expect(second.getByTestId('visit-status')).toContainText(words.waiting);
      await expect(first.getByText(words.replaced)).toBeVisible();
      await expectAccessible(first, language);
      await first.context().close();
      await second.context().close();
    });

    test('the device test passes axe', async ({ page }) => {
      await page.goto('/device-test');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.device);
      await expectAccessible(page, language);
    });
  });
}

test('the language is switched on the page, and remembered', async ({ page }) => {
  const integration = await seedIntegration();
  await page.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT903' }));
  await expect(page.getByTestId('visit-status')).toContainText(HEADINGS.en.waiting);
  await page.getByTestId('language-switch').click();
  await expect(page.getByTestId('visit-status')).toContainText(HEADINGS.es.waiting);
  await page.reload();
  await expect(page.getByTestId('visit-status')).toContainText(HEADINGS.es.waiting);
  await page.goto('/device-test');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(HEADINGS.es.device);
  await page.goto('/launch?key=nothing&data=nothing');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(HEADINGS.es.refused);
  // The plain pages switch by a link, which remembers too.
  await page.getByRole('link', { name: 'View this page in English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(HEADINGS.en.refused);
  await page.goto('/device-test');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(HEADINGS.en.device);
});

test('the call with the chat open, and the room device pages, pass axe at phone width', async ({ page, baseURL }) => {
  const integration = await seedIntegration({ chat_enabled: true, admittance_policy: 'automatic' });
  const sessionId = uniqueSessionId();
  const provider = await launchVisitor(baseURL!, integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP904', FirstName: 'Lee', LastName: 'Chen' });
  const providerStream = await openStream(baseURL!, provider);
  await page.goto(launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT904', FirstName: 'Ana' }));
  await expect(page.getByTestId('visit-status')).toHaveText(HEADINGS.en.inCall);
  await page.getByRole('button', { name: 'Chat' }).click();
  await page.getByLabel('Message').fill('Hello');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('chat-messages')).toContainText('Hello');
  await expectAccessible(page, 'en');
  providerStream.close();

  await page.goto('/room');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Set up this device for a room');
  await page.getByRole('button', { name: 'Pair this device' }).click();
  await expect(page.locator('#pairing-code-error')).not.toBeEmpty();
  await expectAccessible(page, 'en');
});

async function openPage(browser: Browser, link: string, language: 'en' | 'es') {
  const context = await browser.newContext({ viewport: { width: WIDTH, height: 740 }, locale: language === 'en' ? 'en-US' : 'es-MX' });
  const page = await context.newPage();
  await page.goto(link);
  return page;
}

async function act(baseUrl: string, visitor: { meetingId: string; cookie: string }, body: Record<string, string>) {
  const response = await fetch(`${baseUrl}/api/visits/${visitor.meetingId}/actions`, { method: 'POST', headers: { Cookie: visitor.cookie }, body: JSON.stringify(body) });
  expect(response.status).toBe(204);
}
