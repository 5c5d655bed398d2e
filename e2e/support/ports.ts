import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/**
 * Resolves once something accepts TCP connections on `host:port`: a server a test started is ready
 * when it listens. Fails when `child` exits first, or after `timeoutMs`.
 */
export async function waitForPort(port: number, options: { host?: string; child?: ChildProcess; what: string; timeoutMs?: number }): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (options.child && options.child.exitCode !== null) throw new Error(`${options.what} exited with code ${options.child.exitCode} before it listened on ${port}`);
    if (await accepts(port, options.host ?? '127.0.0.1')) return;
    if (Date.now() > deadline) throw new Error(`${options.what} did not listen on ${port} in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
