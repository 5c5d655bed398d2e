import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { signalGroup } from './process-group';

export interface AppServer {
  url: string;
  port: number;
  pid: number;
  /** Stops the server (SIGTERM by default); true when it exited by itself within 10 s. */
  stop(signal?: NodeJS.Signals): Promise<boolean>;
}

const root = path.resolve(import.meta.dirname, '..', '..');
const serverScript = path.join(root, 'scripts', 'server.mjs');

/**
 * Starts the built app as `npm start` serves it (scripts/server.mjs) in its own process group, so
 * stopping kills whatever it started, and waits until it answers.
 */
export async function startApp(options: { port: number; env: Record<string, string>; logFile: string }): Promise<AppServer> {
  const log = openSync(options.logFile, 'a');
  const child = spawn(process.execPath, [serverScript], {
    cwd: root,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', PORT: String(options.port), HOST: '127.0.0.1', ...options.env },
  });
  const url = `http://127.0.0.1:${options.port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitUntilReady(url, child, options.logFile);
  return {
    url,
    port: options.port,
    pid: child.pid!,
    async stop(signal = 'SIGTERM') {
      signalGroup(child, signal);
      const stopped = await Promise.race([exited.then(() => true), delay(10_000).then(() => false)]);
      if (!stopped) {
        signalGroup(child, 'SIGKILL');
        await exited;
      }
      // The group may outlive its leader for a moment; make sure no child keeps the port.
      signalGroup(child, 'SIGKILL');
      return stopped;
    },
  };
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited with code ${child.exitCode}; see ${logFile}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await delay(250);
  }
  signalGroup(child, 'SIGKILL');
  throw new Error(`the app did not answer within 90 s; see ${logFile}`);
}

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
