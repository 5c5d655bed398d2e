#!/usr/bin/env node
// `npm test`: every test. Installs Debian's Chromium when it is missing, runs the unit and
// database tests, builds the app, then runs the Playwright suite against `next start`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

process.env.NEXT_TELEMETRY_DISABLED = '1';
const root = path.resolve(import.meta.dirname, '..');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const results = [];

ensureChromium();
const unitFiles = readdirSync(path.join(root, 'test')).filter((name) => name.endsWith('.test.ts')).map((name) => path.join('test', name));
step('unit and database tests', process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...unitFiles]);
step('build', process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build']);
step('end-to-end tests (Playwright, Chromium)', process.execPath, [path.join(root, 'node_modules/@playwright/test/cli.js'), 'test', ...process.argv.slice(2)]);

const failed = results.filter((result) => !result.ok);
console.log(`\n${results.map((result) => `${result.ok ? 'ok  ' : 'FAIL'} ${result.name}`).join('\n')}`);
console.log(`steps: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);

function step(name, command, args) {
  if (results.some((result) => !result.ok)) return;
  console.log(`\n== ${name}`);
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  results.push({ name, ok: run.status === 0 });
}

function ensureChromium() {
  if (existsSync(chromium)) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    console.error(`Chromium is missing at ${chromium}. Install Debian's package as root: apt-get install -y chromium (or set CHROMIUM_PATH).`);
    process.exit(1);
  }
  console.log(`Chromium is missing; installing Debian's chromium package…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  if (install.status !== 0 || !existsSync(chromium)) {
    console.error('Could not install chromium with apt-get. Install it by hand (apt-get install -y chromium) and run npm test again.');
    process.exit(1);
  }
}
