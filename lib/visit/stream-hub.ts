import type { Database } from '@/lib/db/client';
import { db } from '@/lib/db';
import { onAnnouncement, onMeetingChange, signalTopic } from '@/lib/db/bus';
import { handBackConnection } from '@/lib/visit/meeting-state';
import { chatFor } from '@/lib/visit/chat';
import { iceConfiguration } from '@/lib/visit/ice-servers';
import { readMeetingSnapshot, takeSignals, viewOf, type MeetingSnapshot } from '@/lib/visit/meeting-view';
import { describeError, log } from '@/lib/log';

// Every visit push stream this server holds, grouped by meeting. What keeps one participant from
// hurting the others:
// - one stream per participant: a newer stream replaces an older one, here at once when both are
//   on this server, and through the meeting's next snapshot when the newer one is elsewhere;
// - one read per meeting per change (a "room" re-reads the meeting once, however many changes and
//   streams, and computes each stream's view in memory), instead of one read per stream;
// - one heartbeat for the whole server: a ping to every stream, spread over the interval (a ping
//   to thousands of sockets at once would stall everyone for a tenth of a second), and one row in
//   the database that says this server, and so everyone whose stream it holds, is alive
//   (lib/visit/server-presence.ts);
// - signals to a stream on this server are handed over in memory; only those to a stream on
//   another server go through the database (lib/visit/signal-relay.ts).

export const HEARTBEAT_MS = 15_000;
/** Signals wait for a browser with at most this much unread on its stream (its view comes first). */
const SIGNAL_BACKLOG_MAX_BYTES = 128 * 1024;
/** Pings go out in this many slices per heartbeat, one slice per tick. */
const PING_SLICES = 150;

export interface StreamClient {
  readonly meetingId: string;
  readonly participantId: string;
  readonly connectionId: string;
  /** True once a newer stream of the same participant took its place. */
  replaced: boolean;
  /**
   * A removed patient's page: not connected (Epic is not told), it only listens, so being let back
   * in takes effect at once. It ends when the view says so, and the page reconnects properly.
   */
  listener: boolean;
  /** JSON of the last view sent, so an unchanged view is not sent again. */
  lastState: string | null;
  /** The newest chat message sent on this stream: each is sent once, and a new stream gets them all. */
  lastChatId: number;
  /** Only snapshots read from this epoch on may judge the client: older ones predate its connect. */
  minEpoch: number;
  /** This connection was given its STUN/TURN settings (once it was in the call). */
  iceSent: boolean;
  send(event: string, data: unknown): void;
  /** The same with the data already in JSON: a view is serialised once, to compare and to send. */
  sendEncoded(event: string, json: string): void;
  /** Bytes written to this stream that its browser has not read yet. */
  backlog(): number;
  comment(text: string): void;
  /** Ends the HTTP stream (the route then disconnects the participant unless it was replaced). */
  close(): void;
}

export class StreamHub {
  private readonly rooms = new Map<string, Room>();
  private readonly byConnection = new Map<string, StreamClient>();
  private readonly byParticipant = new Map<string, StreamClient>();
  /**
   * Connections being set up here: connected in the database, their stream not attached yet. A
   * snapshot that names one does not judge this participant's older stream: it is replaced when
   * the new one attaches, or handed its place back if the new one's browser went away meanwhile.
   */
  private readonly pending = new Set<string>();
  private readonly signalSubscriptions = new Map<string, Promise<() => void>>();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly pingSlices = Array.from({ length: PING_SLICES }, () => new Set<StreamClient>());
  private pingTick = 0;

  constructor(
    readonly database: Database,
    /** How a meeting is read (the database's snapshot; a test counts the reads). */
    readonly readSnapshot: typeof readMeetingSnapshot = readMeetingSnapshot,
  ) {}

  get size(): number {
    return this.byConnection.size;
  }

  /** A stream is about to connect `connectionId` (before its connect transaction starts). */
  connecting(connectionId: string): void {
    this.pending.add(connectionId);
  }

  /** The connect of `connectionId` made no connection (it failed, or the visit let nobody in). */
  notConnected(connectionId: string): void {
    this.pending.delete(connectionId);
  }

  /**
   * The stream of `connectionId` will not be attached: its connect failed, or its browser went away
   * while it was connecting. When the same participant still has a live stream here, the place goes
   * back to it (compare-and-set, so a newer connection elsewhere is left alone) and true is returned:
   * the browser that is still there stays connected and Epic hears nothing. False when there is none.
   */
  async abandon(participantId: string, connectionId: string): Promise<boolean> {
    this.pending.delete(connectionId);
    const live = this.byParticipant.get(participantId);
    if (!live || live.replaced || live.listener) return false;
    return handBackConnection(this.database, participantId, connectionId, live.connectionId);
  }

  /**
   * Starts serving a stream whose connect has committed, or a removed person's listening stream
   * (counted, pinged and replaced like any other); replaces this participant's older stream here.
   */
  attach(client: StreamClient): void {
    this.pending.delete(client.connectionId);
    const previous = this.byParticipant.get(client.participantId);
    if (previous && previous !== client) this.replace(previous);
    this.byParticipant.set(client.participantId, client);
    this.byConnection.set(client.connectionId, client);
    const room = this.roomOf(client.meetingId);
    client.minEpoch = room.epoch + 1;
    room.clients.add(client);
    this.pingSlices[Math.floor(Math.random() * PING_SLICES)]!.add(client);
    this.heartbeat ??= setInterval(() => this.pingNextSlice(), HEARTBEAT_MS / PING_SLICES);
    this.heartbeat.unref();
    void room.refresh();
    if (client.listener) return;
    // Signals another server stored for this connection: now, and whenever it says there are more.
    this.signalSubscriptions.set(
      client.connectionId,
      onAnnouncement(signalTopic(client.connectionId), () => void this.deliverStored(client)).catch(() => () => undefined),
    );
    void this.deliverStored(client);
  }

  detach(client: StreamClient): void {
    if (this.byConnection.get(client.connectionId) === client) this.byConnection.delete(client.connectionId);
    if (this.byParticipant.get(client.participantId) === client) this.byParticipant.delete(client.participantId);
    for (const slice of this.pingSlices) slice.delete(client);
    void this.signalSubscriptions.get(client.connectionId)?.then((unsubscribe) => unsubscribe());
    this.signalSubscriptions.delete(client.connectionId);
    const room = this.rooms.get(client.meetingId);
    if (!room) return;
    room.clients.delete(client);
    if (room.clients.size === 0) {
      room.dispose();
      this.rooms.delete(client.meetingId);
    }
    if (this.byConnection.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  /**
   * This server is going away (a restart, a deploy): every page it serves is told to reconnect at
   * once (to another server, behind the load balancer), and its stream here is closed.
   */
  drain(): void {
    for (const client of [...this.byConnection.values()]) {
      client.send('reconnect', {});
      client.close();
    }
  }

  /**
   * Hands a signal to a stream on this server: 'absent' when the connection is not here, 'busy' when
   * its browser has not read what it was sent already. The sender is refused then, not the receiver
   * dropped: one person's flood must not cut another off.
   */
  deliverLocally(toConnection: string, message: { from: string; fromParticipant: string; payload: unknown }): 'delivered' | 'absent' | 'busy' {
    const client = this.byConnection.get(toConnection);
    if (!client || client.listener) return 'absent';
    if (client.backlog() > SIGNAL_BACKLOG_MAX_BYTES) return 'busy';
    client.send('signal', message);
    return 'delivered';
  }

  /**
   * The meeting as of its latest announced change, when this server follows it (has a stream in
   * it); undefined otherwise, and the caller reads the database.
   */
  async followedSnapshot(meetingId: string): Promise<MeetingSnapshot | null | undefined> {
    const room = this.rooms.get(meetingId);
    return room ? room.current() : undefined;
  }

  /** The meeting as this server follows it, or else as the database has it now. */
  async meetingSnapshot(meetingId: string): Promise<MeetingSnapshot | null> {
    return (await this.followedSnapshot(meetingId)) ?? (await this.readSnapshot(this.database, meetingId));
  }

  /** The newest stream wins: the older one is told at once, and its page does not reconnect. */
  private replace(client: StreamClient): void {
    client.replaced = true;
    client.send('replaced', { reason: 'another-device' });
    client.close();
  }

  private roomOf(meetingId: string): Room {
    let room = this.rooms.get(meetingId);
    if (!room) this.rooms.set(meetingId, (room = new Room(meetingId, this)));
    return room;
  }

  /** Sends a snapshot to every stream of the room that it may judge. */
  publish(room: Room, snapshot: MeetingSnapshot | null, epoch: number): void {
    for (const client of [...room.clients]) {
      if (epoch < client.minEpoch) continue;
      if (client.listener) {
        // Let back in (or the visit ended): the page reconnects and hears it on a real connection.
        // This stream is not one, so the view that would let the page call is never sent on it.
        if (viewOf(snapshot, client.participantId).stage !== 'removed') client.close();
        else this.sendView(client, snapshot);
        continue;
      }
      const me = snapshot?.people.find((person) => person.id === client.participantId);
      if (me && me.connectionId !== client.connectionId && !(me.connectionId && this.pending.has(me.connectionId))) {
        // Another device holds the place now; or ours was dropped (the stale sweep, a removal):
        // the page reconnects and learns where it stands.
        if (me.connectionId !== null) this.replace(client);
        else if (me.admission === 'removed') this.sendView(client, snapshot);
        client.close();
        continue;
      }
      const view = this.sendView(client, snapshot);
      if (view.stage === 'ended' || view.stage === 'gone') client.close();
    }
  }

  private sendView(client: StreamClient, snapshot: MeetingSnapshot | null) {
    const view = viewOf(snapshot, client.participantId);
    // The relay's credentials go only to people in the call, when they enter it (before the view
    // that lets them call): a waiting, removed or former participant never gets them. The page
    // renews them from GET …/ice, which asks the same.
    if (view.stage === 'in-call' && !client.iceSent && !client.listener) {
      client.iceSent = true;
      client.send('ice', iceConfiguration(client.participantId));
    }
    const state = JSON.stringify({ ...view, connectionId: client.connectionId });
    if (state !== client.lastState) {
      client.lastState = state;
      client.sendEncoded('state', state);
    }
    if (view.allowed.chat && snapshot) {
      const messages = chatFor(snapshot.chat, client.participantId, client.lastChatId);
      if (messages.length) {
        client.lastChatId = messages.at(-1)!.id;
        client.send('chat', { messages });
      }
    }
    return view;
  }

  private async deliverStored(client: StreamClient): Promise<void> {
    try {
      for (const signal of await takeSignals(this.database, client.connectionId)) {
        client.send('signal', { from: signal.from, fromParticipant: signal.fromParticipant, payload: signal.payload });
      }
    } catch (error) {
      logError('stored signals', error);
    }
  }

  /** Keeps every stream here open through proxies that drop idle connections: each pinged once per heartbeat. */
  private pingNextSlice(): void {
    this.pingTick = (this.pingTick + 1) % PING_SLICES;
    for (const client of this.pingSlices[this.pingTick]!) client.comment('ping');
  }
}

/** The streams of one meeting on this server, and the one snapshot they are all computed from. */
class Room {
  readonly clients = new Set<StreamClient>();
  snapshot: MeetingSnapshot | null | undefined = undefined;
  /** Counts reads; a client attached during read n is judged from read n+1 on. */
  epoch = 0;
  private reading: Promise<void> | null = null;
  private again = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly subscription: Promise<() => void>;

  constructor(
    readonly meetingId: string,
    private readonly hub: StreamHub,
  ) {
    this.subscription = onMeetingChange(meetingId, () => void this.refresh()).catch((error: unknown) => {
      logError('subscribe', error);
      return () => undefined;
    });
  }

  /** Re-reads the meeting; changes that come during a read cost one more read, not one each. */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.readUntilCurrent();
    return this.reading;
  }

  /** The snapshot, once every change announced so far is in it. */
  async current(): Promise<MeetingSnapshot | null | undefined> {
    if (this.reading) await this.reading;
    else if (this.snapshot === undefined) await this.refresh();
    return this.snapshot;
  }

  dispose(): void {
    if (this.retry) clearTimeout(this.retry);
    void this.subscription.then((unsubscribe) => unsubscribe());
  }

  private async readUntilCurrent(): Promise<void> {
    try {
      do {
        this.again = false;
        const epoch = ++this.epoch;
        try {
          const snapshot = await this.hub.readSnapshot(this.hub.database, this.meetingId);
          this.snapshot = snapshot;
          this.hub.publish(this, snapshot, epoch);
        } catch (error) {
          logError('read', error);
          // The database is away: try again shortly, while anyone is still here.
          this.retry ??= setTimeout(() => {
            this.retry = null;
            if (this.clients.size) void this.refresh();
          }, 2000);
          return;
        }
      } while (this.again);
    } finally {
      // In the same step as the last check of `again`: a refresh asked for after it starts a new
      // read. (Cleared in a .finally() callback instead, a refresh asked for in between was lost.)
      this.reading = null;
    }
  }
}

const holder = globalThis as typeof globalThis & { __televisitStreamHub?: Promise<StreamHub> };

/** The one hub of this server process. */
export function streamHub(): Promise<StreamHub> {
  holder.__televisitStreamHub ??= db()
    .then((database) => new StreamHub(database))
    .catch((error: unknown) => {
      holder.__televisitStreamHub = undefined;
      throw error;
    });
  return holder.__televisitStreamHub;
}

function logError(where: string, error: unknown) {
  log.error({ area: 'visit streams', where, error: describeError(error) }, 'push stream error');
}
