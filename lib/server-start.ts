import { databaseHandle } from '@/lib/db';
import { registerServerHooks } from '@/lib/http/server-hooks';
import { env, EnvError } from '@/lib/env';
import { startNotificationWorker } from '@/lib/epic/notification-worker';
import { log } from '@/lib/log';
import { startMaintenance } from '@/lib/maintenance';
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
  registerServerHooks();
  startMaintenance(handle.db, { everyMs: env().MAINTENANCE_INTERVAL_SECONDS * 1000, tokenGraceMs: env().NOTIFY_RETRY_WINDOW_HOURS * 3600_000 });
  startNotificationWorker(handle.db, {
    timeoutMs: env().NOTIFY_TIMEOUT_MS,
    retryBaseMs: env().NOTIFY_RETRY_BASE_MS,
    retryWindowMs: env().NOTIFY_RETRY_WINDOW_HOURS * 3600_000,
  });
  log.info({ database: handle.kind === 'pglite' ? `embedded, ${env().dataDir}` : 'PostgreSQL' }, 'database ready');
}
