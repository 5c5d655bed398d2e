#!/usr/bin/env node
// `npm start`: build when the sources changed since the last build, then serve (scripts/server.mjs,
// Next.js behind our own HTTP server). Migrations are applied by the server itself as it starts
// (instrumentation.ts).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

process.env.NEXT_TELEMETRY_DISABLED = '1';
const root = path.resolve(import.meta.dirname, '..');
const nextBin = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');

if (process.env.SKIP_BUILD !== '1' && buildIsStale()) {
  console.log('[televisit] building the app…');
  const build = spawnSync(process.execPath, [nextBin, 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const server = spawn(process.execPath, [path.join(root, 'scripts', 'server.mjs')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

function buildIsStale() {
  const marker = path.join(root, '.next', 'BUILD_ID');
  if (!existsSync(marker)) return true;
  const builtAt = statSync(marker).mtimeMs;
  const sources = ['app', 'components', 'lib', 'public', 'drizzle', 'package.json', 'next.config.mjs', 'instrumentation.ts'];
  return sources.some((entry) => newestMtime(path.join(root, entry)) > builtAt);
}

function newestMtime(file) {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(file).reduce((newest, name) => Math.max(newest, newestMtime(path.join(file, name))), stat.mtimeMs);
}
