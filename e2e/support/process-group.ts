import type { ChildProcess } from 'node:child_process';

/**
 * Sends `signal` to the process group a test started detached (the server and whatever it spawned);
 * a group already gone is no error.
 */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}
