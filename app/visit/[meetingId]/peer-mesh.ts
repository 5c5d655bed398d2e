// Peer-to-peer video among up to four browsers: one RTCPeerConnection per pair, signalled through
// the app (POST up, the visit's push stream down). Media never passes through the server.
//
// Of each pair, the connection with the smaller ID offers and the other answers, so offers never
// collide. Both sides keep one audio and one video transceiver and swap tracks with replaceTrack,
// so turning the camera on later needs no renegotiation.

export interface MeshPeer {
  connectionId: string;
}

interface SignalPayload {
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit;
}

interface Link {
  pc: RTCPeerConnection;
  initiator: boolean;
  pendingCandidates: RTCIceCandidateInit[];
  stream: MediaStream;
}

export interface PeerMeshOptions {
  myConnectionId: string;
  iceServers: RTCIceServer[];
  send(to: string, payload: SignalPayload): Promise<unknown>;
  onRemoteStream(connectionId: string, stream: MediaStream | null): void;
}

export class PeerMesh {
  private readonly links = new Map<string, Link>();
  private localStream: MediaStream | null = null;
  // Signals are handled one at a time, in the order they came: an answer must not race its offer.
  private signalQueue: Promise<void> = Promise.resolve();
  // And sent one at a time, so the other side gets the offer before its candidates.
  private sendQueue: Promise<unknown> = Promise.resolve();
  // Candidates for a link that does not exist yet (its offer is still on the way).
  private readonly earlyCandidates = new Map<string, RTCIceCandidateInit[]>();

  constructor(private readonly options: PeerMeshOptions) {}

  get myConnectionId(): string {
    return this.options.myConnectionId;
  }

  /** Opens links to new peers and closes links to peers that left. */
  sync(peers: MeshPeer[]): void {
    const wanted = new Set(peers.map((peer) => peer.connectionId));
    for (const connectionId of this.links.keys()) if (!wanted.has(connectionId)) this.drop(connectionId);
    for (const connectionId of wanted) {
      if (!this.links.has(connectionId) && this.options.myConnectionId < connectionId) void this.offer(connectionId);
    }
  }

  setLocalStream(stream: MediaStream | null): void {
    this.localStream = stream;
    for (const link of this.links.values()) this.attachLocalTracks(link);
  }

  handleSignal(from: string, payload: SignalPayload): Promise<void> {
    this.signalQueue = this.signalQueue.then(() => this.process(from, payload)).catch((error: unknown) => console.warn('[visit] signal failed', error));
    return this.signalQueue;
  }

  private async process(from: string, payload: SignalPayload): Promise<void> {
    if (payload.description?.type === 'offer') {
      // A new offer from a peer means a fresh start from their side (for instance after they reloaded).
      this.drop(from);
      const link = this.createLink(from, false);
      await link.pc.setRemoteDescription(payload.description);
      for (const transceiver of link.pc.getTransceivers()) transceiver.direction = 'sendrecv';
      this.attachLocalTracks(link);
      await link.pc.setLocalDescription(await link.pc.createAnswer());
      this.send(from, { description: link.pc.localDescription!.toJSON() });
      await this.flushCandidates(link);
      return;
    }
    const link = this.links.get(from);
    if (!link) {
      if (payload.candidate) this.earlyCandidates.set(from, [...(this.earlyCandidates.get(from) ?? []), payload.candidate]);
      return;
    }
    if (payload.description?.type === 'answer' && link.pc.signalingState === 'have-local-offer') {
      await link.pc.setRemoteDescription(payload.description);
      await this.flushCandidates(link);
    } else if (payload.candidate) {
      if (link.pc.remoteDescription) await link.pc.addIceCandidate(payload.candidate).catch(() => undefined);
      else link.pendingCandidates.push(payload.candidate);
    }
  }

  close(): void {
    for (const connectionId of [...this.links.keys()]) this.drop(connectionId);
  }

  private async offer(connectionId: string): Promise<void> {
    const link = this.createLink(connectionId, true);
    link.pc.addTransceiver('audio', { direction: 'sendrecv' });
    link.pc.addTransceiver('video', { direction: 'sendrecv' });
    this.attachLocalTracks(link);
    await link.pc.setLocalDescription(await link.pc.createOffer());
    this.send(connectionId, { description: link.pc.localDescription!.toJSON() });
  }

  private send(to: string, payload: SignalPayload): void {
    this.sendQueue = this.sendQueue.then(() => this.options.send(to, payload)).catch(() => undefined);
  }

  private createLink(connectionId: string, initiator: boolean): Link {
    const pc = new RTCPeerConnection({ iceServers: this.options.iceServers });
    const link: Link = { pc, initiator, pendingCandidates: this.earlyCandidates.get(connectionId) ?? [], stream: new MediaStream() };
    this.earlyCandidates.delete(connectionId);
    this.links.set(connectionId, link);
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.send(connectionId, { candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ track }) => {
      link.stream.addTrack(track);
      this.options.onRemoteStream(connectionId, link.stream);
    };
    pc.onconnectionstatechange = () => {
      // A failed path (network change) is rebuilt by the offering side.
      if (pc.connectionState === 'failed' && link.initiator && this.links.get(connectionId) === link) {
        this.drop(connectionId);
        void this.offer(connectionId);
      }
    };
    return link;
  }

  private attachLocalTracks(link: Link): void {
    for (const transceiver of link.pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      const track = this.localStream?.getTracks().find((candidate) => candidate.kind === kind) ?? null;
      if (transceiver.sender.track !== track) void transceiver.sender.replaceTrack(track).catch(() => undefined);
    }
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
  }
}
