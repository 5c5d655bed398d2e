import { sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/lib/db/client';
import { databaseHandle } from '@/lib/db';

// Server push across app servers: a change to a meeting is announced with NOTIFY (delivered at
// commit, to every server LISTENing on the same PostgreSQL, or within the one PGlite process),
// and each server wakes the push streams it holds for that meeting.
const CHANNEL = 'televisit_meeting';

type Listener = () => void;

interface Bus {
  listeners: Map<string, Set<Listener>>;
  ready: Promise<void>;
}

const holder = globalThis as typeof globalThis & { __televisitBus?: Bus };

/** Call inside the transaction that changed the meeting: the notice leaves only if it commits. */
export async function announceMeetingChange(tx: Transaction | Database, meetingId: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${CHANNEL}, ${meetingId})`);
}

export async function onMeetingChange(meetingId: string, listener: Listener): Promise<() => void> {
  const bus = await startBus();
  let set = bus.listeners.get(meetingId);
  if (!set) bus.listeners.set(meetingId, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) bus.listeners.delete(meetingId);
  };
}

async function startBus(): Promise<Bus> {
  if (!holder.__televisitBus) {
    const listeners = new Map<string, Set<Listener>>();
    const wake = (meetingId: string) => listeners.get(meetingId)?.forEach((listener) => listener());
    const wakeAll = () => listeners.forEach((set) => set.forEach((listener) => listener()));
    const ready = databaseHandle()
      .then((handle) => handle.listen(CHANNEL, wake, wakeAll))
      .then(() => undefined)
      .catch((error: unknown) => {
        holder.__televisitBus = undefined;
        throw error;
      });
    holder.__televisitBus = { listeners, ready };
  }
  await holder.__televisitBus.ready;
  return holder.__televisitBus;
}
