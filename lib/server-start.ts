import { databaseHandle } from '@/lib/db';
import { env, EnvError } from '@/lib/env';
import { startNotificationWorker } from '@/lib/epic/notification-worker';
import { disconnectStale } from '@/lib/visit/meeting-state';

// A connection whose server stopped refreshing it for this long is treated as gone.
const STALE_CONNECTION_MS = 45_000;

export async function startServer(): Promise<void> {
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
  setInterval(() => {
    disconnectStale(handle.db, STALE_CONNECTION_MS).catch((error: unknown) =>
      console.error('[televisit] stale connection sweep failed', error instanceof Error ? error.message : error),
    );
  }, STALE_CONNECTION_MS / 3).unref();
  startNotificationWorker(handle.db, {
    timeoutMs: env().NOTIFY_TIMEOUT_MS,
    retryBaseMs: env().NOTIFY_RETRY_BASE_MS,
    retryWindowMs: env().NOTIFY_RETRY_WINDOW_HOURS * 3600_000,
  });
  console.log(`[televisit] database ready (${handle.kind === 'pglite' ? `embedded, ${env().dataDir}` : 'PostgreSQL'})`);
}
