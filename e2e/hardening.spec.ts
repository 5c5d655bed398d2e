import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import bcrypt from 'bcryptjs';
import { OWNER, signIn } from './support/admin';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';
import { eventSourceStates, eventually, launchVisitor, openStream, openStreamConnection, RECORD_EVENT_SOURCES } from './support/visit';

// What one client may do to the others, tried with crafted requests rather than a page.
const baseUrl = () => process.env.E2E_BASE_URL!;
const EventSource_OPEN = 1;
const EventSource_CLOSED = 2;

test.use({ storageState: { cookies: [], origins: [] } });

test.describe('push streams', () => {
  test('the newest stream of a participant wins: the older one is told "replaced" at once and closed', async () => {
    const integration = await seedIntegration();
    const patient = await launchVisitor(baseUrl(), integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT1' });
    const first = await openStream(baseUrl(), patient);
    await eventually(() => first.state());
    const second = await openStream(baseUrl(), patient);
    // Long before the next heartbeat (15 s).
    await Promise.race([first.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the older stream stayed open')), 3000))]);
    expect(first.events.map((entry) => entry.event)).toContain('replaced');
    const current = await eventually(() => second.state());
    expect(current.connectionId).toEqual(expect.any(String));
    const [row] = await query<{ connection_id: string }>('select connection_id from participants where meeting_id = $1', [patient.meetingId]);
    expect(row!.connection_id).toBe(current.connectionId);
    second.close();
  });

  test('a flood of stream opens from one cookie is refused with 429 and leaves one connection', async () => {
    const integration = await seedIntegration();
    const patient = await launchVisitor(baseUrl(), integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT2' });
    const streams = await Promise.all(Array.from({ length: 60 }, () => openStream(baseUrl(), patient)));
    const statuses = streams.map((stream) => stream.status);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(50);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    // Every admitted stream but the newest was replaced; the server still answers everyone else.
    await eventually(() => streams.filter((stream) => stream.status === 200 && !stream.events.some((entry) => entry.event === 'replaced')).length === 1);
    expect((await fetch(`${baseUrl()}/api/health`)).status).toBe(200);
    const events = await query<{ status: string }>('select status from participant_events where meeting_id = $1', [patient.meetingId]);
    expect(events).toEqual([{ status: 'Connected' }]);
    for (const stream of streams) stream.close();
  });

  test('a replaced visit page says so and does not reconnect', async ({ browser }) => {
    const integration = await seedIntegration({ admittance_policy: 'manual' });
    const link = launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT3', FirstName: 'Ana' });
    const phone = await openPage(browser, link);
    await expect(phone.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
    const phoneConnection = await openStreamConnection(phone, 'PAT3');
    const laptop = await openPage(browser, link);
    await expect(laptop.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
    await expect(phone.getByText('You joined from another device')).toBeVisible();
    expect(await openStreamConnection(laptop, 'PAT3')).not.toBe(phoneConnection);
    // Everything that makes a page come back (woken, shown, back online) leaves this one closed:
    // its one stream is closed and it opens no other (a page opens its stream in the handler itself).
    await phone.evaluate(() => {
      for (const type of ['online', 'pageshow']) window.dispatchEvent(new Event(type));
      document.dispatchEvent(new Event('visibilitychange'));
    });
    expect(await eventSourceStates(phone)).toEqual([EventSource_CLOSED]);
    const events = await query<{ status: string }>("select status from participant_events where epic_user_id = 'PAT3' order by id");
    expect(events).toEqual([{ status: 'Connected' }]);
    await phone.context().close();
    await laptop.context().close();
  });

  test('a page told again and again that it is back while its stream is still connecting keeps that stream, and Epic hears one Connected', async ({ browser }) => {
    const integration = await seedIntegration({ admittance_policy: 'manual' });
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    await context.addInitScript(RECORD_EVENT_SOURCES);
    // A phone waking up: "online", "pageshow" and "visibilitychange" arrive as the page opens its stream.
    await context.addInitScript(() => {
      const Recorded = window.EventSource;
      window.EventSource = class extends Recorded {
        constructor(url: string | URL, init?: EventSourceInit) {
          super(url, init);
          if ((window as unknown as { __eventSources: EventSource[] }).__eventSources.length === 1) {
            queueMicrotask(() => {
              for (let index = 0; index < 5; index++) window.dispatchEvent(new Event('online'));
              document.dispatchEvent(new Event('visibilitychange'));
            });
          }
        }
      } as typeof EventSource;
    });
    const page = await context.newPage();
    await page.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT30', FirstName: 'Ana' }));
    await expect(page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
    const connection = await openStreamConnection(page, 'PAT30');
    expect(await eventSourceStates(page)).toEqual([EventSource_OPEN]);
    const [row] = await query<{ connection_id: string }>("select connection_id from participants where epic_user_id = 'PAT30'");
    expect(row!.connection_id).toBe(connection);
    expect(await query<{ status: string }>("select status from participant_events where epic_user_id = 'PAT30' order by id")).toEqual([{ status: 'Connected' }]);
    await context.close();
  });
});

test.describe('media signals', () => {
  test("a waiting patient's crafted offer to the provider is refused; an admitted patient's goes through", async () => {
    const integration = await seedIntegration({ admittance_policy: 'manual' });
    const sessionId = uniqueSessionId();
    const provider = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP1' });
    const patient = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT4' });
    const providerStream = await openStream(baseUrl(), provider);
    const patientStream = await openStream(baseUrl(), patient);
    const providerConnection = (await eventually(() => providerStream.state()?.connectionId)) as string;
    await eventually(() => (providerStream.state()?.waiting as unknown[] | undefined)?.length === 1);
    const patientState = await eventually(() => patientStream.state()?.stage === 'waiting-for-admission' && patientStream.state());

    const offer = { description: { type: 'offer', sdp: 'v=0\r\n' } };
    const crafted = await signal(patient, { from: patientState.connectionId as string, to: providerConnection, payload: offer });
    expect(crafted.status).toBe(403);
    expect(providerStream.events.some((entry) => entry.event === 'signal')).toBe(false);

    const patientId = (providerStream.state()!.waiting as Array<{ participantId: string }>)[0]!.participantId;
    const admitted = await fetch(`${baseUrl()}/api/visits/${provider.meetingId}/actions`, { method: 'POST', headers: { Cookie: provider.cookie }, body: JSON.stringify({ action: 'admit', participantId: patientId }) });
    expect(admitted.status).toBe(204);
    await eventually(() => patientStream.state()?.stage === 'in-call');
    const allowed = await signal(patient, { from: patientState.connectionId as string, to: providerConnection, payload: offer });
    expect(allowed.status).toBe(204);
    await eventually(() => providerStream.events.some((entry) => entry.event === 'signal'));
    providerStream.close();
    patientStream.close();
  });
});

test.describe('cookies', () => {
  test('behind a trusted TLS proxy every cookie is Secure, though NEXTAUTH_URL says http; without its word, none is', async () => {
    const integration = await seedIntegration();
    const link = launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT60' });
    const overTls = await fetch(`${baseUrl()}${link}`, { redirect: 'manual', headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.60' } });
    const visitCookies = overTls.headers.getSetCookie();
    expect(visitCookies).toHaveLength(2);
    for (const cookie of visitCookies) expect(cookie).toMatch(/;\s*Secure/i);
    const csrf = await fetch(`${baseUrl()}/api/auth/csrf`, { headers: { 'X-Forwarded-Proto': 'https' } });
    expect(csrf.headers.getSetCookie().length).toBeGreaterThan(0);
    for (const cookie of csrf.headers.getSetCookie()) expect(cookie).toMatch(/;\s*Secure/i);
    const plain = await fetch(`${baseUrl()}${launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT61' })}`, { redirect: 'manual' });
    for (const cookie of plain.headers.getSetCookie()) expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  test("a visit's cookie goes only to that visit's paths: after 80 visits a request still carries a few hundred bytes of cookies", async ({ browser }) => {
    test.setTimeout(120_000);
    const integration = await seedIntegration();
    const context = await browser.newContext();
    const launches: number[] = [];
    let meetingId = '';
    for (let visit = 0; visit < 80; visit++) {
      const response = await context.request.get(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Provider', ExternalID: 'EMP80', FirstName: 'Busy' }), { maxRedirects: 0 });
      launches.push(response.status());
      meetingId = response.headers()['location']!.split('/').pop()!;
    }
    expect(launches.every((status) => status === 303)).toBe(true);
    const page = await context.newPage();
    const cookieHeaders: number[] = [];
    page.on('request', (request) => void request.headerValue('cookie').then((value) => cookieHeaders.push(value?.length ?? 0)));
    await page.goto(`/visit/${meetingId}`);
    await expect(page.getByTestId('visit-status')).toBeVisible();
    await openStreamConnection(page, 'EMP80');
    expect(cookieHeaders.length).toBeGreaterThan(1);
    expect(Math.max(...cookieHeaders)).toBeLessThan(1024);
    const all = await context.cookies();
    expect(all.filter((cookie) => cookie.name.startsWith('tv_visit') && cookie.path === '/')).toEqual([]);
    await context.close();
  });
});

test.describe('relay credentials', () => {
  test('only people in the call get STUN/TURN settings: not while waiting, not once removed, not after the visit', async () => {
    const integration = await seedIntegration({ admittance_policy: 'manual' });
    const sessionId = uniqueSessionId();
    const provider = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP50' });
    const patient = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT50' });
    const ice = (visitor: typeof patient) => fetch(`${baseUrl()}/api/visits/${visitor.meetingId}/ice`, { headers: { Cookie: visitor.cookie } }).then((response) => response.status);
    const act = (body: Record<string, unknown>) => fetch(`${baseUrl()}/api/visits/${provider.meetingId}/actions`, { method: 'POST', headers: { Cookie: provider.cookie }, body: JSON.stringify(body) });
    const providerStream = await openStream(baseUrl(), provider);
    let patientStream = await openStream(baseUrl(), patient);
    await eventually(() => patientStream.state()?.stage === 'waiting-for-admission');
    expect(await ice(patient)).toBe(403);
    expect(patientStream.events.some((entry) => entry.event === 'ice')).toBe(false);
    // The provider, in the call, was sent them on the stream, before the view that lets it call.
    const providerEvents = providerStream.events.map((entry) => entry.event);
    expect(providerEvents.indexOf('ice')).toBeGreaterThanOrEqual(0);
    expect(providerEvents.indexOf('ice')).toBeLessThan(providerEvents.indexOf('state'));
    expect(await ice(provider)).toBe(200);

    const patientId = (patientStream.state()!.me as { participantId: string }).participantId;
    expect((await act({ action: 'admit', participantId: patientId })).status).toBe(204);
    await eventually(() => patientStream.events.some((entry) => entry.event === 'ice'));
    expect(await ice(patient)).toBe(200);

    expect((await act({ action: 'remove', participantId: patientId })).status).toBe(204);
    await patientStream.ended;
    patientStream = await openStream(baseUrl(), patient);
    await eventually(() => patientStream.state()?.stage === 'removed');
    expect(await ice(patient)).toBe(403);
    expect((await act({ action: 'end' })).status).toBe(204);
    expect(await ice(provider)).toBe(403);
    providerStream.close();
    patientStream.close();
  });
});

test.describe('signal floods', () => {
  test("an admitted patient flooding the provider with signals is refused; the provider's stream stays, and Epic hears no Disconnected", async () => {
    const integration = await seedIntegration({ admittance_policy: 'automatic' });
    const sessionId = uniqueSessionId();
    const provider = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP40' });
    const patient = await launchVisitor(baseUrl(), integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT40' });
    const providerStream = await openStream(baseUrl(), provider);
    const patientStream = await openStream(baseUrl(), patient);
    await eventually(() => patientStream.state()?.stage === 'in-call');
    const to = providerStream.state()!.connectionId as string;
    const from = patientStream.state()!.connectionId as string;
    // The provider's phone reads slowly: nothing more of its stream is read from now on.
    providerStream.pause();
    const candidate = { link: 'l1', candidate: { candidate: 'x'.repeat(60_000), sdpMid: '0' } };
    const statuses: number[] = [];
    for (let wave = 0; wave < 5; wave++) {
      statuses.push(...(await Promise.all(Array.from({ length: 20 }, () => signal(patient, { from, to, payload: candidate }).then((response) => response.status)))));
    }
    expect(statuses.filter((status) => status === 429 || status === 503).length).toBeGreaterThan(80);
    expect(statuses.every((status) => [204, 429, 503].includes(status))).toBe(true);
    // The provider is still connected on the same stream.
    const [row] = await query<{ connection_id: string }>("select connection_id from participants where epic_user_id = 'EMP40'");
    expect(row!.connection_id).toBe(to);
    providerStream.resume();
    await eventually(() => providerStream.events.some((entry) => entry.event === 'signal'));
    expect(await query("select 1 from participant_events where epic_user_id = 'EMP40' and status = 'Disconnected'")).toEqual([]);
    providerStream.close();
    patientStream.close();
  });
});

test.describe('request bodies', () => {
  test('a chunked body over the limit is answered 413 early, and the server stays up', async () => {
    const integration = await seedIntegration();
    const patient = await launchVisitor(baseUrl(), integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT5' });
    const answer = await chunkedPost(`/api/visits/${patient.meetingId}/signal`, 50, { Cookie: patient.cookie });
    expect(answer.status).toBe(413);
    expect((await fetch(`${baseUrl()}/api/health`)).status).toBe(200);
  });

  test('a device-test result without a session is answered at once, its body unread', async () => {
    const answer = await chunkedPost('/api/device-test/result', 1);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ sent: false });
  });

  test("device-test results are limited per launch: the sixth in a row is refused, and Epic hears five", async ({ page }) => {
    const integration = await seedIntegration();
    const sessionId = uniqueSessionId();
    await page.goto(launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT6' }, '&mode=devicetest'));
    const report = { camera: 'Passed', microphone: 'Passed', speaker: 'Passed', network: { result: 'Passed', roundTripMs: 20, bitrateKbps: 5000 } };
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++) statuses.push((await page.request.post('/api/device-test/result', { data: report })).status());
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const rows = await query('select id from notifications where kind = $1 and session_id = $2', ['device_test', sessionId]);
    expect(rows).toHaveLength(5);
  });
});

test.describe('refused before the app', () => {
  test('server actions from a foreign origin, without a length, or over the limit get 4xx, not 500', async () => {
    const cases: Array<[Record<string, string>, string | Buffer | undefined, number]> = [
      [{ Origin: 'https://evil.example', 'Content-Type': 'text/plain' }, '[]', 403],
      [{ 'Content-Type': 'multipart/form-data; boundary=x', 'Content-Length': String(50 * 1024 * 1024) }, undefined, 413],
    ];
    for (const [headers, body, status] of cases) {
      const response = await rawRequest('POST', '/admin/settings', { 'Next-Action': '0123456789abcdef', ...headers }, body);
      expect(response.status).toBe(status);
    }
    const chunked = await chunkedPost('/admin/settings', 1, { 'Next-Action': '0123456789abcdef' });
    expect(chunked.status).toBe(411);
  });

  test('sign-out with a foreign callbackUrl is not a 500', async ({ request }) => {
    const csrf = await request.get('/api/auth/csrf');
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const response = await request.post('/api/auth/signout', { form: { csrfToken, callbackUrl: 'https://evil.example/phish', json: 'true' }, maxRedirects: 0 });
    expect(response.status()).toBeLessThan(500);
    const body = await response.text();
    expect(body).not.toContain('evil.example');
  });

  test('a launch link over the 16 KB header limit gets 431, and the server stays up', async () => {
    const response = await rawRequest('GET', `/launch?key=abcdefgh&data=${'A'.repeat(17 * 1024)}`, {});
    expect(response.status).toBe(431);
    expect((await fetch(`${baseUrl()}/api/health`)).status).toBe(200);
  });
});

test.describe('launch links from strangers', () => {
  test('a NUL or a newline in key is refused like any bad link, logged escaped on one line', async ({ request }) => {
    for (const key of ['%00abcdefgh', 'abcdefgh%0A[launch] refused: forged']) {
      const response = await request.get(`/launch?key=${key}&data=x`);
      expect(response.status()).toBe(400);
    }
    const rows = await query<{ encryption_key: string; outcome: string }>("select encryption_key, outcome from launch_log where strpos(encryption_key, '\\u00') > 0 order by id");
    expect(rows).toEqual([
      { encryption_key: '\\u0000abcdefgh', outcome: 'unknown_key' },
      { encryption_key: 'abcdefgh\\u000a[launch] refused: forged', outcome: 'unknown_key' },
    ]);
    const log = readFileSync(path.resolve('test-results/app-server.log'), 'utf8');
    expect(log).not.toMatch(/^\[launch\] refused: forged/m);
  });
});

test('an admin whose password hash predates argon2 signs in, and the hash is upgraded', async ({ page }) => {
  const email = 'legacy@hospital.example';
  await query('insert into admins (email, password_hash) values ($1, $2)', [email, bcrypt.hashSync(OWNER.password, 10)]);
  await signIn(page, email, OWNER.password);
  await expect(page).toHaveURL(/\/admin\/settings$/);
  const [row] = await query<{ password_hash: string }>('select password_hash from admins where email = $1', [email]);
  expect(row!.password_hash).toMatch(/^\$argon2id\$/);
  await query('delete from admins where email = $1', [email]);
});

async function openPage(browser: Browser, link: string) {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  await context.addInitScript(RECORD_EVENT_SOURCES);
  const page = await context.newPage();
  await page.goto(link);
  return page;
}

function signal(visitor: { meetingId: string; cookie: string }, body: Record<string, unknown>) {
  return fetch(`${baseUrl()}/api/visits/${visitor.meetingId}/signal`, { method: 'POST', headers: { Cookie: visitor.cookie, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

function rawRequest(method: string, requestPath: string, headers: Record<string, string>, body?: string | Buffer): Promise<{ status: number; text: string }> {
  const target = new URL(baseUrl());
  return new Promise((resolve, reject) => {
    // A connection of its own: a request that lies about its length must not poison the next one.
    const request = http.request({ host: target.hostname, port: target.port, path: requestPath, method, headers, agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Posts a chunked JSON body that never ends: its start, then up to `megabytes` more, a megabyte
 * every 20 ms (as a slow uplink would; between two the client reads what came back, so a server
 * that answers and closes is heard, not mistaken for a broken pipe), and no last chunk. An answer
 * can only be one given before the body ended: a server that waited to read it all would never
 * answer, and the test would time out.
 */
function chunkedPost(requestPath: string, megabytes: number, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const target = new URL(baseUrl());
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = http.request(
      { host: target.hostname, port: target.port, path: requestPath, method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', ...headers } },
      (response) => {
        answered = true;
        let text = '';
        response.on('data', (data: Buffer) => (text += data.toString()));
        response.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          request.destroy();
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    request.on('error', (error) => {
      clearInterval(timer);
      if (!answered) reject(error);
    });
    request.write('{"x":"');
    const timer = setInterval(() => {
      if (answered || sent >= megabytes) return clearInterval(timer);
      sent++;
      request.write(chunk);
    }, 20);
  });
}
