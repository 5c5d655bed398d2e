import { expect, test, type Browser, type Page } from '@playwright/test';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';
import { eventually, launchVisitor, openStream, type LaunchedVisitor } from './support/visit';
import { expectRemoteVideoPlaying } from './support/webrtc';

// Meeting policies per integration: screen sharing (nobody / providers / everyone) and chat
// (off / on). The server refuses what a policy does not allow, whatever the page shows.

test.use({ storageState: { cookies: [], origins: [] } });

const baseUrl = () => process.env.E2E_BASE_URL!;

async function open(browser: Browser, path: string, width = 1024): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await context.newPage();
  await page.goto(path);
  return page;
}

function post(visitor: LaunchedVisitor, route: string, body: unknown) {
  return fetch(`${baseUrl()}/api/visits/${visitor.meetingId}/${route}`, { method: 'POST', headers: { Cookie: visitor.cookie, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** An offer as a browser writes it: audio, the camera, and a screen's section in `screen` direction. */
function offer(screen: 'sendonly' | 'recvonly') {
  const section = (kind: string, mid: number, direction: string) => `m=${kind} 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:${mid}\r\na=${direction}\r\na=rtpmap:96 VP8/90000\r\n`;
  return { link: 'l1', description: { type: 'offer', sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${section('audio', 0, 'sendrecv')}${section('video', 1, 'sendrecv')}${section('video', 2, screen)}` } };
}

test('chat on: people in the call write and read it, a patient who reconnects sees it so far, and it goes with the visit', async ({ browser }) => {
  const integration = await seedIntegration({ chat_enabled: true, admittance_policy: 'automatic' });
  const sessionId = uniqueSessionId();
  const provider = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP1', FirstName: 'Lee', LastName: 'Chen' }));
  const patient = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT1', FirstName: 'Ana' }), 390);
  await expectRemoteVideoPlaying(patient);

  await patient.getByRole('button', { name: 'Chat' }).click();
  await patient.getByLabel('Message').fill('Can you hear me?');
  await patient.getByRole('button', { name: 'Send' }).click();
  await expect(provider.getByRole('button', { name: 'Chat, 1 new' })).toBeVisible();
  await provider.getByRole('button', { name: 'Chat, 1 new' }).click();
  await expect(provider.getByTestId('chat-messages')).toContainText('Can you hear me?');
  await provider.getByLabel('Message').fill('Yes, clearly.');
  await provider.getByLabel('Message').press('Enter');
  await expect(patient.getByTestId('chat-messages')).toContainText('Yes, clearly.');
  // Text is text: markup in a message is shown, never run.
  await provider.getByLabel('Message').fill('<img src=x onerror="window.__pwned=1">');
  await provider.getByRole('button', { name: 'Send' }).click();
  await expect(patient.getByTestId('chat-messages')).toContainText('<img src=x');
  expect(await patient.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

  // The patient's page reloads (a phone that dropped): the chat so far is there again.
  await patient.reload();
  await expectRemoteVideoPlaying(patient);
  await patient.getByRole('button', { name: /^Chat/ }).click();
  await expect(patient.getByTestId('chat-messages')).toContainText('Can you hear me?');
  await expect(patient.getByTestId('chat-messages')).toContainText('Yes, clearly.');

  const [meeting] = await query<{ id: string }>('select id from meetings where integration_id = $1', [integration.id]);
  expect(await query('select 1 from chat_messages where meeting_id = $1', [meeting!.id])).toHaveLength(3);
  provider.on('dialog', (dialog) => dialog.accept());
  await provider.getByRole('button', { name: 'End visit for everyone' }).click();
  await eventually(async () => (await query('select 1 from chat_messages where meeting_id = $1', [meeting!.id])).length === 0);
  await provider.context().close();
  await patient.context().close();
});

test('the server refuses chat from a waiting patient, and all chat when the integration has it off', async () => {
  const manual = await seedIntegration({ chat_enabled: true, admittance_policy: 'manual' });
  const sessionId = uniqueSessionId();
  const provider = await launchVisitor(baseUrl(), manual, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP2' });
  const patient = await launchVisitor(baseUrl(), manual, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT2' });
  const providerStream = await openStream(baseUrl(), provider);
  const patientStream = await openStream(baseUrl(), patient);
  await eventually(() => patientStream.state()?.stage === 'waiting-for-admission');
  const patientConnection = patientStream.state()!.connectionId;
  const providerConnection = providerStream.state()!.connectionId;
  const waiting = await post(patient, 'chat', { body: 'let me in', connectionId: patientConnection });
  expect(waiting.status).toBe(403);
  expect(await waiting.json()).toMatchObject({ error: 'not_in_call' });
  expect(patientStream.events.some((entry) => entry.event === 'chat')).toBe(false);
  // Bad input is a 4xx with a message.
  expect((await post(provider, 'chat', { body: '', connectionId: providerConnection })).status).toBe(422);
  expect((await post(provider, 'chat', { body: 'x'.repeat(1001), connectionId: providerConnection })).status).toBe(422);
  expect((await post(provider, 'chat', { text: 'wrong field', connectionId: providerConnection })).status).toBe(422);
  expect((await post(provider, 'chat', { body: 'no connection' })).status).toBe(422);
  const sent = await post(provider, 'chat', { body: 'Hello from the provider', connectionId: providerConnection });
  expect(sent.status).toBe(204);
  await eventually(() => providerStream.events.some((entry) => entry.event === 'chat'));
  // The waiting patient was never sent it.
  expect(patientStream.events.some((entry) => entry.event === 'chat')).toBe(false);
  providerStream.close();
  patientStream.close();

  const off = await seedIntegration({ chat_enabled: false });
  const offSession = uniqueSessionId();
  const offProvider = await launchVisitor(baseUrl(), off, { SessionID: offSession, UserType: 'Provider', ExternalID: 'EMP3' });
  const offStream = await openStream(baseUrl(), offProvider);
  await eventually(() => offStream.state()?.stage === 'in-call');
  expect((offStream.state()!.allowed as { chat: boolean }).chat).toBe(false);
  const refused = await post(offProvider, 'chat', { body: 'anyone?', connectionId: offStream.state()!.connectionId });
  expect(refused.status).toBe(403);
  expect(await refused.json()).toMatchObject({ error: 'chat_off' });
  expect(await query("select 1 from chat_messages where body = 'anyone?'")).toHaveLength(0);
  offStream.close();
});

test('each person reads only what was said while they were in the call: not before their admission, not while waiting or removed', async () => {
  const integration = await seedIntegration({ chat_enabled: true, admittance_policy: 'manual' });
  const sessionId = uniqueSessionId();
  const provider = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP10' });
  const patient = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT10' });
  // A family member with a link of their own (a MyChart proxy), admitted later.
  const family = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT11' });
  const providerStream = await openStream(baseUrl(), provider);
  const patientStream = await openStream(baseUrl(), patient);
  let familyStream = await openStream(baseUrl(), family);
  await eventually(() => familyStream.state()?.stage === 'waiting-for-admission' && patientStream.state()?.stage === 'waiting-for-admission');
  const say = async (body: string) => expect((await post(provider, 'chat', { body, connectionId: providerStream.state()!.connectionId })).status).toBe(204);
  const act = async (action: string, stream: typeof familyStream) =>
    expect((await post(provider, 'actions', { action, participantId: (stream.state()!.me as { participantId: string }).participantId })).status).toBe(204);

  await act('admit', patientStream);
  await eventually(() => patientStream.state()?.stage === 'in-call');
  await say('your lab results show low iron');
  await eventually(() => chatBodies(patientStream).includes('your lab results show low iron'));

  await act('admit', familyStream);
  await eventually(() => familyStream.state()?.stage === 'in-call');
  await say('welcome, both of you');
  await eventually(() => chatBodies(familyStream).includes('welcome, both of you'));
  expect(chatBodies(familyStream)).toEqual(['welcome, both of you']);

  // Removed: what is said meanwhile never reaches them, and being let back in does not bring it.
  await act('remove', familyStream);
  await familyStream.ended;
  familyStream = await openStream(baseUrl(), family);
  await eventually(() => familyStream.state()?.stage === 'removed');
  await say('between us: the biopsy');
  await eventually(() => chatBodies(patientStream).includes('between us: the biopsy'));
  await act('readmit', familyStream);
  await familyStream.ended;
  familyStream = await openStream(baseUrl(), family);
  await eventually(() => familyStream.state()?.stage === 'in-call');
  await say('and now the plan');
  await eventually(() => chatBodies(familyStream).includes('and now the plan'));
  // A new stream carries the history this person was there for, and only that.
  expect(chatBodies(familyStream)).toEqual(['welcome, both of you', 'and now the plan']);
  expect(chatBodies(patientStream)).toEqual(['your lab results show low iron', 'welcome, both of you', 'between us: the biopsy', 'and now the plan']);
  for (const stream of [providerStream, patientStream, familyStream]) stream.close();
});

test('a page that no longer holds the connection cannot chat or switch the camera and microphone (409)', async () => {
  const integration = await seedIntegration({ chat_enabled: true, admittance_policy: 'automatic' });
  const sessionId = uniqueSessionId();
  const provider = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP12' });
  const patient = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT12' });
  const providerStream = await openStream(baseUrl(), provider);
  const phone = await openStream(baseUrl(), patient);
  await eventually(() => phone.state()?.stage === 'in-call');
  const phoneConnection = phone.state()!.connectionId as string;
  // The patient's laptop takes over: the phone's page is replaced.
  const laptop = await openStream(baseUrl(), patient);
  await phone.ended;
  await eventually(() => laptop.state()?.stage === 'in-call');
  const fromPhone = await post(patient, 'media', { connectionId: phoneConnection, micOn: false, cameraOn: false });
  expect(fromPhone.status).toBe(409);
  expect(await post(patient, 'chat', { body: 'from the old phone', connectionId: phoneConnection }).then((response) => response.status)).toBe(409);
  expect(await query('select mic_on, camera_on from participants where epic_user_id = $1', ['PAT12'])).toEqual([{ mic_on: true, camera_on: true }]);
  expect((await post(patient, 'media', { connectionId: laptop.state()!.connectionId, micOn: false, cameraOn: true })).status).toBe(204);

  // The provider's stream closes: its page cannot post any more.
  const providerConnection = providerStream.state()!.connectionId as string;
  providerStream.close();
  await eventually(async () => (await query('select connection_id from participants where epic_user_id = $1', ['EMP12']))[0]?.connection_id === null);
  const late = await post(provider, 'chat', { body: 'are you there?', connectionId: providerConnection });
  expect(late.status).toBe(409);
  expect(await query("select 1 from chat_messages where body in ('are you there?', 'from the old phone')")).toEqual([]);
  laptop.close();
});

test('providers only: the provider shares a screen, the patient sees it large, and stopping restores the layout', async ({ browser }) => {
  const integration = await seedIntegration({ screen_share_policy: 'providers', admittance_policy: 'automatic' });
  const sessionId = uniqueSessionId();
  const provider = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP4', FirstName: 'Lee' }));
  const patient = await open(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT4', FirstName: 'Ana' }));
  await expectRemoteVideoPlaying(patient);
  await expect(patient.getByRole('button', { name: 'Share screen' })).toHaveCount(0);

  await provider.getByRole('button', { name: 'Share screen' }).click();
  await expect(provider.getByTestId('sharing-status')).toHaveText('You are sharing your screen');
  const screen = patient.getByTestId('shared-screen');
  await expect(screen).toBeVisible({ timeout: 20_000 });
  await expect(screen).toHaveAttribute('aria-label', 'Screen shared by Lee');
  await expect.poll(() => screen.evaluate((element: HTMLVideoElement) => element.videoWidth), { timeout: 20_000 }).toBeGreaterThan(0);
  // The camera stays, beside the screen.
  await expect(patient.getByTestId('remote-video')).toBeVisible();
  expect(await query("select sharing from participants where epic_user_id = 'EMP4'")).toEqual([{ sharing: true }]);

  await provider.getByRole('button', { name: 'Stop sharing' }).click();
  await expect(patient.getByTestId('shared-screen')).toHaveCount(0);
  await expectRemoteVideoPlaying(patient);
  await provider.context().close();
  await patient.context().close();
});

test("the server refuses a share the policy does not allow: the media state, and an offer that sends a second video", async () => {
  const integration = await seedIntegration({ screen_share_policy: 'providers', admittance_policy: 'automatic' });
  const sessionId = uniqueSessionId();
  const provider = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP5' });
  const patient = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT5' });
  const providerStream = await openStream(baseUrl(), provider);
  const patientStream = await openStream(baseUrl(), patient);
  await eventually(() => patientStream.state()?.stage === 'in-call');
  const providerConnection = providerStream.state()!.connectionId as string;
  const patientConnection = patientStream.state()!.connectionId as string;
  expect((patientStream.state()!.allowed as { shareScreen: boolean }).shareScreen).toBe(false);

  const share = await post(patient, 'media', { connectionId: patientConnection, micOn: true, cameraOn: true, sharing: true });
  expect(share.status).toBe(403);
  expect(await share.json()).toMatchObject({ error: 'share_not_allowed' });
  const sneaky = await post(patient, 'signal', { from: patientConnection, to: providerConnection, payload: offer('sendonly') });
  expect(sneaky.status).toBe(403);
  const camera = await post(patient, 'signal', { from: patientConnection, to: providerConnection, payload: offer('recvonly') });
  expect(camera.status).toBe(204);
  expect((await post(provider, 'media', { connectionId: providerConnection, micOn: true, cameraOn: true, sharing: true })).status).toBe(204);
  expect((await post(provider, 'signal', { from: providerConnection, to: patientConnection, payload: offer('sendonly') })).status).toBe(204);
  providerStream.close();
  patientStream.close();

  // Nobody: not even the provider.
  const nobody = await seedIntegration({ screen_share_policy: 'nobody' });
  const nobodyProvider = await launchVisitor(baseUrl(), nobody, { SessionID: uniqueSessionId(), UserType: 'Provider', ExternalID: 'EMP6' });
  const nobodyStream = await openStream(baseUrl(), nobodyProvider);
  await eventually(() => nobodyStream.state()?.stage === 'in-call');
  expect((await post(nobodyProvider, 'media', { connectionId: nobodyStream.state()!.connectionId, micOn: true, cameraOn: true, sharing: true })).status).toBe(403);
  nobodyStream.close();

  // Everyone: a patient may share too.
  const everyone = await seedIntegration({ screen_share_policy: 'everyone', admittance_policy: 'automatic' });
  const everyoneSession = uniqueSessionId();
  const host = await launchVisitor(baseUrl(), everyone, { SessionID: everyoneSession, UserType: 'Provider', ExternalID: 'EMP7' });
  const guest = await launchVisitor(baseUrl(), everyone, { SessionID: everyoneSession, UserType: 'Patient', ExternalID: 'PAT7' });
  const hostStream = await openStream(baseUrl(), host);
  const guestStream = await openStream(baseUrl(), guest);
  await eventually(() => guestStream.state()?.stage === 'in-call');
  expect((await post(guest, 'media', { connectionId: guestStream.state()!.connectionId, micOn: true, cameraOn: true, sharing: true })).status).toBe(204);
  await eventually(() => (hostStream.state()?.peers as Array<{ sharing: boolean }> | undefined)?.[0]?.sharing === true);
  hostStream.close();
  guestStream.close();
});

/** The bodies of every chat message a stream was sent, in order. */
function chatBodies(stream: { events: Array<{ event: string; data: unknown }> }): string[] {
  return stream.events.filter((entry) => entry.event === 'chat').flatMap((entry) => (entry.data as { messages: Array<{ body: string }> }).messages.map((message) => message.body));
}
