import type { MeshPeer, SignalPayload } from './peer-mesh';

// A visit of more than four people: the call's video through the media server (Janus, driven by
// our server: lib/media-server/visit-media.ts). This page sends its camera and microphone once, on
// one connection (the publisher), and receives everyone else's on another (the subscriber), instead
// of a connection to each person. Everything goes through one route of our own, in order:
//
//   publish  our offer          -> Janus' answer
//   subscribe                   -> Janus' offer of the others' media (null when nothing changed),
//                                  with whose each of its sections is
//   answer   our answer to it
//   candidate                   our ICE candidates, after the description they belong to
//   leave
//
// The server decides whom we receive (the people in the call, publishing now). Someone just let in
// publishes a moment after they appear in the view, so while anyone in the view is not received
// yet, the page asks again every RESUBSCRIBE_EVERY_MS.
//
// Each start of the call has an id of its own, sent with every request: the server keeps one call's
// handles per person, lets go of an earlier call's when a new one starts (a reload), and ignores a
// late leave of an earlier call. When either connection fails or stays disconnected, or a request is
// refused or not answered, the call starts again (after RESTART_AFTER_MS): a new id, new
// connections. When the server lost our media (Janus restarted), its notice on the push stream
// starts it again at once.

const RESUBSCRIBE_EVERY_MS = 1500;
const RESTART_AFTER_MS = 2000;
/** A connection disconnected this long (Janus gone without a word, the network cut) is over. */
const DISCONNECTED_RESTART_MS = 3000;
/** Who the server's own notices come from (lib/visit/signal-relay.ts MEDIA_SERVER_SENDER). */
const MEDIA_SERVER_SENDER = 'media-server';
/**
 * What the camera is sent at: in a grid of five to twelve tiles nobody sees a full picture. Two
 * simulcast layers (lib/visit/schema.ts SIMULCAST_TOP_LAYER), 360 and 180 lines at 15 frames a
 * second, together within the room's cap of 512 kbps per publisher (lib/media-server/visit-rooms.ts);
 * each receiver takes the small one for a tile under SMALL_LAYER_UP_TO device pixels high (a phone's
 * strip), so a phone decodes one full picture and small ones. Listed largest first, as Janus reads them.
 */
const SEND_HEIGHT = 360;
const SEND_FRAME_RATE = 15;
const LAYERS = [
  { rid: 'h', scale: 1, maxBitrate: 340_000 },
  { rid: 'l', scale: 2, maxBitrate: 120_000 },
];
const SMALL_LAYER_UP_TO = 200;
const GATHER_WAIT_MS = 1000;

export interface MediaServerCallOptions {
  configuration: RTCConfiguration;
  post(body: Record<string, unknown>): Promise<Response>;
  onRemoteStream(peer: string, stream: MediaStream | null): void;
  /** How high the peer's tile is now, in CSS pixels (null: not shown). */
  tileHeight(peer: string): number | null;
  /** The video service (our server's media server) is not answering now, or is again. */
  onUnavailable(unavailable: boolean): void;
}

interface SubscriptionOffer {
  description: RTCSessionDescriptionInit;
  streams: Array<{ mid: string; participantId: string; kind: 'audio' | 'video' }>;
  /** Of a new subscription on the server: answered on a new connection. */
  fresh: boolean;
}

export class MediaServerCall {
  private publisher: RTCPeerConnection | null = null;
  private subscriber: RTCPeerConnection | null = null;
  private localStream: MediaStream | null = null;
  private peers: string[] = [];
  /** Whose media each section of the subscriber carries, by mid. */
  private owners = new Map<string, string>();
  private readonly streams = new Map<string, MediaStream>();
  /** Our subscriber's candidates wait for its first answer to be sent. */
  private subscriberDescribed = false;
  private readonly subscriberPending: RTCIceCandidateInit[] = [];
  // Requests go one after another: a candidate after its description, an answer after its offer.
  private queue: Promise<unknown> = Promise.resolve();
  private readonly timer: ReturnType<typeof setInterval>;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private call = newCallId();
  private closed = false;
  /** Since when a connection of ours has been disconnected (null: none is). */
  private disconnectedSince: number | null = null;
  /** The simulcast layer asked for each peer received, as the server has it. */
  private layersAsked = new Map<string, number>();
  private unavailable = false;

  constructor(private readonly options: MediaServerCallOptions) {
    this.options.configuration = { ...options.configuration, bundlePolicy: 'max-bundle' };
    this.timer = setInterval(() => {
      this.watchConnections();
      if (this.peers.some((peer) => !this.streams.has(peer))) this.enqueue((call) => this.subscribe(call));
      this.enqueue((call) => this.chooseLayers(call));
    }, RESUBSCRIBE_EVERY_MS);
  }

  /** A notice from our server on the push stream: it lost our media (Janus restarted), so we start again now. */
  handleSignal(_fromParticipant: string, fromConnection: string, payload: SignalPayload & { restart?: unknown }): void {
    if (fromConnection === MEDIA_SERVER_SENDER && payload.restart === true) this.restartSoon(0);
  }

  setLocalStream(stream: MediaStream | null): void {
    this.localStream = stream;
    if (!stream) return;
    if (this.publisher) {
      // Another camera or microphone: the same connection sends it, without renegotiating.
      for (const transceiver of this.publisher.getTransceivers()) {
        const track = stream.getTracks().find((candidate) => candidate.kind === transceiver.receiver.track.kind);
        if (track && transceiver.sender.track !== track) void transceiver.sender.replaceTrack(track).catch(() => undefined);
      }
      return;
    }
    this.enqueue((call) => this.publish(call));
  }

  /** The others in the call now: those gone lose their tile at once; new ones are asked for. */
  sync(peers: MeshPeer[]): void {
    this.peers = peers.map((peer) => peer.participantId);
    this.forgetStreams((peer) => this.peers.includes(peer));
    this.enqueue((call) => this.subscribe(call));
  }

  setConfiguration(configuration: RTCConfiguration): void {
    this.options.configuration = { ...configuration, bundlePolicy: 'max-bundle' };
    for (const pc of [this.publisher, this.subscriber]) pc?.setConfiguration(this.options.configuration);
  }

  /** No per-person levels through the media server yet: the speaker is not outlined. */
  audioLevels(): Map<string, number> {
    return new Map();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.restartTimer);
    this.hangUp();
  }

  /** Lets go of this call's connections and tells the server (its handles go). */
  private hangUp(): void {
    this.publisher?.close();
    this.publisher = null;
    this.closeSubscriber();
    this.owners = new Map();
    void this.options.post({ action: 'leave', call: this.call }).catch(() => undefined);
  }

  /** A connection that stays disconnected does not come back by itself here: the call starts again. */
  private watchConnections(): void {
    const disconnected = [this.publisher, this.subscriber].some((pc) => pc?.connectionState === 'disconnected');
    if (!disconnected) this.disconnectedSince = null;
    else if (this.disconnectedSince === null) this.disconnectedSince = Date.now();
    else if (Date.now() - this.disconnectedSince >= DISCONNECTED_RESTART_MS) this.restartSoon(0);
  }

  /** A connection failed, or the server refused or did not answer: the call starts again, once. */
  private restartSoon(delay = RESTART_AFTER_MS): void {
    if (this.closed || this.restartTimer !== undefined) return;
    this.disconnectedSince = null;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closed) return;
      this.hangUp();
      this.forgetStreams(() => false);
      this.call = newCallId();
      // The new call's steps do not wait for the earlier call's: one of those can wait forever (an
      // operation of a connection closed under it never settles), and the call stayed down.
      this.queue = Promise.resolve();
      this.enqueue((call) => this.publish(call));
      this.enqueue((call) => this.subscribe(call));
    }, delay);
  }

  /** Runs a step of this call after the ones before it; a step of a call since started again is skipped. */
  private enqueue(step: (call: string) => Promise<unknown>, call = this.call): void {
    this.queue = this.queue
      .then(() => (this.closed || call !== this.call ? undefined : step(call)))
      .catch((error: unknown) => {
        // An earlier call's step that ended late: that call is over already.
        if (call !== this.call) return;
        console.warn('[visit] media server step failed', error);
        this.restartSoon();
      });
  }

  /** A request of `call`; refused (thrown) once the call has been started again, before or after it is sent. */
  private async request(call: string, body: Record<string, unknown>): Promise<unknown> {
    if (call !== this.call) throw new Error('this call was started again');
    const response = await this.options.post({ ...body, call });
    if (call !== this.call) throw new Error('this call was started again');
    if (response.status === 503) this.setUnavailable(true);
    if (!response.ok) throw new Error(`media server ${String(body.action)}: ${response.status}`);
    return response.status === 204 ? null : response.json();
  }

  private setUnavailable(unavailable: boolean): void {
    if (this.unavailable === unavailable) return;
    this.unavailable = unavailable;
    this.options.onUnavailable(unavailable);
  }

  /** Each received peer's layer for the size of their tile now; only changes are sent. */
  private async chooseLayers(call: string): Promise<void> {
    const received = new Set(this.owners.values());
    // Someone received again later is asked for afresh.
    for (const peer of [...this.layersAsked.keys()]) if (!received.has(peer)) this.layersAsked.delete(peer);
    const changes: Array<{ participantId: string; layer: number }> = [];
    for (const peer of received) {
      const height = this.options.tileHeight(peer);
      const layer = height !== null && height * (globalThis.devicePixelRatio || 1) > SMALL_LAYER_UP_TO ? 1 : 0;
      if (this.layersAsked.get(peer) !== layer) changes.push({ participantId: peer, layer });
    }
    if (!changes.length || !this.subscriberDescribed) return;
    await this.request(call, { action: 'layers', layers: changes });
    for (const { participantId, layer } of changes) this.layersAsked.set(participantId, layer);
  }

  private async publish(call: string): Promise<void> {
    if (this.publisher || !this.localStream) return;
    const pc = new RTCPeerConnection(this.options.configuration);
    this.publisher = pc;
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && this.publisher === pc) this.restartSoon();
    };
    const pending: RTCIceCandidateInit[] = [];
    let described = false;
    pc.onicecandidate = ({ candidate }) => {
      const init = candidate ? candidate.toJSON() : null;
      if (described) this.enqueue(() => this.request(call, { action: 'candidate', side: 'publisher', candidate: init }), call);
      else if (init) pending.push(init);
    };
    for (const kind of ['audio', 'video'] as const) {
      const track = this.localStream.getTracks().find((candidate) => candidate.kind === kind);
      if (!track) pc.addTransceiver(kind, { direction: 'sendonly' });
      else if (kind === 'audio') pc.addTransceiver(track, { direction: 'sendonly', streams: [this.localStream] });
      else {
        const base = Math.max(1, (track.getSettings().height ?? SEND_HEIGHT) / SEND_HEIGHT);
        const sendEncodings = LAYERS.map((layer) => ({ rid: layer.rid, scaleResolutionDownBy: base * layer.scale, maxBitrate: layer.maxBitrate, maxFramerate: SEND_FRAME_RATE }));
        const { sender } = pc.addTransceiver(track, { direction: 'sendonly', streams: [this.localStream], sendEncodings });
        await keepResolution(sender);
      }
    }
    await pc.setLocalDescription(await pc.createOffer());
    // The candidates gathered by now go in the description itself.
    await gathered(pc);
    pending.length = 0;
    const { description } = (await this.request(call, { action: 'publish', description: pc.localDescription!.toJSON() })) as { description: RTCSessionDescriptionInit };
    await pc.setRemoteDescription(description);
    if (call !== this.call) return;
    this.setUnavailable(false);
    described = true;
    for (const candidate of pending.splice(0)) await this.request(call, { action: 'candidate', side: 'publisher', candidate });
    if (pc.iceGatheringState === 'complete') await this.request(call, { action: 'candidate', side: 'publisher', candidate: null });
  }

  private async subscribe(call: string): Promise<void> {
    const answer = (await this.request(call, { action: 'subscribe' })) as { offer: SubscriptionOffer | null } | null;
    const offer = answer?.offer;
    if (!offer || this.closed) return;
    this.owners = new Map(offer.streams.map((stream) => [stream.mid, stream.participantId]));
    // A new subscription on the server (the first, or after it let go of an earlier one) is answered
    // on a new connection.
    if (offer.fresh) this.closeSubscriber();
    const pc = this.subscriber ?? this.makeSubscriber(call);
    await pc.setRemoteDescription(offer.description);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    this.subscriberPending.length = 0;
    await this.request(call, { action: 'answer', description: pc.localDescription!.toJSON() });
    this.subscriberDescribed = true;
    for (const candidate of this.subscriberPending.splice(0)) await this.request(call, { action: 'candidate', side: 'subscriber', candidate });
    // Whoever is no longer in the offer has no tile stream any more.
    const received = new Set(this.owners.values());
    this.forgetStreams((peer) => received.has(peer));
  }

  /** Closes the receiving connection; the next offer is answered on a new one. */
  private closeSubscriber(): void {
    this.subscriber?.close();
    this.subscriber = null;
    this.subscriberDescribed = false;
    this.subscriberPending.length = 0;
    // A new subscription starts each sender at Janus' top layer.
    this.layersAsked = new Map();
  }

  /** Each remote stream `keep` does not keep is gone, and its tile is told. */
  private forgetStreams(keep: (peer: string) => boolean): void {
    for (const [peer] of [...this.streams]) {
      if (keep(peer)) continue;
      this.streams.delete(peer);
      this.options.onRemoteStream(peer, null);
    }
  }

  private makeSubscriber(call: string): RTCPeerConnection {
    const pc = new RTCPeerConnection(this.options.configuration);
    this.subscriber = pc;
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && this.subscriber === pc) this.restartSoon();
    };
    pc.onicecandidate = ({ candidate }) => {
      const init = candidate ? candidate.toJSON() : null;
      if (this.subscriberDescribed) this.enqueue(() => this.request(call, { action: 'candidate', side: 'subscriber', candidate: init }), call);
      else if (init) this.subscriberPending.push(init);
    };
    pc.ontrack = ({ track, transceiver }) => {
      const peer = transceiver.mid ? this.owners.get(transceiver.mid) : undefined;
      if (!peer) return;
      let stream = this.streams.get(peer);
      if (!stream) {
        stream = new MediaStream();
        this.streams.set(peer, stream);
      }
      for (const old of stream.getTracks().filter((candidate) => candidate.kind === track.kind && candidate !== track)) stream.removeTrack(old);
      if (!stream.getTracks().includes(track)) stream.addTrack(track);
      this.options.onRemoteStream(peer, stream);
    };
    return pc;
  }
}

/**
 * Until the connection has gathered its candidates, at most GATHER_WAIT_MS: its description then
 * carries them. Sent one by one, each candidate was a request in the person's turn on the server,
 * behind their other steps: on a busy machine the last reached Janus 20 to 35 s after the first.
 * Those gathered later (a slow relay) are sent as they come.
 */
function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, GATHER_WAIT_MS);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/**
 * A browser short of CPU lowers the frame rate, not the picture's size. Left to lower the size, it
 * stops the top layer once the picture is under 360 lines (Chromium's layers per resolution) and
 * starts it again as the load eases, and each receiver's picture froze at every switch, waiting for
 * the other layer's next key frame (six pages on two cores: a page decoded one of five).
 */
async function keepResolution(sender: RTCRtpSender): Promise<void> {
  const parameters = sender.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
  parameters.degradationPreference = 'maintain-resolution';
  await sender.setParameters(parameters).catch(() => undefined);
}

function newCallId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
