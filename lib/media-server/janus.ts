import type { JanodeConnection, JanodeSession } from 'janode';
import { describeError, log } from '@/lib/log';

// The media server (Janus, JANUS_URL): this server's own connection to its API, kept open, and
// whether it is up now. Only the server talks to Janus; browsers never see its address or secret.
//
// One connection per server process, with one session on it (janode sends its keepalives). When
// the connection closes or fails (Janus restarted, the network between them cut), the media server
// is down from that moment, and the connection is tried again every second three times, then after 2, 2, 4 and 8 s, then every
// 10 s, until it is back. Admins see the state on the Notification Records page and in /metrics.
//
// The state is kept on globalThis: the route bundles have copies of this module, and must read what
// the copy started by instrumentation holds.

export interface MediaServerStatus {
  /** JANUS_URL is set. */
  configured: boolean;
  /** connecting: the first try is under way (a server just started); then up, or down. */
  state: 'connecting' | 'up' | 'down';
  /** Since when it has been in that state. */
  since: Date | null;
  /** Why it is down, from the last try (never the secret). */
  reason: string | null;
}

interface Monitor {
  status: MediaServerStatus;
  /** The session on the open connection while the media server is up; what visit rooms are made on. */
  session: JanodeSession | null;
  stop(): Promise<void>;
}

const holder = globalThis as typeof globalThis & { __televisitMediaServer?: Monitor };
const RETRY_DELAYS_MS = [1000, 1000, 1000, 2000, 2000, 4000, 8000, 10_000];
/** A connection that does not open in this long is a failed try (a firewall that drops packets). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Closing waits for Janus' goodbye at most this long. */
const CLOSE_TIMEOUT_MS = 5000;

export function mediaServerStatus(): MediaServerStatus {
  return holder.__televisitMediaServer?.status ?? { configured: false, state: 'down', since: null, reason: null };
}

/** The session to drive Janus with now, or null: not configured, connecting, or down. */
export function mediaServerSession(): JanodeSession | null {
  return holder.__televisitMediaServer?.session ?? null;
}

/** Connects to Janus and keeps connecting; one monitor per process. */
export function startMediaServerMonitor(options: { url: string; apiSecret?: string }): { stop(): Promise<void> } {
  if (holder.__televisitMediaServer) return holder.__televisitMediaServer;
  const status: MediaServerStatus = { configured: true, state: 'connecting', since: new Date(), reason: null };
  let stopped = false;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** The try of now, from connecting to its connection's end: ended once, by whoever asks first. */
  let current: { end(reason: string | null): Promise<void> } | null = null;

  const setDown = (reason: string) => {
    if (status.state !== 'down' || status.reason !== reason) log.warn({ area: 'media-server', reason }, 'media server down');
    if (status.state !== 'down') status.since = new Date();
    status.state = 'down';
    status.reason = reason;
  };

  const connect = async () => {
    if (stopped) return;
    let connection: JanodeConnection | null = null;
    let ownSession: JanodeSession | null = null;
    let done = false;
    // Its connection closing or failing, its session lost, a step failing, or stop() (reason null:
    // nothing to report, no next try). An event of an earlier connection never touches a later one.
    const end = async (reason: string | null) => {
      if (done) return;
      done = true;
      if (current === attempt) current = null;
      if (monitor.session && monitor.session === ownSession) monitor.session = null;
      if (reason !== null) {
        setDown(reason);
        schedule();
      }
      if (connection) await withTimeout(connection.close(), CLOSE_TIMEOUT_MS).catch(() => undefined);
    };
    const attempt = { end };
    current = attempt;
    try {
      const Janode = (await import('janode')).default;
      Janode.Logger.setLevel('none');
      const connecting = Janode.connect({ address: { url: options.url, apisecret: options.apiSecret }, max_retries: 0 });
      const opened = await withTimeout(connecting, CONNECT_TIMEOUT_MS).catch((error: unknown) => {
        // One that opens after all is closed at once.
        void connecting.then((late) => late.close()).catch(() => undefined);
        throw error;
      });
      // Stopped while it opened: nobody else will close it.
      if (done) return void (await withTimeout(opened.close(), CLOSE_TIMEOUT_MS).catch(() => undefined));
      connection = opened;
      opened.once(Janode.EVENT.CONNECTION_CLOSED, () => void end('connection closed'));
      opened.once(Janode.EVENT.CONNECTION_ERROR, (error: unknown) => void end(reasonOf(error)));
      // A session proves Janus answers (and that the API secret is right), and its keepalives
      // find a Janus that stopped answering on an open socket.
      const session = await withTimeout(opened.create(), CONNECT_TIMEOUT_MS);
      if (done) return;
      session.once(Janode.EVENT.SESSION_DESTROYED, () => void end('session lost'));
      ownSession = session;
      monitor.session = session;
      failures = 0;
      status.state = 'up';
      status.since = new Date();
      status.reason = null;
      log.info({ area: 'media-server' }, 'media server up');
    } catch (error) {
      await end(reasonOf(error));
    }
  };

  const schedule = () => {
    if (stopped) return;
    clearTimeout(retry);
    retry = setTimeout(() => void connect(), RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length - 1)]);
    retry.unref();
    failures++;
  };

  const monitor: Monitor = {
    status,
    session: null,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await current?.end(null);
      if (holder.__televisitMediaServer === monitor) delete holder.__televisitMediaServer;
    },
  };
  holder.__televisitMediaServer = monitor;
  void connect();
  return monitor;
}

/** The promise, or a rejection once `ms` pass without its answer (Janus stopped answering). */
export function withTimeout<Value>(promise: Promise<Value>, ms: number, what?: string): Promise<Value> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what ? `${what}: ` : ''}no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Why a try failed, in words: janode passes on the WebSocket's error events, which are not Errors. */
function reasonOf(error: unknown): string {
  if (error instanceof Error) return describeError(error).message;
  const event = error as { error?: unknown; message?: unknown } | null;
  if (event?.error instanceof Error) return describeError(event.error).message;
  if (typeof event?.message === 'string' && event.message) return event.message.slice(0, 300);
  return 'could not connect';
}
