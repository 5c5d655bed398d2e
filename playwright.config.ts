import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser. Fake camera and microphone for the video tests.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

export const ADMIN_STATE = 'test-results/.auth/admin.json';

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  // No second tries: a test that fails once has a cause, and the cause gets fixed.
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: 'test-results/artifacts',
  use: {
    baseURL: 'http://127.0.0.1:3210',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    video: 'off',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
  },
  projects: [
    { name: 'owner-setup', testMatch: /owner-setup\.setup\.ts/ },
    // The settings spec creates the server's first (primary) integration, before other specs seed their own.
    { name: 'settings', dependencies: ['owner-setup'], testMatch: /settings\.spec\.ts/, use: { storageState: ADMIN_STATE } },
    {
      name: 'chromium',
      dependencies: ['settings'],
      testMatch: /\.spec\.ts/,
      testIgnore: /settings\.spec\.ts/,
      use: { storageState: ADMIN_STATE },
    },
  ],
});
