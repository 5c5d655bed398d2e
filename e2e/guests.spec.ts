import { expect, test, type Browser, type Page } from '@playwright/test';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId, type TestIntegration } from './support/epic';
import { startFakeEpic, type FakeEpic } from './support/fake-epic';
import { expectRemoteVideoPlaying } from './support/webrtc';

// Visits of three or more, each person in a browser of their own: guests a provider invites from
// the call (an interpreter, family), who wait to be let in whatever the admittance policy, can do
// what a person in the call does but not what a provider does, and whom Epic never hears of.

// Three or four browsers with live video on two cores: each step is slower than in a call of two.
test.describe.configure({ timeout: 120_000 });
test.use({ storageState: { cookies: [], origins: [] } });

let epic: FakeEpic;
test.beforeAll(async () => {
  epic = await startFakeEpic();
});
test.afterAll(async () => {
  await epic.close();
});

async function open(browser: Browser, url: string, width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** The provider, in the call, invites a guest from the People panel; returns the guest link shown. */
async function invite(provider: Page, guest: { name: string; role: 'Interpreter' | 'Family member or caregiver' | 'Other clinician'; language?: string }): Promise<string> {
  const people = provider.getByRole('region', { name: 'People' });
  // The panel's code loads when it is first opened: wait for it, never guess from a first look.
  const toggle = provider.getByRole('button', { name: 'People' });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  const inviteButton = people.getByRole('button', { name: 'Invite someone' });
  await expect(inviteButton.or(people.getByLabel('Name')).first()).toBeVisible();
  if (await inviteButton.isVisible()) await inviteButton.click();
  await people.getByLabel('Name').fill(guest.name);
  await people.getByLabel('Role').selectOption({ label: guest.role });
  if (guest.language) await people.getByLabel('Language (for an interpreter)').fill(guest.language);
  await people.getByRole('button', { name: 'Create guest link' }).click();
  const link = people.getByLabel('Guest link');
  await expect(link).toHaveValue(/\/join\//);
  return link.inputValue();
}

async function visitWithPatient(browser: Browser, integration: TestIntegration) {
  const sessionId = uniqueSessionId();
  const provider = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP1', FirstName: 'Lee', LastName: 'Chen' }));
  const patient = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT1', FirstName: 'Ana', LastName: 'Diaz' }), 390);
  await expectRemoteVideoPlaying(provider);
  const meetingId = new URL(provider.url()).pathname.split('/').at(-1)!;
  return { provider, patient, meetingId };
}

test('an interpreter invited from the call waits, is let in, is shown as Interpreter with the language, cannot end the visit, and Epic never hears of them', async ({ browser }) => {
  const integration = await seedIntegration({ admittance_policy: 'automatic', connection_status_url: `${epic.url}/status` });
  const { provider, patient, meetingId } = await visitWithPatient(browser, integration);
  const link = await invite(provider, { name: 'Rosa Vega', role: 'Interpreter', language: 'Spanish' });
  expect(new URL(link).pathname).not.toContain('Rosa');

  // Automatic admittance is for patients: the guest waits for the provider.
  const interpreter = await open(browser, link, 390);
  await expect(interpreter.getByTestId('visit-status')).toContainText('Your provider will let you in soon');
  const waitingRoom = provider.getByRole('region', { name: 'Waiting room' });
  await expect(waitingRoom).toContainText('Rosa Vega is waiting');
  await expect(waitingRoom).toContainText('Interpreter, Spanish');
  await waitingRoom.getByRole('button', { name: 'Admit Rosa Vega' }).click();

  await expectRemoteVideoPlaying(interpreter, { name: 'Lee Chen' });
  await expectRemoteVideoPlaying(interpreter, { name: 'Ana Diaz' });
  await expectRemoteVideoPlaying(patient, { name: 'Rosa Vega' });
  await expect(patient.locator('[data-testid="tile"]', { has: patient.locator('[data-name="Rosa Vega"]') }).getByTestId('tile-kind')).toHaveText('Interpreter, Spanish');
  // A guest has the controls of anyone in the call, and none of a provider's.
  await expect(interpreter.getByRole('button', { name: 'Mute microphone' })).toBeVisible();
  await expect(interpreter.getByRole('button', { name: 'Leave' })).toBeVisible();
  await expect(interpreter.getByRole('button', { name: 'End visit for everyone' })).toHaveCount(0);
  await expect(interpreter.getByRole('button', { name: 'Share screen' })).toHaveCount(0);
  await interpreter.getByRole('button', { name: 'People' }).click();
  await expect(interpreter.getByRole('region', { name: 'People' }).getByRole('button', { name: /^Remove/ })).toHaveCount(0);
  await expect(interpreter.getByRole('region', { name: 'People' }).getByRole('button', { name: 'Invite someone' })).toHaveCount(0);
  // And the server refuses what the page does not offer.
  const refused = await interpreter.context().request.post(`/api/visits/${meetingId}/actions`, { data: { action: 'end' } });
  expect(refused.status()).toBe(403);
  const admitRefused = await interpreter.context().request.post(`/api/visits/${meetingId}/guests`, { data: { name: 'Someone', role: 'family' } });
  expect(admitRefused.status()).toBe(403);

  const [guest] = await query<{ user_type: string; guest_role: string; language: string; first_name: string }>("select user_type, guest_role, language, first_name from participants where meeting_id = $1 and user_type = 'Guest'", [meetingId]);
  expect(guest).toEqual({ user_type: 'Guest', guest_role: 'interpreter', language: 'Spanish', first_name: 'Rosa Vega' });
  // Epic heard the patient and the provider, never the guest; the guest's coming and going is kept.
  await expect.poll(() => epic.calls.filter((call) => call.json?.ConnectionStatus === 'Connected').map((call) => call.json?.UserType).sort()).toEqual(['Patient', 'Provider']);
  await interpreter.getByRole('button', { name: 'Leave' }).click();
  await expect.poll(async () => (await query("select status from participant_events where meeting_id = $1 and user_type = 'Guest' order by id", [meetingId])).length).toBe(2);
  expect(epic.calls.some((call) => call.json?.UserType === 'Guest' || String(call.json?.ExternalID ?? '').startsWith('guest:'))).toBe(false);

  // The visit ends: the guest's name goes with it, their role stays on the record.
  provider.once('dialog', (dialog) => void dialog.accept());
  await provider.getByRole('button', { name: 'End visit for everyone' }).click();
  await expect.poll(async () => (await query("select first_name, guest_role from participants where meeting_id = $1 and user_type = 'Guest'", [meetingId]))[0]).toEqual({ first_name: null, guest_role: 'interpreter' });
  expect(await query('select 1 from guest_invites where meeting_id = $1', [meetingId])).toEqual([]);
  for (const page of [provider, patient, interpreter]) await page.context().close();
});

test('a guest link lets in one browser: a second is refused with the calm page, the first comes back by it, and a revoked link opens nothing', async ({ browser }) => {
  const integration = await seedIntegration({ admittance_policy: 'automatic' });
  const { provider, patient } = await visitWithPatient(browser, integration);
  const link = await invite(provider, { name: 'Sam Diaz', role: 'Family member or caregiver' });
  const first = await open(browser, link, 390);
  await expect(first.getByTestId('visit-status')).toContainText('Your provider will let you in soon');
  // Someone else opens the same link: refused, the same page as a bad launch link.
  const second = await open(browser, link, 390);
  await expect(second.getByRole('heading', { level: 1 })).toHaveText('This visit link cannot be opened');
  // The first browser can open it again.
  await first.goto(link);
  await expect(first.getByTestId('visit-status')).toContainText('Your provider will let you in soon');

  // A link nobody opened yet is revoked: it opens nothing.
  const unused = await invite(provider, { name: 'Dr. Ito', role: 'Other clinician' });
  const people = provider.getByRole('region', { name: 'People' });
  await expect(people.getByTestId('pending-invites')).toContainText('Dr. Ito');
  await people.getByRole('button', { name: "Revoke Dr. Ito's link" }).click();
  await expect(people.getByTestId('pending-invites')).toHaveCount(0);
  const late = await open(browser, unused, 390);
  await expect(late.getByRole('heading', { level: 1 })).toHaveText('This visit link cannot be opened');
  for (const page of [provider, patient, first, second, late]) await page.context().close();
});

test('the provider removes an admitted patient and a guest, and lets them back in; a removed guest’s link stops working', async ({ browser }) => {
  const integration = await seedIntegration({ admittance_policy: 'automatic' });
  const { provider, patient } = await visitWithPatient(browser, integration);
  const link = await invite(provider, { name: 'Sam Diaz', role: 'Family member or caregiver' });
  const family = await open(browser, link, 390);
  await provider.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: 'Admit Sam Diaz' }).click();
  await expectRemoteVideoPlaying(family, { name: 'Lee Chen' });

  provider.on('dialog', (dialog) => void dialog.accept());
  const inCall = provider.getByRole('region', { name: 'People' }).getByTestId('people-in-call');
  for (const [name, page] of [['Ana Diaz', patient], ['Sam Diaz', family]] as const) {
    await inCall.getByRole('button', { name: `Remove ${name}` }).click();
    await expect(page.getByText('You are not in the visit right now.')).toBeVisible();
    await expect(provider.locator(`[data-testid="remote-video"][data-name="${name}"]`)).toHaveCount(0);
  }
  // The removed guest's link opens nothing, even in the browser that had it.
  const again = await open(browser, link, 390);
  await expect(again.getByRole('heading', { level: 1 })).toHaveText('This visit link cannot be opened');

  const removed = provider.getByRole('region', { name: 'Waiting room' });
  for (const [name, page] of [['Ana Diaz', patient], ['Sam Diaz', family]] as const) {
    await removed.getByRole('button', { name: `Let ${name} back in` }).click();
    await expectRemoteVideoPlaying(page, { name: 'Lee Chen' });
  }
  for (const page of [provider, patient, family, again]) await page.context().close();
});

test("someone let in later reads only what was said from then on: a family member never sees the earlier messages", async ({ browser }) => {
  const integration = await seedIntegration({ admittance_policy: 'automatic', chat_enabled: true });
  const { provider, patient } = await visitWithPatient(browser, integration);
  await provider.getByRole('button', { name: 'Chat' }).click();
  await provider.getByLabel('Message').fill('your lab results show low iron');
  await provider.getByRole('button', { name: 'Send' }).click();
  await expect(patient.getByRole('button', { name: 'Chat, 1 new' })).toBeVisible();

  const link = await invite(provider, { name: 'Sam Diaz', role: 'Family member or caregiver' });
  const family = await open(browser, link, 390);
  await provider.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: 'Admit Sam Diaz' }).click();
  await expectRemoteVideoPlaying(family, { name: 'Lee Chen' });
  await family.getByRole('button', { name: 'Chat' }).click();
  // The provider's side panel showed the people (to invite): back to the chat.
  await provider.getByRole('button', { name: 'Chat' }).click();
  await expect(family.getByTestId('chat-messages')).toContainText('No messages yet');
  await provider.getByRole('region', { name: 'Chat' }).getByLabel('Message').fill('welcome, Sam');
  await provider.getByRole('region', { name: 'Chat' }).getByRole('button', { name: 'Send' }).click();
  await expect(family.getByTestId('chat-messages')).toContainText('welcome, Sam');
  await expect(family.getByTestId('chat-messages')).not.toContainText('low iron');
  // The patient was there for both; read once, a reload does not count them as new again.
  await patient.getByRole('button', { name: /^Chat/ }).click();
  await expect(patient.getByTestId('chat-messages')).toContainText('welcome, Sam');
  await patient.reload();
  await expectRemoteVideoPlaying(patient);
  await expect(patient.getByRole('button', { name: 'Chat', exact: true })).toBeVisible();
  await expect(patient.getByRole('button', { name: /Chat, \d+ new/ })).toHaveCount(0);
  for (const page of [provider, patient, family]) await page.context().close();
});
