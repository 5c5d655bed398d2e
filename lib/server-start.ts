import { databaseHandle } from '@/lib/db';
import { env, EnvError } from '@/lib/env';
import { startNotificationWorker } from '@/lib/epic/notification-worker';
import { registerCallRoutes } from '@/lib/visit/call-routes';
import { startPresence } from '@/lib/visit/server-presence';

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
  startPresence(handle.db);
  registerCallRoutes();
  startNotificationWorker(handle.db, {
    timeoutMs: env().NOTIFY_TIMEOUT_MS,
    retryBaseMs: env().NOTIFY_RETRY_BASE_MS,
    retryWindowMs: env().NOTIFY_RETRY_WINDOW_HOURS * 3600_000,
  });
  console.log(`[televisit] database ready (${handle.kind === 'pglite' ? `embedded, ${env().dataDir}` : 'PostgreSQL'})`);
}
