import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';
import { expectRemoteVideoPlaying } from './support/webrtc';

// The call as people see it: four in a call at phone width and on a laptop, who is who on every
// tile, the person speaking outlined, the controls in one row on a phone, and what the call page
// got wrong before (focus after Admit, the focus ring on the dark screen, a muted badge that is an
// icon, the waiting self-view that says it is starting, the provider's words while someone waits).

// Three or four browsers with live video on two cores: each step is slower than in a call of two.
test.describe.configure({ timeout: 120_000 });
test.use({ storageState: { cookies: [], origins: [] } });

async function open(browser: Browser, url: string, width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: width < 500 ? 740 : 800 } });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

async function axe(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

async function inviteAndAdmit(provider: Page, name: string, role: string, width: number, browser: Browser): Promise<Page> {
  const people = provider.getByRole('region', { name: 'People' });
  // The panel's code loads when it is first opened: wait for it, never guess from a first look.
  const toggle = provider.getByRole('button', { name: 'People' });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  const inviteButton = people.getByRole('button', { name: 'Invite someone' });
  await expect(inviteButton.or(people.getByLabel('Name')).first()).toBeVisible();
  if (await inviteButton.isVisible()) await inviteButton.click();
  await people.getByLabel('Name').fill(name);
  await people.getByLabel('Role').selectOption({ label: role });
  await people.getByRole('button', { name: 'Create guest link' }).click();
  await expect(people.getByLabel('Guest link')).toHaveValue(/\/join\//);
  const guest = await open(browser, await people.getByLabel('Guest link').inputValue(), width);
  await provider.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: `Admit ${name}` }).click();
  return guest;
}

test('a call of four at 360 px and at 1280 px: names and roles on every tile, the speaker outlined, one row of controls on a phone', async ({ browser }) => {
  // Four live-video pages on two cores: about 90 s alone, two or three times that late in a full run.
  test.setTimeout(300_000);
  const integration = await seedIntegration({ admittance_policy: 'automatic', chat_enabled: true });
  const sessionId = uniqueSessionId();
  const provider = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP20', FirstName: 'Lee', LastName: 'Chen' }), 1280);
  const patient = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT20', FirstName: 'Ana', LastName: 'Maria Diaz Gonzalez' }), 360);
  await expectRemoteVideoPlaying(provider);
  const interpreter = await inviteAndAdmit(provider, 'Rosa Vega', 'Interpreter', 360, browser);
  const family = await inviteAndAdmit(provider, 'Sam Diaz', 'Family member or caregiver', 1280, browser);
  // Six links set up at once on two cores: each page's tiles appear as its links do.
  for (const page of [provider, patient, interpreter, family]) await expect(page.getByTestId('remote-video')).toHaveCount(3, { timeout: 60_000 });
  for (const name of ['Lee Chen', 'Rosa Vega', 'Sam Diaz']) await expectRemoteVideoPlaying(patient, { name, timeout: 60_000 });

  // At 1280 px, a grid of equal tiles, each with a name and what the person is.
  await expect(provider.getByTestId('call-grid').getByTestId('tile')).toHaveCount(3);
  const kinds = await provider.getByTestId('tile-kind').allTextContents();
  expect(kinds.sort()).toEqual(['Family member or caregiver', 'Interpreter', 'Patient']);
  // Someone is speaking (every fake microphone plays a tone): their tile is outlined.
  await expect(provider.locator('[data-testid="tile"][data-speaking="true"]')).toHaveCount(1, { timeout: 30_000 });

  // At 360 px: one tile large, the other two in a strip; the controls in one row; nothing wider than the phone.
  await expect(patient.getByTestId('tile-strip').getByTestId('tile')).toHaveCount(2);
  const controls = patient.getByRole('group', { name: 'Call controls' });
  const tops = await controls.locator('button, summary').evaluateAll((elements) => elements.map((element) => Math.round(element.getBoundingClientRect().top)));
  expect(new Set(tops).size).toBe(1);
  expect(await patient.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  // The header gives the names room: the status is not squeezed into a narrow column.
  const status = await patient.getByTestId('visit-status').boundingBox();
  expect(status!.width).toBeGreaterThan(200);
  for (const page of [provider, patient, interpreter, family]) await page.context().close();
});

test('axe finds nothing on a call: the patient’s phone, the provider’s laptop with the People panel open, the interpreter’s phone with it open', async ({ browser }) => {
  // Three live-video pages and three axe passes on two cores (axe was once run in the call of four:
  // with a fourth page live, each pass took two or three times as long, late in a full run).
  test.setTimeout(300_000);
  const integration = await seedIntegration({ admittance_policy: 'automatic', chat_enabled: true });
  const sessionId = uniqueSessionId();
  const provider = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP24', FirstName: 'Lee', LastName: 'Chen' }), 1280);
  const patient = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT24', FirstName: 'Ana', LastName: 'Maria Diaz Gonzalez' }), 360);
  await expectRemoteVideoPlaying(provider);
  const interpreter = await inviteAndAdmit(provider, 'Rosa Vega', 'Interpreter', 360, browser);
  for (const name of ['Lee Chen', 'Rosa Vega']) await expectRemoteVideoPlaying(patient, { name, timeout: 60_000 });
  await axe(patient);
  await patient.context().close();
  await axe(provider);
  await interpreter.getByRole('button', { name: 'People' }).click();
  await expect(interpreter.getByRole('region', { name: 'People' })).toContainText('Lee Chen');
  await axe(interpreter);
  for (const page of [provider, interpreter]) await page.context().close();
});

test('Admit by keyboard keeps focus in the waiting room; the dark call screen has a light focus ring; a muted microphone is an icon', async ({ browser }) => {
  const integration = await seedIntegration({ admittance_policy: 'manual' });
  const sessionId = uniqueSessionId();
  const provider = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP21', FirstName: 'Lee' }), 1280);
  await expect(provider.getByTestId('visit-status')).toHaveText('In the visit. No one else has joined yet.');
  const first = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT21', FirstName: 'Bo', LastName: 'Kim' }), 390);
  const second = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT22', FirstName: 'Cy', LastName: 'Lo' }), 390);
  const waitingRoom = provider.getByRole('region', { name: 'Waiting room' });
  await expect(waitingRoom).toContainText('2 waiting to be admitted');
  // What the provider is told while people wait, and nobody is in the call yet.
  await expect(provider.getByTestId('visit-status')).toHaveText('Bo Kim, Cy Lo waiting to be let in');
  await expect(provider.getByText('Someone is waiting: let them in from the waiting room above.')).toBeVisible();

  await waitingRoom.getByRole('button', { name: 'Admit Bo Kim' }).focus();
  await provider.keyboard.press('Enter');
  await expect(waitingRoom).toContainText('1 waiting to be admitted');
  // Focus went to the next person's Admit, not to the page's body.
  await expect(waitingRoom.getByRole('button', { name: 'Admit Cy Lo' })).toBeFocused();
  await provider.keyboard.press('Enter');
  await expect(waitingRoom).toHaveCount(0);
  await expect(provider.locator('body')).not.toBeFocused();
  await expectRemoteVideoPlaying(first);

  // The focus ring on the dark call screen is amber (about 10:1 on slate-900), not the brand blue.
  await provider.getByRole('button', { name: 'Mute microphone' }).focus();
  await provider.keyboard.press('Tab');
  await provider.keyboard.press('Shift+Tab');
  const outline = await provider.evaluate(() => getComputedStyle(document.activeElement!).outlineColor);
  expect(outline).toBe('rgb(251, 191, 36)');

  // The provider mutes: the others see a drawn icon, with its words for screen readers.
  await provider.keyboard.press('Enter');
  const badge = first.locator('[data-testid="tile"]', { has: first.locator('[data-name="Lee"]') }).getByTestId('muted-badge');
  await expect(badge).toBeVisible();
  await expect(badge.locator('svg')).toHaveCount(1);
  await expect(badge).toHaveText('Microphone off');
  for (const page of [provider, first, second]) await page.context().close();
});

test('the waiting room says the camera is starting until the picture plays, then that you are ready', async ({ browser }) => {
  const integration = await seedIntegration();
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  // The camera takes its time to start (as a phone's does): released by the test.
  await context.addInitScript(() => {
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    (window as unknown as { __releaseCamera: () => void }).__releaseCamera = release;
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      await released;
      return original(constraints);
    };
  });
  const page = await context.newPage();
  await page.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT23' }));
  await expect(page.getByTestId('visit-status')).toContainText('Your provider has not joined yet');
  await expect(page.getByTestId('camera-check')).toHaveText('Starting your camera…');
  await page.evaluate(() => (window as unknown as { __releaseCamera: () => void }).__releaseCamera());
  await expect(page.getByTestId('camera-check')).toHaveText('If you can see yourself and the bar moves when you speak, you are ready.');
  await context.close();
});
