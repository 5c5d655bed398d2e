import { databaseHandle } from '@/lib/db';
import { registerServerHooks, type SocketRoutes } from '@/lib/http/server-hooks';
import { env, EnvError } from '@/lib/env';
import { startNotificationWorker } from '@/lib/epic/notification-worker';
import { describeError, log } from '@/lib/log';
import { startMaintenance } from '@/lib/maintenance';
import { startMediaServerMonitor } from '@/lib/media-server/janus';
import { serverId, startPresence } from '@/lib/visit/server-presence';
import { streamHub } from '@/lib/visit/stream-hub';
import { settleDisconnects } from '@/lib/visit/visit-stream';

// What a server process starts as it starts, and how it leaves (drainServer).
let started: { stop(): Promise<void> } | null = null;

export async function startServer(socketRoutes: SocketRoutes): Promise<void> {
  try {
    env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const handle = await databaseHandle();
  const presence = startPresence(handle.db);
  registerServerHooks(drainServer, socketRoutes);
  const maintenance = startMaintenance(handle.db, { everyMs: env().MAINTENANCE_INTERVAL_SECONDS * 1000, tokenGraceMs: env().NOTIFY_RETRY_WINDOW_HOURS * 3600_000 });
  const worker = startNotificationWorker(handle.db, {
    timeoutMs: env().NOTIFY_TIMEOUT_MS,
    retryBaseMs: env().NOTIFY_RETRY_BASE_MS,
    retryWindowMs: env().NOTIFY_RETRY_WINDOW_HOURS * 3600_000,
  });
  const { JANUS_URL, JANUS_API_SECRET } = env();
  const mediaServer = JANUS_URL ? startMediaServerMonitor({ url: JANUS_URL, apiSecret: JANUS_API_SECRET }) : null;
  started = {
    async stop() {
      maintenance.stop();
      await mediaServer?.stop();
      await worker.stop();
      await presence.stop();
    },
  };
  log.info({ database: handle.kind === 'pglite' ? `embedded, ${env().dataDir}` : 'PostgreSQL', server: serverId() }, 'database ready');
}

/**
 * The server is stopping (SIGTERM: a restart, a deploy), and drains: scripts/server.mjs has stopped
 * taking requests; every push stream is told to reconnect at once, elsewhere behind the load
 * balancer; the calls to Epic under way finish and are recorded; disconnects of anyone who did not
 * come back are made; then this server's presence goes, so the others take over at once.
 */
export async function drainServer(): Promise<void> {
  try {
    (await streamHub()).drain();
    await settleDisconnects();
    await started?.stop();
  } catch (error) {
    log.error({ area: 'drain', error: describeError(error) }, 'draining failed');
  }
}
