#!/usr/bin/env node
// `npm test`: every test. Installs Debian's Chromium, coturn, nginx and Janus when they are missing, runs the
// type check, the unit and database tests, builds the app, then runs the Playwright suite against the built app.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

process.env.NEXT_TELEMETRY_DISABLED = '1';
const root = path.resolve(import.meta.dirname, '..');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const turnserver = process.env.TURN_SERVER_PATH ?? '/usr/bin/turnserver';
const nginx = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const janus = process.env.JANUS_PATH ?? '/usr/bin/janus';
const results = [];

// Debian's packages the browser tests need: Chromium; coturn for the calls through a relay; nginx as
// the load balancer in front of several app servers; Janus, the media server of group visits.
ensureDebianPackage('chromium', chromium, 'CHROMIUM_PATH');
ensureDebianPackage('coturn', turnserver, 'TURN_SERVER_PATH');
ensureDebianPackage('nginx', nginx, 'NGINX_PATH');
ensureDebianPackage('janus', janus, 'JANUS_PATH');
const unitFiles = readdirSync(path.join(root, 'test')).filter((name) => name.endsWith('.test.ts')).map((name) => path.join('test', name));
step('types (tsc, every file: app, tests, benchmarks)', process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root]);
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

function ensureDebianPackage(name, binary, override) {
  if (existsSync(binary)) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    console.error(`${binary} is missing. Install Debian's package as root: apt-get install -y ${name} (or set ${override}).`);
    process.exit(1);
  }
  console.log(`${binary} is missing; installing Debian's ${name} package…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', name], { stdio: 'inherit', env });
  if (install.status !== 0 || !existsSync(binary)) {
    console.error(`Could not install ${name} with apt-get. Install it by hand (apt-get install -y ${name}) and run npm test again.`);
    process.exit(1);
  }
}
