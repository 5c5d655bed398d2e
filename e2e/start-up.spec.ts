import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { launchLog } from '../lib/db/schema';
import { encryptLaunchData, launchKeyFromSecret } from '../lib/epic/launch-token';
import { startApp } from './support/app-server';
import { prepareEmbeddedData, withEmbeddedDatabase } from './support/embedded-app';
import { uniqueSessionId } from './support/epic';

// What a server knows of its own address when the operator did not say (NEXTAUTH_URL unset), seen
// on the built server: the route handlers' bundles have copies of the settings module of their
// own, and before, the address one copy derived for next-auth looked to the others like one the
// operator gave.
const PORT = 3217;
test.use({ storageState: { cookies: [], origins: [] } });

test('with DATABASE_URL and no NEXTAUTH_URL the server stops, saying why, before it listens', async () => {
  const child = spawn(process.execPath, [path.resolve('scripts/server.mjs')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://127.0.0.1:5432/test',
      TELEVISIT_MASTER_KEY: randomBytes(32).toString('base64'),
      NEXTAUTH_SECRET: randomBytes(32).toString('base64'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(output).toContain('NEXTAUTH_URL is required with DATABASE_URL');
  expect(output).not.toContain('listening');
});

test('on the embedded default without NEXTAUTH_URL, an OAuth launch is refused for want of a public address', async ({ request }) => {
  const data = await prepareEmbeddedData({ authType: 'oauth', oauthClientIdTest: 'televisit-client', oauthIssuersTest: ['https://fhir.hospital.example/api/FHIR/R4'] });
  const app = await startApp({ port: PORT, env: data.env, logFile: path.join(data.dataDir, 'server.log') });
  const sessionId = uniqueSessionId();
  try {
    const plaintext = new URLSearchParams({ SessionID: sessionId, UserType: 'Patient', ExternalID: 'PATURL', Timestamp: String(Math.floor(Date.now() / 1000)) }).toString();
    const encrypted = encryptLaunchData(plaintext, launchKeyFromSecret(data.integration.secret, 'AES-256-CBC'), 'AES-256-CBC');
    const launch = `/launch?key=${encodeURIComponent(data.integration.encryptionKey)}&data=${encodeURIComponent(encrypted)}&iss=${encodeURIComponent('https://fhir.hospital.example/api/FHIR/R4')}`;
    const response = await request.get(app.url + launch, { maxRedirects: 0 });
    // Not sent off to Epic with a redirect URI on localhost that Epic could never call back.
    expect(response.status()).not.toBe(303);
  } finally {
    await app.stop();
  }
  const outcomes = await withEmbeddedDatabase(data.dataDir, (database) => database.select({ outcome: launchLog.outcome }).from(launchLog).where(eq(launchLog.sessionId, sessionId)));
  expect(outcomes.map((row) => row.outcome)).toEqual(['oauth_no_public_url']);
});
