import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startApp, type AppServer } from './support/app-server';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';
import { startFakeEpic, type FakeEpic } from './support/fake-epic';
import { startLoadBalancer, type LoadBalancer } from './support/nginx';
import { connectedPeerConnections, expectRemoteVideoPlaying, openRecordedPage } from './support/webrtc';

// Three app servers on one PostgreSQL behind nginx, with the proxy settings Televisit ships
// (deploy/nginx/televisit-proxy.conf). A visit goes on while each server is killed in turn, and
// while all three are restarted one after another (each drains): the call's media never stops,
// its peer connection is the same one throughout, and Epic never hears that anyone left.
const BALANCER_PORT = 3230;
const APP_PORTS = [3231, 3232, 3233];

test.describe('three servers behind nginx', () => {
  test.describe.configure({ mode: 'serial' });
  test.use({ storageState: { cookies: [], origins: [] } });
  let balancer: LoadBalancer | undefined;
  let epic: FakeEpic;
  /** The servers running now, each with the id it keeps its presence under. */
  const servers = new Map<number, { app: AppServer; id: string }>();

  const start = async (port: number) => {
    const logFile = path.resolve(`test-results/app-server-cluster-${port}.log`);
    const logged = readLog(logFile).length;
    const app = await startApp({
      port,
      env: { ...JSON.parse(process.env.E2E_APP_ENV!), NEXTAUTH_URL: `http://127.0.0.1:${BALANCER_PORT}`, TRUSTED_PROXIES: '127.0.0.1' },
      logFile,
    });
    // The server says its id as it starts.
    const id = /"server":"([0-9a-f-]{36})"/.exec(readLog(logFile).slice(logged))?.[1];
    if (!id) throw new Error(`no server id in ${logFile}`);
    servers.set(port, { app, id });
  };
  const stop = async (port: number, signal: NodeJS.Signals) => {
    const byItself = await servers.get(port)!.app.stop(signal);
    servers.delete(port);
    return byItself;
  };

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    epic = await startFakeEpic();
    for (const port of APP_PORTS) await start(port);
    balancer = await startLoadBalancer({ port: BALANCER_PORT, upstreamPorts: APP_PORTS, logFile: path.resolve('test-results/nginx-cluster.log') });
  });
  test.afterAll(async () => {
    await balancer?.stop();
    for (const server of servers.values()) await server.app.stop();
    await epic.close();
  });

  async function visit(browser: Browser) {
    const integration = await seedIntegration({ admittance_policy: 'automatic', connection_status_url: `${epic.url}/status` });
    const sessionId = uniqueSessionId();
    const patient = await openRecordedPage(browser, balancer!.url + launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT700', FirstName: 'Ana' }));
    const provider = await openRecordedPage(browser, balancer!.url + launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP700', FirstName: 'Lee' }));
    await expectRemoteVideoPlaying(patient);
    await expectRemoteVideoPlaying(provider);
    const meetingId = new URL(provider.url()).pathname.split('/').at(-1)!;
    return { patient, provider, meetingId, sessionId };
  }

  /** Both are connected, each on a server that is running now (their pages reconnected). */
  async function bothOnLiveServers(meetingId: string) {
    const live = () => [...servers.values()].map((server) => server.id);
    await expect
      .poll(async () => {
        const rows = await query<{ connection_id: string | null; server_id: string | null }>(
          "select connection_id, server_id from participants where meeting_id = $1 and user_type in ('Patient', 'Provider')",
          [meetingId],
        );
        return rows.length === 2 && rows.every((row) => row.connection_id !== null && live().includes(row.server_id ?? ''));
      }, { timeout: 30_000 })
      .toBe(true);
  }

  /** The call's media went on: the same single peer connection, connected, and video still moving. */
  async function callWentOn(pages: Page[]) {
    for (const page of pages) {
      expect(await page.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.length)).toBe(1);
      expect(await connectedPeerConnections(page)).toBe(1);
      await expectRemoteVideoPlaying(page);
    }
  }

  async function nobodyLeft(meetingId: string, sessionId: string) {
    expect(await query("select user_type, status from participant_events where meeting_id = $1 and status = 'Disconnected'", [meetingId])).toEqual([]);
    const thisVisit = () => epic.calls.filter((call) => call.json?.SessionID === sessionId);
    await expect.poll(() => thisVisit().filter((call) => call.json?.ConnectionStatus === 'Connected').length).toBe(2);
    expect(thisVisit().filter((call) => call.json?.ConnectionStatus === 'Disconnected')).toEqual([]);
  }

  test('each server killed in turn mid-visit: video continues, and Epic hears no Disconnected', async ({ browser }) => {
    test.setTimeout(240_000);
    const { patient, provider, meetingId, sessionId } = await visit(browser);
    await expect.poll(() => epic.calls.filter((call) => call.json?.SessionID === sessionId && call.json?.ConnectionStatus === 'Connected').length).toBe(2);
    for (const port of APP_PORTS) {
      await stop(port, 'SIGKILL');
      await bothOnLiveServers(meetingId);
      await callWentOn([patient, provider]);
      await start(port);
    }
    await nobodyLeft(meetingId, sessionId);
    await patient.context().close();
    await provider.context().close();
  });

  test('a rolling restart of all three servers during a visit goes unnoticed by both people and by Epic', async ({ browser }) => {
    test.setTimeout(240_000);
    const { patient, provider, meetingId, sessionId } = await visit(browser);
    for (const port of APP_PORTS) {
      // SIGTERM: the server drains (its pages reconnect elsewhere at once) and exits by itself, in time.
      expect(await stop(port, 'SIGTERM')).toBe(true);
      await bothOnLiveServers(meetingId);
      await callWentOn([patient, provider]);
      await start(port);
    }
    await nobodyLeft(meetingId, sessionId);
    await patient.context().close();
    await provider.context().close();
  });
});

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
