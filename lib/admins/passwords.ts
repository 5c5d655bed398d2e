import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import argon2 from 'argon2';

// Admin passwords: argon2id, computed on libuv's thread pool, never on the thread that answers
// requests. At most one hash per spare core runs at once; the rest wait in a bounded queue, so a
// flood of sign-ins slows sign-in and nothing else. Hashes from before argon2 (bcrypt) still
// verify, in a worker thread, and are replaced by an argon2 hash at that sign-in.
//
// The queue has two lanes so a flood cannot keep the people who belong here out: a known device
// (a browser that signed in to the account before) and the owner's own actions go first; the rest
// are served one account at a time in turn, so guesses at one email do not delay another's
// sign-in, and no account holds more than PASSWORD_QUEUE_PER_ACCOUNT places.

/** OWASP's argon2id minimum (19 MiB, 2 passes): about 50 ms on one core here. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const MAX_RUNNING = Math.max(1, availableParallelism() - 1);
/** Past this many waiting, a sign-in is refused at once ("busy") rather than queued. */
export const PASSWORD_QUEUE_MAX = 100;
export const PASSWORD_QUEUE_PER_ACCOUNT = 5;
/** The first lane's own bound: a stolen device cookie cannot queue without end either. */
export const PASSWORD_FIRST_LANE_MAX = 20;

/** Whose check this is: the email tried, and whether it comes from a known device. */
export interface PasswordLane {
  account: string;
  knownDevice: boolean;
}

const FIRST: PasswordLane = { account: '', knownDevice: true };

export class PasswordCheckBusy extends Error {
  constructor() {
    super('Too many sign-ins are being checked right now; try again in a minute.');
  }
}

export interface PasswordCheck {
  matches: boolean;
  /** The stored hash is of an older kind or weaker settings: store `hashPassword(password)` instead. */
  needsRehash: boolean;
}

/** Hashing is done for a signed-in owner or a just-proven password: always the first lane. */
export function hashPassword(password: string): Promise<string> {
  return limited(FIRST, () => argon2.hash(password, ARGON2_OPTIONS));
}

/** Checks a password; with no stored hash (unknown email) it costs the same and never matches. */
export async function verifyPassword(password: string, hash: string | undefined, lane: PasswordLane = FIRST): Promise<PasswordCheck> {
  if (hash === undefined) {
    await limited(lane, async () => argon2.verify(await decoyHash(), password));
    return { matches: false, needsRehash: false };
  }
  if (hash.startsWith('$argon2')) {
    const matches = await limited(lane, () => argon2.verify(hash, password));
    return { matches, needsRehash: matches && argon2.needsRehash(hash, ARGON2_OPTIONS) };
  }
  if (/^\$2[aby]\$/.test(hash)) {
    const matches = await limited(lane, () => bcryptCompareInWorker(password, hash));
    return { matches, needsRehash: matches };
  }
  return { matches: false, needsRehash: false };
}

let running = 0;
const firstLane: Array<() => void> = [];
/** Waiting checks by account; a Map keeps insertion order, which makes the turns. */
const byAccount = new Map<string, Array<() => void>>();
let waitingOthers = 0;

async function limited<T>(lane: PasswordLane, work: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) await waitForTurn(lane);
  else running++;
  try {
    return await work();
  } finally {
    const next = nextInLine();
    // The slot passes straight to the next in line; otherwise it is free.
    if (next) next();
    else running--;
  }
}

function waitForTurn(lane: PasswordLane): Promise<void> {
  if (lane.knownDevice) {
    if (firstLane.length >= PASSWORD_FIRST_LANE_MAX) throw new PasswordCheckBusy();
    return new Promise((resolve) => firstLane.push(resolve));
  }
  const queue = byAccount.get(lane.account) ?? [];
  if (waitingOthers >= PASSWORD_QUEUE_MAX || queue.length >= PASSWORD_QUEUE_PER_ACCOUNT) throw new PasswordCheckBusy();
  byAccount.set(lane.account, queue);
  waitingOthers++;
  return new Promise((resolve) => queue.push(resolve));
}

/** The first lane, else the account whose turn it is (which then goes to the back of the line). */
function nextInLine(): (() => void) | undefined {
  const first = firstLane.shift();
  if (first) return first;
  const [account, queue] = byAccount.entries().next().value ?? [];
  if (account === undefined || !queue) return undefined;
  const next = queue.shift();
  byAccount.delete(account);
  if (queue.length) byAccount.set(account, queue);
  waitingOthers--;
  return next;
}

let decoy: Promise<string> | undefined;

/** Compared against when the email is unknown, so a wrong email costs as long as a wrong password. */
function decoyHash(): Promise<string> {
  decoy ??= argon2.hash(randomBytes(24).toString('base64'), ARGON2_OPTIONS);
  return decoy;
}

const BCRYPT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.modulePath);
parentPort.postMessage(bcrypt.compareSync(workerData.password, workerData.hash));
`;

/** bcryptjs is plain JavaScript: in a worker thread, its 250 ms at cost 12 block nobody. */
function bcryptCompareInWorker(password: string, hash: string): Promise<boolean> {
  const modulePath = createRequire(path.join(process.cwd(), 'package.json')).resolve('bcryptjs');
  return new Promise((resolve, reject) => {
    const worker = new Worker(BCRYPT_WORKER, { eval: true, workerData: { modulePath, password, hash } });
    worker.once('message', (matches: boolean) => {
      resolve(matches === true);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`bcrypt worker exited with ${code}`));
    });
  });
}
