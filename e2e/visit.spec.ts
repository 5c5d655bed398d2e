import { expect, test, type Browser, type Page } from '@playwright/test';
import { png } from '../test/fixtures/images';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId, type TestIntegration } from './support/epic';
import { eventually, launchVisitor, openStream } from './support/visit';
import { expectRemoteVideoPlaying, openRecordedPage } from './support/webrtc';

test.use({ storageState: { cookies: [], origins: [] } });

async function openAs(browser: Browser, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  await page.goto(path);
  return page;
}

async function seedWithLogo(policy: 'automatic' | 'manual'): Promise<TestIntegration> {
  const logo = await png(200, 80);
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256').update(logo).digest('hex');
  await query('insert into logos (hash, content_type, width, height, bytes) values ($1, $2, 200, 80, $3) on conflict do nothing', [hash, 'image/png', logo]);
  return seedIntegration({ admittance_policy: policy, custom_text: 'Dr. Lee will see you shortly.', logo_hash: hash });
}

test('patient waits with the custom text and logo, then enters when the provider joins, and both see video', async ({ browser }) => {
  const integration = await seedWithLogo('automatic');
  const sessionId = uniqueSessionId();
  const patient = await openAs(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT1', FirstName: 'Ana', LastName: 'Diaz' }));
  await expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  await expect(patient.getByTestId('custom-text')).toHaveText('Dr. Lee will see you shortly.');
  await expect(patient.getByAltText('Clinic logo')).toBeVisible();

  const provider = await openAs(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP42', FirstName: 'Lee', LastName: 'Chen' }));
  await expectRemoteVideoPlaying(provider);
  await expectRemoteVideoPlaying(patient);
  await expect(patient.getByTestId('remote-video')).toHaveAttribute('data-name', 'Lee Chen');

  const meetings = await query<{ id: string; state: string }>('select id, state from meetings where integration_id = $1', [integration.id]);
  expect(meetings).toHaveLength(1);
  expect(meetings[0]!.state).toBe('active');
  const events = await query<{ user_type: string; status: string; epic_user_id: string; session_id: string }>(
    'select user_type, status, epic_user_id, session_id from participant_events where meeting_id = $1 order by id',
    [meetings[0]!.id],
  );
  expect(events).toEqual([
    { user_type: 'Patient', status: 'Connected', epic_user_id: 'PAT1', session_id: sessionId },
    { user_type: 'Provider', status: 'Connected', epic_user_id: 'EMP42', session_id: sessionId },
  ]);
  const providersRows = await query('select user_type from providers where integration_id = $1 and epic_user_id = $2', [integration.id, 'EMP42']);
  expect(providersRows).toEqual([{ user_type: 'Licensed' }]);
  await patient.context().close();
  await provider.context().close();
});

test('a provider whose phone is busy as the call starts makes one peer connection: the first view, the call\'s view and the relay credentials rendered at once do not make the link twice', async ({ browser }) => {
  const integration = await seedIntegration({ admittance_policy: 'automatic' });
  const sessionId = uniqueSessionId();
  const patient = await openRecordedPage(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT3', FirstName: 'Ana' }));
  await expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  const provider = await openRecordedPage(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP43', FirstName: 'Lee' }), { busyAtFirstEvents: true });
  await expectRemoteVideoPlaying(provider);
  await expectRemoteVideoPlaying(patient);
  for (const page of [provider, patient]) expect(await page.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.length)).toBe(1);
  await patient.context().close();
  await provider.context().close();
});

test('manual admittance: the patient waits until the provider clicks Admit', async ({ browser }) => {
  const integration = await seedWithLogo('manual');
  const sessionId = uniqueSessionId();
  const provider = await openAs(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP7', FirstName: 'Sam', LastName: 'Ortiz' }));
  await expect(provider.getByTestId('visit-status')).toHaveText('In the visit. No one else has joined yet.');
  const patient = await openAs(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT9', FirstName: 'Bo', LastName: 'Kim' }));
  await expect(patient.getByTestId('visit-status')).toContainText('Your provider will let you in soon');

  const waitingRoom = provider.getByRole('region', { name: 'Waiting room' });
  await expect(waitingRoom).toContainText('1 waiting to be admitted');
  await expect(provider).toHaveTitle(/^\(1\) waiting/);
  // Both are connected and nothing admits the patient but the provider: the admission only changes
  // in a connect (done) or an admit.
  expect(await query("select admission from participants where epic_user_id = 'PAT9'")).toEqual([{ admission: 'waiting' }]);
  await expect(patient.getByTestId('visit-status')).toContainText('Your provider will let you in soon');

  await waitingRoom.getByRole('button', { name: 'Admit Bo Kim' }).click();
  await expectRemoteVideoPlaying(patient);
  await expectRemoteVideoPlaying(provider);
  await expect(provider.getByRole('region', { name: 'Waiting room' })).toHaveCount(0);
  await expect(provider).not.toHaveTitle(/waiting/);
  await patient.context().close();
  await provider.context().close();
});

test('patient reloads and is straight back; provider leaves and the patient waits; provider ends and the patient records go', async ({ browser }) => {
  const integration = await seedWithLogo('manual');
  const sessionId = uniqueSessionId();
  const provider = await openAs(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP8' }));
  const patientLink = launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT5', FirstName: 'Cy' });
  const patient = await openAs(browser, patientLink);
  await provider.getByRole('button', { name: 'Admit Cy' }).click();
  await expectRemoteVideoPlaying(patient);

  await patient.reload();
  await expectRemoteVideoPlaying(patient);
  await expectRemoteVideoPlaying(provider);
  await expect(provider.getByRole('region', { name: 'Waiting room' })).toHaveCount(0);

  // The same link again also goes straight in.
  await patient.goto(patientLink);
  await expectRemoteVideoPlaying(patient);

  await provider.getByRole('button', { name: 'Leave' }).click();
  await expect(provider.getByRole('heading', { name: 'You left the visit' })).toBeVisible();
  await expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');

  await provider.getByRole('button', { name: 'Rejoin the visit' }).click();
  await expectRemoteVideoPlaying(patient);
  provider.once('dialog', (dialog) => void dialog.accept());
  await provider.getByRole('button', { name: 'End visit for everyone' }).click();
  await expect(provider.getByText('This visit has ended.')).toBeVisible();
  await expect(patient.getByText('This visit has ended.')).toBeVisible();

  const [meeting] = await query<{ id: string; state: string }>('select id, state from meetings where integration_id = $1', [integration.id]);
  expect(meeting!.state).toBe('ended');
  expect(await query("select * from participants where meeting_id = $1 and user_type = 'Patient'", [meeting!.id])).toEqual([]);
  const events = await query<{ user_type: string; status: string }>('select user_type, status from participant_events where meeting_id = $1 order by id', [meeting!.id]);
  expect(events.at(-1)).toBeDefined();
  const open = new Map<string, number>();
  for (const event of events) open.set(event.user_type, (open.get(event.user_type) ?? 0) + (event.status === 'Connected' ? 1 : -1));
  expect(Object.fromEntries(open)).toEqual({ Patient: 0, Provider: 0 });

  // The link still works, but only to say so: no new patient record for an ended visit.
  await patient.goto(patientLink);
  await expect(patient.getByText('This visit has ended.')).toBeVisible();
  expect(await query("select * from participants where meeting_id = $1 and user_type = 'Patient'", [meeting!.id])).toEqual([]);
  await patient.context().close();
  await provider.context().close();
});

test('a meeting ID without the launch session opens nothing', async ({ page }) => {
  const integration = await seedIntegration();
  const sessionId = uniqueSessionId();
  const patient = await openAs(page.context().browser()!, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT2' }));
  const meetingId = new URL(patient.url()).pathname.split('/').pop()!;
  const response = await page.goto(`/visit/${meetingId}`);
  expect(response!.status()).toBe(403);
  await expect(page.getByText('This visit cannot be opened here')).toBeVisible();
  const events = await page.request.get(`/api/visits/${meetingId}/events`);
  expect(events.status()).toBe(401);
  const action = await page.request.post(`/api/visits/${meetingId}/actions`, { data: { action: 'end' } });
  expect(action.status()).toBe(401);
  await patient.context().close();
});

test('up to four people at once: a fifth is told the visit is full, and someone already in is never refused', async ({ baseURL }) => {
  const integration = await seedIntegration();
  const sessionId = uniqueSessionId();
  const people = [
    { UserType: 'Provider' as const, ExternalID: 'EMP400' },
    { UserType: 'Patient' as const, ExternalID: 'PAT401' },
    { UserType: 'Patient' as const, ExternalID: 'PAT402' },
    { UserType: 'Patient' as const, ExternalID: 'PAT403' },
  ];
  const streams = [];
  for (const person of people) {
    const visitor = await launchVisitor(baseURL!, integration, { SessionID: sessionId, ...person });
    const stream = await openStream(baseURL!, visitor);
    await eventually(() => stream.state());
    streams.push(stream);
  }
  const fifth = await fetch(`${baseURL}${launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT405' })}`, { redirect: 'manual' });
  expect(fifth.status).toBe(200);
  expect(await fifth.text()).toContain('This visit is full');
  const [logged] = await query<{ outcome: string }>("select outcome from launch_log where epic_user_id = 'PAT405' order by id desc limit 1");
  expect(logged!.outcome).toBe('visit_full');
  // The provider, already in, relaunching from the same or another device: let in.
  const again = await fetch(`${baseURL}${launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP400' })}`, { redirect: 'manual' });
  expect(again.status).toBe(303);
  // Once someone leaves, the fifth gets in.
  streams[3]!.close();
  await expect
    .poll(async () => (await fetch(`${baseURL}${launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT405' })}`, { redirect: 'manual' })).status)
    .toBe(303);
  for (const stream of streams) stream.close();
});

test("an integration's Largest visit of 2: a third person is told the visit is full, at launch and on a stream opened late; the two in are never refused", async ({ baseURL }) => {
  const integration = await seedIntegration({ largest_visit: 2 });
  const sessionId = uniqueSessionId();
  const provider = await launchVisitor(baseURL!, integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP410' });
  // Launched while there was room, but not yet connected.
  const late = await launchVisitor(baseURL!, integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT412' });
  const patient = await launchVisitor(baseURL!, integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT411' });
  const streams = [await openStream(baseURL!, provider), await openStream(baseURL!, patient)];
  for (const stream of streams) await eventually(() => stream.state());

  const third = await fetch(`${baseURL}${launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT413' })}`, { redirect: 'manual' });
  expect(await third.text()).toContain('This visit is full');
  const lateStream = await openStream(baseURL!, late);
  expect((await eventually(() => lateStream.state()))['stage']).toBe('full');
  lateStream.close();
  const again = await fetch(`${baseURL}${launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT411' })}`, { redirect: 'manual' });
  expect(again.status).toBe(303);
  for (const stream of streams) stream.close();
});
