import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { waitForPort } from './ports';
import { signalGroup } from './process-group';

// Debian's coturn on 127.0.0.1 for the length of a test, with the shared-secret credentials
// Televisit mints (use-auth-secret). Loopback peers must be allowed for a relay between two
// browsers on one machine. It can be paused (SIGSTOP) to cut the media path, and resumed.

export const TURN_BINARY = process.env.TURN_SERVER_PATH ?? '/usr/bin/turnserver';

export interface TurnServer {
  url: string;
  secret: string;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export async function startTurnServer(options: { port: number; secret: string; logFile: string; minPort: number; maxPort: number }): Promise<TurnServer> {
  const log = openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(
    TURN_BINARY,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${options.port}`,
      `--min-port=${options.minPort}`,
      `--max-port=${options.maxPort}`,
      '--use-auth-secret',
      `--static-auth-secret=${options.secret}`,
      '--realm=televisit.test',
      '--allow-loopback-peers',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--no-multicast-peers',
      '--log-file=stdout',
      '--simple-log',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready when it listens (coturn listens on TCP beside UDP on its port).
  await waitForPort(options.port, { child, what: `turnserver (see ${options.logFile})` });
  const signal = (name: NodeJS.Signals) => signalGroup(child, name);
  return {
    url: `turn:127.0.0.1:${options.port}?transport=udp`,
    secret: options.secret,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async stop() {
      signal('SIGCONT');
      signal('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      signal('SIGKILL');
    },
  };
}
