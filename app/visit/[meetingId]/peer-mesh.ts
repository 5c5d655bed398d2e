// Peer-to-peer video among up to four browsers: one RTCPeerConnection (a "link") per pair, signalled
// through the app (POST up, the visit's push stream down). Media never passes through the server;
// through a TURN relay when the networks need one.
//
// Of each pair, the connection with the smaller ID offers and the other answers, so offers never
// collide. A link has an id chosen by the offering side: a new offer with the same id is the same
// link renegotiating (an ICE restart keeps its media), one with another id replaces it, and the
// old one is closed, so a pair never holds two connections. Both sides keep three transceivers in
// this order: audio, camera, screen; and swap tracks with replaceTrack, so a camera change needs no
// renegotiation. The screen's transceiver sends only while its side shares a screen (its direction
// is receive-only otherwise), so an offer or answer shows the server who is sharing and the server
// can refuse someone the meeting policy does not allow (lib/visit/policies.ts). Starting or
// stopping a share renegotiates: the offering side offers again; the answering side asks it to.
//
// Recovery: a link that is disconnected for a few seconds, or failed, gets an ICE restart (asked
// for by the answering side, made by the offering side); one that still has not come back, or
// never connected, is rebuilt from scratch.

export interface MeshPeer {
  connectionId: string;
}

export interface SignalPayload {
  /** The link this belongs to, named by the side that offers. */
  link: string;
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit;
  /** The answering side asks the offering side for an ICE restart. */
  restart?: true;
  /** The answering side asks the offering side to offer again (it started or stopped sharing). */
  renegotiate?: true;
}

export type LinkState = 'connecting' | 'connected' | 'reconnecting';
export type Quality = 'good' | 'weak' | 'poor' | 'unknown';

export interface LinkReport {
  state: LinkState;
  /** How well what I send reaches them. */
  mine: Quality;
  /** How well what they send reaches me. */
  theirs: Quality;
  /** The selected path goes through a TURN relay. */
  relay: boolean;
}

export interface PeerMeshOptions {
  myConnectionId: string;
  configuration: RTCConfiguration;
  send(to: string, payload: SignalPayload): Promise<unknown>;
  onRemoteStream(connectionId: string, stream: MediaStream | null): void;
  /** The screen this peer shares with us (a stream of its own), or null when the link closed. */
  onRemoteScreen?(connectionId: string, stream: MediaStream | null): void;
  onReport?(connectionId: string, report: LinkReport): void;
}

const RESTART_AFTER_DISCONNECTED_MS = 4000;
const REBUILD_AFTER_RESTART_MS = 12_000;
const REBUILD_IF_NEVER_CONNECTED_MS = 20_000;
const ASK_RESTART_EVERY_MS = 4000;
const WATCH_EVERY_MS = 1000;
const STATS_EVERY_MS = 2000;
/** The screen's transceiver: the third, after audio and the camera. */
const SCREEN = 2;

interface Link {
  id: string;
  peer: string;
  pc: RTCPeerConnection;
  initiator: boolean;
  pendingCandidates: RTCIceCandidateInit[];
  stream: MediaStream;
  screen: MediaStream;
  /** The offering side owes the other an offer once its current one is answered. */
  offerAgain: boolean;
  createdAt: number;
  everConnected: boolean;
  troubleSince: number | null;
  restartedAt: number | null;
  askedRestartAt: number;
  report: LinkReport;
  lastInbound: { received: number; lost: number } | null;
}

export class PeerMesh {
  private readonly links = new Map<string, Link>();
  private localStream: MediaStream | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  private configuration: RTCConfiguration;
  // Signals are handled one at a time, in the order they came: an answer must not race its offer.
  private signalQueue: Promise<void> = Promise.resolve();
  // And sent one at a time, so the other side gets the offer before its candidates.
  private sendQueue: Promise<unknown> = Promise.resolve();
  // Candidates for a link that does not exist yet (its offer is still on the way).
  private readonly earlyCandidates = new Map<string, Array<{ link: string; candidate: RTCIceCandidateInit }>>();
  private readonly watchTimer: ReturnType<typeof setInterval>;
  private readonly statsTimer: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(private readonly options: PeerMeshOptions) {
    this.configuration = options.configuration;
    this.watchTimer = setInterval(() => this.watch(), WATCH_EVERY_MS);
    this.statsTimer = setInterval(() => void this.collectStats(), STATS_EVERY_MS);
  }

  get myConnectionId(): string {
    return this.options.myConnectionId;
  }

  /** Opens links to new peers and closes links to peers that left. */
  sync(peers: MeshPeer[]): void {
    const wanted = new Set(peers.map((peer) => peer.connectionId));
    for (const connectionId of [...this.links.keys()]) if (!wanted.has(connectionId)) this.drop(connectionId);
    for (const connectionId of wanted) {
      if (!this.links.has(connectionId) && this.options.myConnectionId < connectionId) void this.offer(connectionId);
    }
  }

  setLocalStream(stream: MediaStream | null): void {
    this.localStream = stream;
    for (const link of this.links.values()) this.attachLocalTracks(link);
  }

  /** Starts (a track) or stops (null) sharing a screen with everyone: each link renegotiates. */
  setScreen(track: MediaStreamTrack | null): void {
    this.screenTrack = track;
    for (const link of this.links.values()) {
      this.attachLocalTracks(link);
      // In line with the signals being handled, so an offer never crosses an answer in progress.
      if (link.initiator) this.signalQueue = this.signalQueue.then(() => this.renegotiate(link)).catch((error: unknown) => console.warn('[visit] renegotiation failed', error));
      else this.send(link.peer, { link: link.id, renegotiate: true });
    }
  }

  /** New TURN credentials (they expire): every link uses them from its next ICE gathering on. */
  setConfiguration(configuration: RTCConfiguration): void {
    this.configuration = configuration;
    for (const link of this.links.values()) {
      try {
        link.pc.setConfiguration(configuration);
      } catch {
        // A browser that refuses the change keeps the credentials it has until the link is rebuilt.
      }
    }
  }

  handleSignal(from: string, payload: SignalPayload): Promise<void> {
    this.signalQueue = this.signalQueue.then(() => this.process(from, payload)).catch((error: unknown) => console.warn('[visit] signal failed', error));
    return this.signalQueue;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.watchTimer);
    clearInterval(this.statsTimer);
    for (const connectionId of [...this.links.keys()]) this.drop(connectionId);
  }

  private async process(from: string, payload: SignalPayload): Promise<void> {
    if (this.closed || typeof payload.link !== 'string') return;
    if (payload.description?.type === 'offer') {
      let link = this.links.get(from);
      if (!link || link.id !== payload.link || link.initiator) {
        this.drop(from);
        link = this.createLink(from, false, payload.link);
      }
      // A new offer on the same link (an ICE restart) renegotiates it; its media keeps flowing.
      await link.pc.setRemoteDescription(payload.description);
      this.attachLocalTracks(link);
      await link.pc.setLocalDescription(await link.pc.createAnswer());
      this.send(from, { link: link.id, description: link.pc.localDescription!.toJSON() });
      await this.flushCandidates(link);
      return;
    }
    const link = this.links.get(from);
    if (!link || link.id !== payload.link) {
      // Candidates can overtake their offer; any other signal for a link we do not have is stale.
      if (payload.candidate && !link) this.earlyCandidates.set(from, [...(this.earlyCandidates.get(from) ?? []), { link: payload.link, candidate: payload.candidate }]);
      return;
    }
    if (payload.description?.type === 'answer' && link.pc.signalingState === 'have-local-offer') {
      await link.pc.setRemoteDescription(payload.description);
      await this.flushCandidates(link);
      if (link.offerAgain) await this.renegotiate(link);
    } else if (payload.candidate) {
      if (link.pc.remoteDescription) await link.pc.addIceCandidate(payload.candidate).catch(() => undefined);
      else link.pendingCandidates.push(payload.candidate);
    } else if (payload.restart && link.initiator) {
      await this.restartIce(link);
    } else if (payload.renegotiate && link.initiator) {
      await this.renegotiate(link);
    }
  }

  private async offer(connectionId: string): Promise<void> {
    const link = this.createLink(connectionId, true, randomId());
    link.pc.addTransceiver('audio', { direction: 'sendrecv' });
    link.pc.addTransceiver('video', { direction: 'sendrecv' });
    link.pc.addTransceiver('video', { direction: 'recvonly' });
    this.attachLocalTracks(link);
    await link.pc.setLocalDescription(await link.pc.createOffer());
    this.send(connectionId, { link: link.id, description: link.pc.localDescription!.toJSON() });
  }

  /** The offering side restarts ICE on the link it has: new candidates, same connection and media. */
  private async restartIce(link: Link): Promise<void> {
    if (this.links.get(link.peer) !== link || link.pc.signalingState !== 'stable') return;
    link.restartedAt = Date.now();
    await link.pc.setLocalDescription(await link.pc.createOffer({ iceRestart: true }));
    this.send(link.peer, { link: link.id, description: link.pc.localDescription!.toJSON() });
  }

  /** The offering side offers again on the same link (a share started or stopped); later if busy. */
  private async renegotiate(link: Link): Promise<void> {
    if (this.links.get(link.peer) !== link) return;
    if (link.pc.signalingState !== 'stable') {
      link.offerAgain = true;
      return;
    }
    link.offerAgain = false;
    await link.pc.setLocalDescription(await link.pc.createOffer());
    this.send(link.peer, { link: link.id, description: link.pc.localDescription!.toJSON() });
  }

  /** Replaces a link that did not come back with a new one (only the offering side does). */
  private rebuild(link: Link): void {
    if (!link.initiator || this.links.get(link.peer) !== link) return;
    this.drop(link.peer);
    void this.offer(link.peer);
  }

  private send(to: string, payload: SignalPayload): void {
    this.sendQueue = this.sendQueue.then(() => this.options.send(to, payload)).catch(() => undefined);
  }

  private createLink(connectionId: string, initiator: boolean, id: string): Link {
    const pc = new RTCPeerConnection(this.configuration);
    const early = (this.earlyCandidates.get(connectionId) ?? []).filter((entry) => entry.link === id).map((entry) => entry.candidate);
    this.earlyCandidates.delete(connectionId);
    const link: Link = {
      id,
      peer: connectionId,
      pc,
      initiator,
      pendingCandidates: early,
      stream: new MediaStream(),
      screen: new MediaStream(),
      offerAgain: false,
      createdAt: Date.now(),
      everConnected: false,
      troubleSince: null,
      restartedAt: null,
      askedRestartAt: 0,
      report: { state: 'connecting', mine: 'unknown', theirs: 'unknown', relay: false },
      lastInbound: null,
    };
    this.links.set(connectionId, link);
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.send(connectionId, { link: id, candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ track, transceiver }) => {
      const isScreen = pc.getTransceivers().indexOf(transceiver) === SCREEN;
      const stream = isScreen ? link.screen : link.stream;
      if (!stream.getTracks().includes(track)) stream.addTrack(track);
      if (isScreen) this.options.onRemoteScreen?.(connectionId, link.screen);
      else this.options.onRemoteStream(connectionId, link.stream);
    };
    pc.onconnectionstatechange = () => this.watchLink(link);
    this.options.onReport?.(connectionId, link.report);
    return link;
  }

  private watch(): void {
    for (const link of [...this.links.values()]) this.watchLink(link);
  }

  private watchLink(link: Link): void {
    if (this.links.get(link.peer) !== link) return;
    const now = Date.now();
    const state = link.pc.connectionState;
    if (state === 'connected') {
      link.everConnected = true;
      link.troubleSince = null;
      link.restartedAt = null;
      this.report(link, { state: 'connected' });
      return;
    }
    if (!link.everConnected) {
      if (now - link.createdAt > REBUILD_IF_NEVER_CONNECTED_MS) this.rebuild(link);
      return;
    }
    if (state !== 'disconnected' && state !== 'failed') return;
    link.troubleSince ??= now;
    this.report(link, { state: 'reconnecting' });
    if (state === 'disconnected' && now - link.troubleSince < RESTART_AFTER_DISCONNECTED_MS) return;
    if (link.initiator) {
      if (link.restartedAt === null) void this.restartIce(link).catch(() => this.rebuild(link));
      else if (now - link.restartedAt > REBUILD_AFTER_RESTART_MS) this.rebuild(link);
    } else if (now - link.askedRestartAt > ASK_RESTART_EVERY_MS) {
      link.askedRestartAt = now;
      this.send(link.peer, { link: link.id, restart: true });
    }
  }

  private report(link: Link, change: Partial<LinkReport>): void {
    const next = { ...link.report, ...change };
    if (JSON.stringify(next) === JSON.stringify(link.report)) return;
    link.report = next;
    this.options.onReport?.(link.peer, next);
  }

  /** What getStats says of each connected link: the path (relay or not) and the quality each way. */
  private async collectStats(): Promise<void> {
    for (const link of [...this.links.values()]) {
      if (link.pc.connectionState !== 'connected') continue;
      try {
        const stats = await link.pc.getStats();
        let pair: RTCIceCandidatePairStats | undefined;
        let remoteInbound: { fractionLost?: number; roundTripTime?: number } | undefined;
        let inbound = { received: 0, lost: 0 };
        stats.forEach((entry: RTCStats & Record<string, unknown>) => {
          if (entry.type === 'transport' && typeof entry.selectedCandidatePairId === 'string') pair = stats.get(entry.selectedCandidatePairId) as RTCIceCandidatePairStats;
          if (entry.type === 'remote-inbound-rtp' && entry.kind === 'video') remoteInbound = entry as typeof remoteInbound;
          if (entry.type === 'inbound-rtp') {
            inbound = { received: inbound.received + Number(entry.packetsReceived ?? 0), lost: inbound.lost + Number(entry.packetsLost ?? 0) };
          }
        });
        const local = pair ? (stats.get(pair.localCandidateId) as { candidateType?: string } | undefined) : undefined;
        const previous = link.lastInbound;
        link.lastInbound = inbound;
        const received = previous ? inbound.received - previous.received : 0;
        const lost = previous ? Math.max(0, inbound.lost - previous.lost) : 0;
        const theirLoss = received + lost > 20 ? lost / (received + lost) : null;
        this.report(link, {
          relay: local?.candidateType === 'relay',
          mine: quality(remoteInbound?.fractionLost ?? null, remoteInbound?.roundTripTime ?? pair?.currentRoundTripTime ?? null, pair?.availableOutgoingBitrate ?? null),
          theirs: quality(theirLoss, pair?.currentRoundTripTime ?? null, null),
        });
      } catch {
        // The link closed while we read it.
      }
    }
  }

  /** Puts the microphone, camera and screen on their transceivers, and sets what each sends. */
  private attachLocalTracks(link: Link): void {
    const transceivers = link.pc.getTransceivers();
    const tracks = [this.localStream?.getAudioTracks()[0] ?? null, this.localStream?.getVideoTracks()[0] ?? null, this.screenTrack];
    transceivers.slice(0, 3).forEach((transceiver, index) => {
      if (transceiver.currentDirection === 'stopped') return;
      const direction = index === SCREEN && !this.screenTrack ? 'recvonly' : 'sendrecv';
      if (transceiver.direction !== direction) transceiver.direction = direction;
      const track = tracks[index] ?? null;
      if (transceiver.sender.track !== track) void transceiver.sender.replaceTrack(track).catch(() => undefined);
    });
  }

  private async flushCandidates(link: Link): Promise<void> {
    const candidates = link.pendingCandidates.splice(0);
    for (const candidate of candidates) await link.pc.addIceCandidate(candidate).catch(() => undefined);
  }

  private drop(connectionId: string): void {
    const link = this.links.get(connectionId);
    if (!link) return;
    this.links.delete(connectionId);
    link.pc.close();
    this.options.onRemoteStream(connectionId, null);
    this.options.onRemoteScreen?.(connectionId, null);
  }
}

/**
 * Loss over a few percent, a round trip over a few hundred ms, or less than ~150 kbps to send
 * with, make a call stutter; ten percent loss or half a second makes it hard to follow.
 */
function quality(loss: number | null, roundTripSeconds: number | null, outgoingBitsPerSecond: number | null): Quality {
  if (loss === null && roundTripSeconds === null && outgoingBitsPerSecond === null) return 'unknown';
  if ((loss ?? 0) > 0.1 || (roundTripSeconds ?? 0) > 0.5) return 'poor';
  if ((loss ?? 0) > 0.03 || (roundTripSeconds ?? 0) > 0.3 || (outgoingBitsPerSecond !== null && outgoingBitsPerSecond < 150_000)) return 'weak';
  return 'good';
}

function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
