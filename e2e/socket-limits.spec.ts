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
const IDLE_MAX = 300;

test.describe('socket limits', () => {
  test.describe.configure({ mode: 'serial' });
  test.use({ storageState: { cookies: [], origins: [] }, baseURL: `http://127.0.0.1:${PORT}` });
  let app: AppServer | undefined;
  let data: Awaited<ReturnType<typeof prepareEmbeddedData>>;
  const integration = () => ({ id: data.integration.id, encryptionKey: data.integration.encryptionKey, secret: data.integration.secret });

  test.beforeAll(async () => {
    data = await prepareEmbeddedData({ admittancePolicy: 'automatic' });
    app = await startApp({ port: PORT, env: { ...data.env, IDLE_CONNECTIONS_MAX: String(IDLE_MAX) }, logFile: path.resolve('test-results/app-server-socket-limits.log') });
  });
  test.afterAll(async () => {
    await app?.stop();
  });

  test('connections that send nothing are closed past the cap, oldest first, and the server goes on answering', async () => {
    let closedCount = 0;
    let allClosed!: () => void;
    const enoughClosed = new Promise<void>((resolve) => (allClosed = resolve));
    const sockets: net.Socket[] = [];
    for (let index = 0; index < 4 * IDLE_MAX; index++) {
      const socket = await openSocket(PORT);
      socket.once('close', () => ++closedCount >= 3 * IDLE_MAX && allClosed());
      sockets.push(socket);
    }
    // All but the newest IDLE_MAX are closed by the server, the oldest first.
    await enoughClosed;
    expect(sockets.at(-1)!.destroyed).toBe(false);
    expect(sockets[0]!.destroyed).toBe(true);
    expect((await fetch(`${app!.url}/api/health`)).status).toBe(200);
    for (const socket of sockets) socket.destroy();
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
    const streams = await Promise.all(visitors.map((visitor) => openStream(app!.url, visitor)));
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
