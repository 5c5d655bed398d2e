import { sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/lib/db/client';
import { databaseHandle } from '@/lib/db';

// Server push across app servers: a change is announced with NOTIFY (delivered at commit, to
// every server LISTENing on the same PostgreSQL, or within the one PGlite process), and each
// server wakes whatever it holds for that topic: push streams for a meeting, cached settings.
const CHANNEL = 'televisit';

export const SETTINGS_TOPIC = 'settings';
export const meetingTopic = (meetingId: string) => `meeting:${meetingId}`;
/** Signals stored for a push stream held by another app server (lib/visit/signal-relay.ts). */
export const signalTopic = (connectionId: string) => `signal:${connectionId}`;

type Listener = () => void;

interface Bus {
  listeners: Map<string, Set<Listener>>;
  ready: Promise<void>;
}

const holder = globalThis as typeof globalThis & { __televisitBus?: Bus };

/** Call inside the transaction that made the change: the notice leaves only if it commits. */
export async function announce(tx: Transaction | Database, topic: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${CHANNEL}, ${topic})`);
}

export function announceMeetingChange(tx: Transaction | Database, meetingId: string): Promise<void> {
  return announce(tx, meetingTopic(meetingId));
}

/**
 * Runs `listener` on every announcement of `topic`, and also after a lost listening connection
 * is back (announcements sent meanwhile are gone, so everyone re-reads).
 */
export async function onAnnouncement(topic: string, listener: Listener): Promise<() => void> {
  const bus = await startBus();
  let set = bus.listeners.get(topic);
  if (!set) bus.listeners.set(topic, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) bus.listeners.delete(topic);
  };
}

export function onMeetingChange(meetingId: string, listener: Listener): Promise<() => void> {
  return onAnnouncement(meetingTopic(meetingId), listener);
}

async function startBus(): Promise<Bus> {
  if (!holder.__televisitBus) {
    const listeners = new Map<string, Set<Listener>>();
    const wake = (topic: string) => listeners.get(topic)?.forEach((listener) => listener());
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
