import { expect, test, type Browser, type Page } from '@playwright/test';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';
import { eventually, openStream } from './support/visit';
import { expectRemoteVideoPlaying } from './support/webrtc';

// Epic monitor calls: a device in a patient's room, paired once, is called into a visit by a
// provider's launch that names the room (RoomName), and joins by itself.

test.describe.configure({ mode: 'serial' });

async function newPage(browser: Browser, width = 1024): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, storageState: { cookies: [], origins: [] } });
  return context.newPage();
}

/** Adds a room on the admin page and returns the pairing code it shows once. */
async function addRoom(page: Page, integrationName: string, name: string, location = ''): Promise<string> {
  await page.goto('/admin/rooms');
  await page.getByLabel('Integration', { exact: true }).first().selectOption({ label: integrationName });
  await page.getByLabel('Room name').fill(name);
  await page.getByLabel('Location (optional)').fill(location);
  await page.getByRole('button', { name: 'Add room' }).click();
  const code = page.getByTestId('pairing-code');
  await expect(code).toHaveText(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
  return (await code.textContent())!;
}

async function pair(device: Page, code: string) {
  await device.goto('/room');
  await device.getByLabel('Pairing code').fill(code.toLowerCase());
  await device.getByRole('button', { name: 'Pair this device' }).click();
}

test('a room pairs once, is called by a provider launch with its RoomName, joins with video by itself, and goes back to idle when the provider ends', async ({ page, browser }) => {
  page.on('dialog', (dialog) => dialog.accept());
  const integration = await seedIntegration({ name: `Rooms ${Date.now()}` });
  const [{ name: integrationName }] = (await query<{ name: string }>('select name from integrations where id = $1', [integration.id])) as [{ name: string }];

  // Validation on both sides: an empty name is refused in the page.
  await page.goto('/admin/rooms');
  await page.getByRole('button', { name: 'Add room' }).click();
  await expect(page.locator('#room-name-error')).toHaveText("Enter the room's name as Epic sends it (RoomName)");

  const code = await addRoom(page, integrationName, 'ICU Bed 12', 'ICU, east wing');
  // The same name twice in one integration is refused by the server.
  await page.getByLabel('Room name').fill('ICU Bed 12');
  await page.getByRole('button', { name: 'Add room' }).click();
  await expect(page.locator('#room-name-error')).toHaveText('This integration already has a room with this name');
  const [stored] = await query<{ pairing_code_hash: string }>("select pairing_code_hash from rooms where name = 'ICU Bed 12'");
  expect(stored!.pairing_code_hash).toMatch(/^[0-9a-f]{64}$/);
  expect(stored!.pairing_code_hash).not.toContain(code.replace('-', ''));

  const device = await newPage(browser);
  // A wrong code is refused, and says so.
  await pair(device, 'AAAAA-BBBBB');
  await expect(device.locator('#pairing-code-error')).toHaveText('That code is not valid or has expired. Ask an admin for a new one.');
  await pair(device, code);
  await expect(device.getByTestId('room-name')).toHaveText('ICU Bed 12');
  await expect(device.getByTestId('room-status')).toHaveText('Ready for video calls');
  // The code works once.
  const other = await newPage(browser);
  await pair(other, code);
  await expect(other.locator('#pairing-code-error')).toHaveText(/not valid or has expired/);
  await other.context().close();

  await page.reload();
  await expect(page.getByRole('row', { name: 'ICU Bed 12' }).getByTestId('room-device-state')).toHaveText('Online');

  // The provider calls the room from Epic.
  const sessionId = uniqueSessionId();
  const provider = await newPage(browser);
  await provider.goto(launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP7', FirstName: 'Lee', LastName: 'Chen', RoomName: 'ICU Bed 12' }));
  await expect(device).toHaveURL(/\/visit\/[0-9a-f-]{36}$/, { timeout: 15_000 });
  await expectRemoteVideoPlaying(provider, { name: 'ICU Bed 12' });
  await expectRemoteVideoPlaying(device, { name: 'Lee Chen' });
  await expect(device.getByTestId('visit-status')).toHaveText('Call from Lee Chen');

  const [meeting] = await query<{ id: string }>('select id from meetings where integration_id = $1', [integration.id]);
  const events = await query<{ user_type: string; status: string }>('select user_type, status from participant_events where meeting_id = $1 order by id', [meeting!.id]);
  expect(events).toEqual(expect.arrayContaining([{ user_type: 'Room', status: 'Connected' }, { user_type: 'Provider', status: 'Connected' }]));
  // Epic hears about the provider, never about the room.
  expect(await query("select 1 from notifications where meeting_id = $1 and user_type = 'Room'", [meeting!.id])).toHaveLength(0);

  provider.on('dialog', (dialog) => dialog.accept());
  await provider.getByRole('button', { name: 'End visit for everyone' }).click();
  await expect(device).toHaveURL(/\/room$/, { timeout: 15_000 });
  await expect(device.getByTestId('room-status')).toHaveText('Ready for video calls');
  const after = await query<{ user_type: string; status: string }>("select user_type, status from participant_events where meeting_id = $1 and user_type = 'Room' order by id", [meeting!.id]);
  expect(after).toEqual([{ user_type: 'Room', status: 'Connected' }, { user_type: 'Room', status: 'Disconnected' }]);

  // Unpaired by an admin: the device is signed out at once and asks for a code again.
  await page.goto('/admin/rooms');
  await page.getByRole('button', { name: "Unpair ICU Bed 12's device" }).click();
  await expect(device.getByLabel('Pairing code')).toBeVisible({ timeout: 15_000 });
  await provider.context().close();
  await device.context().close();
});

test('the room leaves when the provider who called it leaves', async ({ page, browser }) => {
  const integration = await seedIntegration({ name: `Rooms leave ${Date.now()}` });
  const [{ name: integrationName }] = (await query<{ name: string }>('select name from integrations where id = $1', [integration.id])) as [{ name: string }];
  const code = await addRoom(page, integrationName, 'Room 4');
  const device = await newPage(browser);
  await pair(device, code);
  await expect(device.getByTestId('room-status')).toHaveText('Ready for video calls');
  const provider = await newPage(browser);
  await provider.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Provider', ExternalID: 'EMP8', FirstName: 'Ada', RoomName: 'Room 4' }));
  await expectRemoteVideoPlaying(device, { name: 'Ada' });
  await provider.getByRole('button', { name: 'Leave' }).click();
  await expect(device).toHaveURL(/\/room$/, { timeout: 20_000 });
  // Hung up: its place in the call is over (not called, not connected), so opening the room
  // screen again finds no call to join, and the visit's cookie is gone from the device.
  const [place] = await query<{ called_at: Date | null; connection_id: string | null }>("select called_at, connection_id from participants where user_type = 'Room' and first_name = 'Room 4'");
  expect(place).toEqual({ called_at: null, connection_id: null });
  await device.reload();
  await expect(device.getByTestId('room-status')).toHaveText('Ready for video calls');
  expect((await device.context().cookies()).filter((cookie) => cookie.name === 'tv_visit')).toEqual([]);
  await provider.context().close();
  await device.context().close();
});

test('a room the provider removes, or whose device is unpaired, is out of the call at once, and its visit cookie opens nothing', async ({ page, browser }) => {
  page.on('dialog', (dialog) => dialog.accept());
  const integration = await seedIntegration({ name: `Rooms out ${Date.now()}` });
  const [{ name: integrationName }] = (await query<{ name: string }>('select name from integrations where id = $1', [integration.id])) as [{ name: string }];
  const code = await addRoom(page, integrationName, 'Bay 5');
  const device = await newPage(browser);
  await pair(device, code);
  await expect(device.getByTestId('room-status')).toHaveText('Ready for video calls');
  const provider = await newPage(browser);
  await provider.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Provider', ExternalID: 'EMP11', FirstName: 'Ada', RoomName: 'Bay 5' }));
  await expectRemoteVideoPlaying(device, { name: 'Ada' });
  const meetingId = new URL(provider.url()).pathname.split('/').at(-1)!;
  const [room] = await query<{ id: string }>("select id from participants where meeting_id = $1 and user_type = 'Room'", [meetingId]);
  const deviceCookie = (await device.context().cookies()).find((cookie) => cookie.name === 'tv_visit')!;
  expect(deviceCookie.path).toMatch(/^\/(visit|api\/visits)\/[0-9a-f-]{36}$/);
  const act = (action: string) => provider.context().request.post(`/api/visits/${meetingId}/actions`, { data: { action, participantId: room!.id } });

  // The provider removes the room: it leaves the call and goes back to its idle screen.
  expect((await act('remove')).status()).toBe(204);
  await expect(device).toHaveURL(/\/room$/, { timeout: 15_000 });
  expect(await streamStage(meetingId, deviceCookie.value)).toBe('removed');
  // Let back in: the room is called again and joins by itself.
  expect((await act('readmit')).status()).toBe(204);
  await expect(device).toHaveURL(/\/visit\//, { timeout: 15_000 });
  await expectRemoteVideoPlaying(provider, { name: 'Bay 5' });

  // Unpaired in the middle of the call: out of it at once, and Epic-style events say so.
  const rejoined = (await device.context().cookies()).find((cookie) => cookie.name === 'tv_visit')!;
  await page.goto('/admin/rooms');
  await page.getByRole('button', { name: "Unpair Bay 5's device" }).click();
  await expect(device.getByLabel('Pairing code')).toBeVisible({ timeout: 15_000 });
  await expect.poll(async () => (await query<{ connection_id: string | null }>('select connection_id from participants where id = $1', [room!.id]))[0]!.connection_id).toBeNull();
  expect(await streamStage(meetingId, rejoined.value)).toBe('gone');
  const statuses = await query<{ status: string }>('select status from participant_events where participant_id = $1 order by id', [room!.id]);
  expect(statuses.map((row) => row.status)).toEqual(['Connected', 'Disconnected', 'Connected', 'Disconnected']);
  await provider.context().close();
  await device.context().close();
});

test('an unknown or offline room gives the provider a clear message and the launch log says why; an unpaired device is refused', async ({ page, browser, request }) => {
  const integration = await seedIntegration({ name: `Rooms missing ${Date.now()}` });
  const [{ name: integrationName }] = (await query<{ name: string }>('select name from integrations where id = $1', [integration.id])) as [{ name: string }];
  await addRoom(page, integrationName, 'Room 9');

  const provider = await newPage(browser, 390);
  await provider.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Provider', ExternalID: 'EMP9', RoomName: 'Room 99' }));
  await expect(provider.getByTestId('room-notice')).toHaveText(/The room “Room 99” is not set up in Televisit, so it was not called/);
  await provider.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Provider', ExternalID: 'EMP9', RoomName: 'Room 9' }));
  await expect(provider.getByTestId('room-notice')).toHaveText(/The room “Room 9” is offline, so it was not called/);
  const log = await query<{ outcome: string; detail: string }>("select outcome, detail from launch_log where integration_id = $1 and outcome like 'room_%' order by id", [integration.id]);
  expect(log).toEqual([
    { outcome: 'room_unknown', detail: 'no room of this integration is named "Room 99"' },
    { outcome: 'room_offline', detail: 'the device of room "Room 9" is not connected' },
  ]);
  await page.goto(`/admin/launch-log`);
  await expect(page.getByText('room_offline').first()).toBeVisible();

  // Without a device credential: no room stream, no way into a visit, and the page asks for a code.
  const stream = await request.get('/api/room/events', { headers: { Cookie: '' } });
  expect(stream.status()).toBe(401);
  expect(await stream.json()).toMatchObject({ error: 'unauthorized', message: 'This device is not paired with a room' });
  const [meeting] = await query<{ id: string }>('select id from meetings where integration_id = $1 limit 1', [integration.id]);
  const stranger = await newPage(browser);
  await stranger.context().addCookies([{ name: 'tv_room', value: 'forged-credential', url: new URL(page.url()).origin }]);
  await stranger.goto(`/room/join/${meeting!.id}`);
  await expect(stranger).toHaveURL(/\/room$/);
  await expect(stranger.getByLabel('Pairing code')).toBeVisible();
  // A malformed code, or no JSON at all, is a 4xx with a message, never a 500.
  const bad = await request.post('/api/room/pair', { data: { code: 'x' } });
  expect(bad.status()).toBe(422);
  const notJson = await request.post('/api/room/pair', { data: 'code=1', headers: { 'Content-Type': 'text/plain' } });
  expect(notJson.status()).toBeGreaterThanOrEqual(400);
  expect(notJson.status()).toBeLessThan(500);
  await provider.context().close();
  await stranger.context().close();
});

/** What the visit's push stream says to a cookie: the stage of its first state, then it is closed. */
async function streamStage(meetingId: string, cookie: string): Promise<string> {
  const stream = await openStream(process.env.E2E_BASE_URL!, { meetingId, cookie: `tv_visit=${cookie}` });
  try {
    return (await eventually(() => stream.state()?.stage as string | undefined)) ?? '';
  } finally {
    stream.close();
  }
}
