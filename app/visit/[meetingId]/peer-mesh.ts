// Peer-to-peer video among up to four browsers: one RTCPeerConnection (a "link") per pair of people,
// signalled through the app (POST up, the visit's push stream down). Media never passes through the
// server; through a TURN relay when the networks need one.
//
// A link belongs to a pair of people, not to their push streams: when either side's stream
// reconnects (a network blip, an app server restarting or draining), the link and its media go on,
// and only the address its signals go to changes. Of each pair, one offers and the other answers
// (see offers): a provider offers to anyone else, and of two providers or two others the smaller
// participant ID offers. The provider is the one already in the call, its page idle, while the
// person just let in is still drawing theirs: an offer from the provider's side reached the
// patient's first picture about 150 ms sooner (bench/video). When offers cross all the same (a
// page of an earlier version, which offered by participant ID alone; an offer so late the other
// side made its own, see EXPECT_OFFER_WITHIN_MS), the side the rule names keeps its own and the
// other answers it. A link has an id chosen by the offering side: a new offer with the same id is the same
// link renegotiating (an ICE restart keeps its media), one with another id replaces it, and the
// old one is closed, so a pair never holds two connections. Both sides keep three transceivers in
// this order: audio, camera, screen; and swap tracks with replaceTrack, so a camera change needs no
// renegotiation. The screen's transceiver sends only while its side shares a screen (its direction
// is receive-only otherwise), so an offer or answer shows the server who is sharing and the server
// can refuse someone the meeting policy does not allow (lib/visit/policies.ts). Starting or
// stopping a share renegotiates: the offering side offers again; the answering side asks it to.
//
// The camera starts small: each link sends it at most 360 lines high until the link's bandwidth
// estimate says a full picture fits, then at the camera's own size. Started at 720p, a sender's
// first frames are dropped while the encoder scales itself down to the new link's start bitrate
// (Chromium drops them one by one, about 300 ms on this machine), and the other side waits that
// long for its first picture; small, it sends one at once.
//
// Recovery: a link that is disconnected for a few seconds, or failed, gets an ICE restart (asked
// for by the answering side, made by the offering side); one that still has not come back, or
// never connected, is rebuilt from scratch.

export interface MeshPeer {
  participantId: string;
  /** Provider, Patient, Guest, Room: a provider offers to the others. */
  userType: string;
  /** Where signals for this person go now: their current push stream. */
  connectionId: string;
  /** Their page: a new one (a reload, another device) needs a new link; a reconnect keeps it. */
  page: string | null;
}

export interface SignalPayload {
  /** The link this belongs to, named by the side that offers. */
  link: string;
  /** The sending page (a reload makes a new one). */
  page?: string;
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit;
  /** Candidates gathered while the previous signal was on its way, sent together. */
  candidates?: RTCIceCandidateInit[];
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
  myParticipantId: string;
  myUserType: string;
  /** This page's id, sent with every signal. */
  myPage: string;
  configuration: RTCConfiguration;
  /** Sends a signal to a connection (the caller says which connection of ours it comes from). */
  send(toConnection: string, payload: SignalPayload): Promise<unknown>;
  onRemoteStream(participantId: string, stream: MediaStream | null): void;
  /** The screen this peer shares with us (a stream of its own), or null when the link closed. */
  onRemoteScreen?(participantId: string, stream: MediaStream | null): void;
  onReport?(participantId: string, report: LinkReport): void;
}

const RESTART_AFTER_DISCONNECTED_MS = 4000;
const REBUILD_AFTER_RESTART_MS = 12_000;
const REBUILD_IF_NEVER_CONNECTED_MS = 20_000;
const ASK_RESTART_EVERY_MS = 4000;
/** The side that answers offers itself when no offer came in this long (an earlier version's page offers by ID alone, and may be waiting for us). */
const EXPECT_OFFER_WITHIN_MS = 4000;
const WATCH_EVERY_MS = 1000;
const STATS_EVERY_MS = 2000;
/** The camera's transceiver, after audio; the screen's is the third. */
const CAMERA = 1;
const SCREEN = 2;
/** A new link sends the camera at most this many lines high... */
const START_HEIGHT = 360;
/** ...until its bandwidth estimate reaches this (a 720p picture needs about 1 to 1.5 Mbps). */
const FULL_SIZE_FROM_BPS = 1_000_000;

interface Link {
  id: string;
  /** The other person's participant ID. */
  peer: string;
  /** The other person's page this link is with, when known. */
  remotePage: string | null;
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
  /** The camera goes at its own size on this link (see START_HEIGHT). */
  fullSize: boolean;
}

export class PeerMesh {
  private readonly links = new Map<string, Link>();
  /** Each peer's current connection, where its signals go (from the view, and from their signals). */
  private readonly addresses = new Map<string, string>();
  /** Each peer as the view last said (their page; their user type, which decides who offers). */
  private readonly peers = new Map<string, MeshPeer>();
  /** Peers who are to offer to us and have not yet, since when. */
  private readonly offerExpected = new Map<string, number>();
  private localStream: MediaStream | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  private configuration: RTCConfiguration;
  // Signals are handled one at a time, in the order they came: an answer must not race its offer.
  private signalQueue: Promise<void> = Promise.resolve();
  /** Per peer, candidates waiting to leave together (see send). */
  private readonly candidateBatches = new Map<string, { link: string; candidates: RTCIceCandidateInit[] }>();
  // And sent one at a time, so the other side gets the offer before its candidates.
  private sendQueue: Promise<unknown> = Promise.resolve();
  // Candidates for a link that does not exist yet (its offer is still on the way).
  private readonly earlyCandidates = new Map<string, Array<{ link: string; candidate: RTCIceCandidateInit }>>();
  private readonly watchTimer: ReturnType<typeof setInterval>;
  private readonly statsTimer: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(private readonly options: PeerMeshOptions) {
    this.configuration = withBundle(options.configuration);
    this.watchTimer = setInterval(() => this.watch(), WATCH_EVERY_MS);
    this.statsTimer = setInterval(() => void this.collectStats(), STATS_EVERY_MS);
  }

  /** Opens links to new peers, closes links to peers that left, and follows peers that reconnected. */
  sync(peers: MeshPeer[]): void {
    const wanted = new Map(peers.map((peer) => [peer.participantId, peer]));
    for (const participantId of [...this.links.keys()]) if (!wanted.has(participantId)) this.drop(participantId);
    for (const participantId of [...this.addresses.keys()]) if (!wanted.has(participantId)) this.addresses.delete(participantId);
    for (const participantId of [...this.offerExpected.keys()]) if (!wanted.has(participantId)) this.offerExpected.delete(participantId);
    for (const participantId of [...this.peers.keys()]) if (!wanted.has(participantId)) this.peers.delete(participantId);
    for (const [participantId, peer] of wanted) {
      this.addresses.set(participantId, peer.connectionId);
      this.peers.set(participantId, peer);
      // They are on another page now (a reload, another device): that page has no link with us.
      const link = this.links.get(participantId);
      if (link && link.remotePage && peer.page && link.remotePage !== peer.page) this.drop(participantId);
      if (this.links.has(participantId)) continue;
      if (this.offers(participantId)) void this.offer(participantId);
      else if (!this.offerExpected.has(participantId)) this.offerExpected.set(participantId, Date.now());
    }
  }

  setLocalStream(stream: MediaStream | null): void {
    this.localStream = stream;
    for (const link of this.links.values()) this.attachLocalTracks(link);
  }

  /**
   * Our push stream reconnected: signals sent while it was away were lost. A link still being set
   * up is made again (by the side that offers; the other asks it to).
   */
  reconnected(): void {
    for (const link of [...this.links.values()]) {
      if (link.everConnected) continue;
      if (link.initiator) this.rebuild(link);
      else this.send(link.peer, { link: link.id, restart: true });
    }
  }

  /** Starts (a track) or stops (null) sharing a screen with everyone: each link renegotiates. */
  setScreen(track: MediaStreamTrack | null): void {
    // Nothing changed (the page says so again on every render of the call): no renegotiation.
    if (track === this.screenTrack) return;
    this.screenTrack = track;
    for (const link of this.links.values()) {
      this.attachLocalTracks(link);
      // In line with the signals being handled, so an offer never crosses an answer in progress.
      if (link.initiator) this.signalQueue = this.signalQueue.then(() => this.renegotiate(link)).catch((error: unknown) => console.warn('[visit] renegotiation failed', error));
      else this.send(link.peer, { link: link.id, renegotiate: true });
    }
  }

  /**
   * How loud each peer is now (0 to 1), from what their audio receiver last played: read from the
   * RTP receivers themselves, with no audio graph of our own (which a browser may keep suspended).
   */
  audioLevels(): Map<string, number> {
    const levels = new Map<string, number>();
    for (const [participantId, link] of this.links) {
      const receiver = link.pc.getReceivers().find((candidate) => candidate.track.kind === 'audio');
      const level = receiver?.getSynchronizationSources?.()[0]?.audioLevel;
      if (typeof level === 'number') levels.set(participantId, level);
    }
    return levels;
  }

  /** New TURN credentials (they expire): every link uses them from its next ICE gathering on. */
  setConfiguration(configuration: RTCConfiguration): void {
    this.configuration = withBundle(configuration);
    for (const link of this.links.values()) {
      try {
        link.pc.setConfiguration(this.configuration);
      } catch {
        // A browser that refuses the change keeps the credentials it has until the link is rebuilt.
      }
    }
  }

  /** A signal from `fromParticipant`, sent from its connection `fromConnection` (where answers go). */
  handleSignal(fromParticipant: string, fromConnection: string, payload: SignalPayload): Promise<void> {
    this.addresses.set(fromParticipant, fromConnection);
    const parts = Array.isArray(payload.candidates) ? payload.candidates.map((candidate) => ({ link: payload.link, page: payload.page, candidate })) : [payload];
    for (const part of parts) this.signalQueue = this.signalQueue.then(() => this.process(fromParticipant, part)).catch((error: unknown) => console.warn('[visit] signal failed', error));
    return this.signalQueue;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.watchTimer);
    clearInterval(this.statsTimer);
    for (const participantId of [...this.links.keys()]) this.drop(participantId);
  }

  private async process(from: string, payload: SignalPayload): Promise<void> {
    if (this.closed || typeof payload.link !== 'string') return;
    if (payload.description?.type === 'offer') {
      let link = this.links.get(from);
      // Offers crossed: the side that offers by the rule keeps its own (the other answers it).
      if (link?.initiator && link.id !== payload.link && this.offers(from)) return;
      this.offerExpected.delete(from);
      if (!link || link.id !== payload.link || link.initiator) {
        this.drop(from);
        link = this.createLink(from, false, payload.link);
      }
      link.remotePage = payload.page ?? link.remotePage;
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
      // A link that never connected has nothing to restart: make it anew.
      if (link.everConnected) await this.restartIce(link);
      else this.rebuild(link);
    } else if (payload.renegotiate && link.initiator) {
      await this.renegotiate(link);
    }
  }

  private async offer(participantId: string): Promise<void> {
    const link = this.createLink(participantId, true, randomId());
    link.remotePage = this.peers.get(participantId)?.page ?? null;
    link.pc.addTransceiver('audio', { direction: 'sendrecv' });
    link.pc.addTransceiver('video', { direction: 'sendrecv' });
    link.pc.addTransceiver('video', { direction: 'recvonly' });
    this.attachLocalTracks(link);
    await link.pc.setLocalDescription(await link.pc.createOffer());
    this.send(participantId, { link: link.id, description: link.pc.localDescription!.toJSON() });
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
    // Still offering (the first offer is being made, or awaits its answer): offer again after it.
    if (link.pc.signalingState !== 'stable' || !link.pc.remoteDescription) {
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

  /**
   * Sends to a peer at its current connection (looked up when the signal leaves, not when it was
   * made), in order. ICE candidates come in bursts of ten or twenty while a call sets up: those
   * gathered while an earlier signal is on its way leave together, as one request (one at a time,
   * each waiting for the last, they once took a second longer than the media needed). A batch
   * closes when anything else is sent, so no candidate ever overtakes a description.
   */
  private send(participantId: string, payload: SignalPayload): void {
    if (payload.candidate && !payload.description) {
      const open = this.candidateBatches.get(participantId);
      if (open && open.link === payload.link) {
        open.candidates.push(payload.candidate);
        return;
      }
      const batch = { link: payload.link, candidates: [payload.candidate] };
      this.candidateBatches.set(participantId, batch);
      this.enqueue(participantId, () => {
        if (this.candidateBatches.get(participantId) === batch) this.candidateBatches.delete(participantId);
        return batch.candidates.length === 1 ? { link: batch.link, candidate: batch.candidates[0] } : { link: batch.link, candidates: batch.candidates };
      });
      return;
    }
    this.candidateBatches.delete(participantId);
    this.enqueue(participantId, () => payload);
  }

  private enqueue(participantId: string, payloadWhenSent: () => SignalPayload): void {
    this.sendQueue = this.sendQueue
      .then(() => {
        const connection = this.addresses.get(participantId);
        return connection ? this.options.send(connection, { ...payloadWhenSent(), page: this.options.myPage }) : undefined;
      })
      .catch(() => undefined);
  }

  private createLink(participantId: string, initiator: boolean, id: string): Link {
    const pc = new RTCPeerConnection(this.configuration);
    const early = (this.earlyCandidates.get(participantId) ?? []).filter((entry) => entry.link === id).map((entry) => entry.candidate);
    this.earlyCandidates.delete(participantId);
    const link: Link = {
      id,
      peer: participantId,
      remotePage: null,
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
      fullSize: false,
    };
    this.links.set(participantId, link);
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.send(participantId, { link: id, candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ track, transceiver }) => {
      const isScreen = pc.getTransceivers().indexOf(transceiver) === SCREEN;
      const stream = isScreen ? link.screen : link.stream;
      if (!stream.getTracks().includes(track)) stream.addTrack(track);
      if (isScreen) this.options.onRemoteScreen?.(participantId, link.screen);
      else this.options.onRemoteStream(participantId, link.stream);
    };
    pc.onconnectionstatechange = () => this.watchLink(link);
    this.options.onReport?.(participantId, link.report);
    return link;
  }

  private watch(): void {
    for (const link of [...this.links.values()]) this.watchLink(link);
    // No offer came from the side that should make it: we offer (the rule settles a crossing).
    const now = Date.now();
    for (const [participantId, since] of [...this.offerExpected]) {
      if (this.links.has(participantId)) this.offerExpected.delete(participantId);
      else if (now - since > EXPECT_OFFER_WITHIN_MS) {
        this.offerExpected.delete(participantId);
        void this.offer(participantId);
      }
    }
  }

  /**
   * Whether we offer to this peer: a provider to anyone else; otherwise the smaller participant
   * ID (so an unknown peer, of whom we only have a signal, is judged by ID as before).
   */
  private offers(participantId: string): boolean {
    const theirType = this.peers.get(participantId)?.userType;
    const mine = this.options.myUserType === 'Provider';
    if (theirType !== undefined && mine !== (theirType === 'Provider')) return mine;
    return this.options.myParticipantId < participantId;
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
        if (!link.fullSize && (pair?.availableOutgoingBitrate ?? 0) >= FULL_SIZE_FROM_BPS) {
          link.fullSize = true;
          const camera = link.pc.getTransceivers()[CAMERA]?.sender;
          if (camera) await scaleCamera(camera, 1);
        }
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
      if (transceiver.sender.track === track) return;
      // Before the track goes on, so its first frame already leaves small.
      if (index === CAMERA && track && !link.fullSize) void scaleCamera(transceiver.sender, Math.max(1, (track.getSettings().height ?? START_HEIGHT) / START_HEIGHT));
      void transceiver.sender.replaceTrack(track).catch(() => undefined);
    });
  }

  private async flushCandidates(link: Link): Promise<void> {
    const candidates = link.pendingCandidates.splice(0);
    for (const candidate of candidates) await link.pc.addIceCandidate(candidate).catch(() => undefined);
  }

  private drop(participantId: string): void {
    const link = this.links.get(participantId);
    if (!link) return;
    this.links.delete(participantId);
    link.pc.close();
    this.options.onRemoteStream(participantId, null);
    this.options.onRemoteScreen?.(participantId, null);
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

/** Sends the camera's picture `factor` times smaller each way (1: at the camera's own size). */
async function scaleCamera(sender: RTCRtpSender, factor: number): Promise<void> {
  const parameters = sender.getParameters();
  const encoding = parameters.encodings?.[0];
  if (!encoding || encoding.scaleResolutionDownBy === factor) return;
  encoding.scaleResolutionDownBy = factor;
  // A browser that refuses sends the camera at its own size: slower to start, never wrong.
  await sender.setParameters(parameters).catch(() => undefined);
}

function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * One transport for audio, camera and screen from the start: a third of the candidates to gather
 * and send. Every link is made with it, and a link refuses a later configuration without it.
 */
function withBundle(configuration: RTCConfiguration): RTCConfiguration {
  return { ...configuration, bundlePolicy: 'max-bundle' };
}
