import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** Builds the app first when it has never been built: the benches measure it as `npm start` serves it. */
export function buildIfNeeded(): void {
  if (existsSync(path.join(root, '.next', 'BUILD_ID'))) return;
  const build = spawnSync(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('next build failed');
}
