import net from 'node:net';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startApp, type AppServer } from './support/app-server';
import { prepareEmbeddedData } from './support/embedded-app';
import { uniqueSessionId } from './support/epic';
import { launchVisitor, openStream, type LaunchedVisitor, type OpenStream } from './support/visit';

// What a stranger can start on the socket, tried against a server of its own on the embedded
// database, with no trusted proxy: idle connections, forwarded headers it must not believe, and a
// thousand push streams opened at once.
const PORT = 3216;
const IDLE_MAX = 100;
/** A thousand visitors launch from this one address: the per-address launch limit is raised for it. */
const LAUNCHES_FROM_ONE_ADDRESS = '100000';

test.describe('socket limits', () => {
  test.describe.configure({ mode: 'serial' });
  test.use({ storageState: { cookies: [], origins: [] }, baseURL: `http://127.0.0.1:${PORT}` });
  let app: AppServer | undefined;
  let data: Awaited<ReturnType<typeof prepareEmbeddedData>>;
  const integration = () => ({ id: data.integration.id, encryptionKey: data.integration.encryptionKey, secret: data.integration.secret });

  test.beforeAll(async () => {
    data = await prepareEmbeddedData({ admittancePolicy: 'automatic' });
    app = await startApp({ port: PORT, env: { ...data.env, IDLE_CONNECTIONS_MAX: String(IDLE_MAX), LAUNCH_RATE_PER_MINUTE: LAUNCHES_FROM_ONE_ADDRESS }, logFile: path.resolve('test-results/app-server-socket-limits.log') });
  });
  test.afterAll(async () => {
    await app?.stop();
  });

  test('a connection that sends no request is closed after a while; kept-alive idle ones past the cap are closed, oldest first', async () => {
    const silent = await Promise.all(Array.from({ length: 20 }, () => openSocket(PORT)));
    let closedCount = 0;
    let enoughClosed!: () => void;
    const closedEnough = new Promise<void>((resolve) => (enoughClosed = resolve));
    const kept: net.Socket[] = [];
    for (let index = 0; index < 4 * IDLE_MAX; index++) {
      const socket = await openSocket(PORT);
      await askHealth(socket);
      socket.once('close', () => ++closedCount >= 3 * IDLE_MAX && enoughClosed());
      kept.push(socket);
    }
    // All but the newest IDLE_MAX kept-alive connections are closed by the server, the oldest first.
    await closedEnough;
    expect(kept.at(-1)!.destroyed).toBe(false);
    expect(kept[0]!.destroyed).toBe(true);
    // The silent ones go too (after 10 s), and the server goes on answering.
    await Promise.all(silent.map((socket) => (socket.destroyed ? undefined : new Promise<void>((resolve) => socket.once('close', () => resolve())))));
    expect((await fetch(`${app!.url}/api/health`)).status).toBe(200);
    for (const socket of kept) socket.destroy();
  });

  test("without a trusted proxy, a client's X-Forwarded-Host and X-Forwarded-Proto are not believed", async () => {
    // A server action from a foreign page that names itself as the host: still foreign.
    const action = await fetch(`${app!.url}/admin/settings`, {
      method: 'POST',
      headers: { Origin: 'https://evil.example', 'X-Forwarded-Host': 'evil.example', 'Next-Action': 'x', 'Content-Type': 'text/plain' },
      body: '[]',
    });
    expect(action.status).toBe(403);
    expect(await action.json()).toMatchObject({ error: 'foreign_origin' });
    // A client that says it came over TLS does not make cookies Secure (only a trusted proxy can).
    const csrf = await fetch(`${app!.url}/api/auth/csrf`, { headers: { 'X-Forwarded-Proto': 'https' } });
    const cookies = csrf.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  test('a thousand push streams opened at once are each answered (connected, or told to come back), and the server stays up', async () => {
    test.setTimeout(180_000);
    const visitors: LaunchedVisitor[] = [];
    for (let batch = 0; batch < 20; batch++) {
      visitors.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, index) =>
            launchVisitor(app!.url, integration(), { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: `P${batch}x${index}` }),
          ),
        )),
      );
    }
    const opening = visitors.map((visitor) => openStream(app!.url, visitor));
    let answeredSoFar = 0;
    for (const open of opening) void open.then(() => answeredSoFar++, () => answeredSoFar++);
    // Once the server has begun answering, someone else asks it something: the thousand are being
    // connected (each a transaction on the embedded database), and it answers between them, not
    // after them all (a held-up event loop also leaves requests unread past their timeouts).
    await Promise.race(opening);
    expect((await fetch(`${app!.url}/api/health`)).status).toBe(200);
    const answeredBeforeHealth = answeredSoFar;
    const streams = await Promise.all(opening);
    expect(answeredBeforeHealth).toBeLessThan(streams.length / 2);
    const answered = async (stream: OpenStream) => {
      if (stream.status !== 200) return stream.status;
      // A stream that was let in says where the person is.
      while (!stream.state()) await new Promise((resolve) => setTimeout(resolve, 50));
      return 200;
    };
    const statuses = await Promise.all(streams.map(answered));
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
    expect((await fetch(`${app!.url}/api/health`)).status).toBe(200);
    for (const stream of streams) stream.close();
  });
});

function openSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** One keep-alive request on a raw connection, read to its end; the connection stays open. */
function askHealth(socket: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const headEnd = text.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? -1);
      const chunkedDone = /transfer-encoding: chunked/i.test(text) && text.endsWith('0\r\n\r\n');
      if (headEnd >= 0 && (chunkedDone || (length >= 0 && text.length >= headEnd + 4 + length))) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  });
}
