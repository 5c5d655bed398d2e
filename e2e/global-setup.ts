import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApp } from './support/app-server';
import { createDatabase, dropDatabase } from './support/database';

export const E2E_PORT = 3210;

/** One app server on a fresh PostgreSQL database for the whole run; returns the teardown. */
export default async function globalSetup() {
  const database = await createDatabase('televisit_e2e');
  const runDir = mkdtempSync(path.join(tmpdir(), 'televisit-e2e-'));
  mkdirSync('test-results', { recursive: true });
  const appEnv = {
    DATABASE_URL: database.url,
    TELEVISIT_MASTER_KEY: randomBytes(32).toString('base64'),
    NEXTAUTH_SECRET: randomBytes(32).toString('base64'),
    NEXTAUTH_URL: `http://127.0.0.1:${E2E_PORT}`,
    DATA_DIR: runDir,
    // Retries come quickly in tests; production waits 2 s and doubles.
    NOTIFY_RETRY_BASE_MS: '300',
    // Tests stand in for a proxy: their X-Forwarded-For names the client's address.
    TRUSTED_PROXIES: '127.0.0.1',
    // Abandoned visits are looked for every 2 s instead of 30 s, so a test need not wait.
    MAINTENANCE_INTERVAL_SECONDS: '2',
    METRICS_TOKEN: 'e2e-metrics-token-0123456789',
    // Most specs launch from 127.0.0.1; e2e/outbound.spec.ts floods from addresses of its own.
    LAUNCH_RATE_PER_MINUTE: '600',
  };
  const app = await startApp({ port: E2E_PORT, env: appEnv, logFile: path.resolve('test-results/app-server.log') });
  process.env.E2E_DATABASE_URL = database.url;
  process.env.E2E_BASE_URL = app.url;
  process.env.E2E_APP_ENV = JSON.stringify(appEnv);
  return async () => {
    await app.stop();
    await dropDatabase(database.name);
  };
}
