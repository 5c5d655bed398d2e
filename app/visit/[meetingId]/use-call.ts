'use client';

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { IceConfiguration } from '@/lib/visit/ice-servers';
import type { PeerView, VideoPath } from '@/lib/visit/meeting-view';
import { MediaServerCall } from './media-server-call';
import { PeerMesh, type LinkReport, type SignalPayload } from './peer-mesh';
import type { SignalInbox } from './signal-inbox';

// The call's media: one mesh for as long as this person is in the call (it outlives reconnects of
// the push stream: links are per pair of people), the others' cameras and screens, and how each
// link is doing.
//
// The mesh is made, and told who is in the call, in layout effects: as soon as React has the view,
// before the browser paints it. In passive effects (after the paint) the first offer of a person
// just let in waited for their whole call view to be laid out and painted, on a phone's slow
// thread too (about 50 ms on this 2-core machine, in every admission).

export interface CallMedia {
  remoteStreams: Map<string, MediaStream>;
  /** A group visit's video service (the media server) is not answering now; the call keeps trying. */
  videoServiceDown: boolean;
  remoteScreens: Map<string, MediaStream>;
  reports: Map<string, LinkReport>;
  /** How loud each peer is now (0 to 1), by participant. */
  audioLevels(): Map<string, number>;
}

export function useCall(options: {
  inCall: boolean;
  myParticipantId: string;
  myUserType: string;
  myPage: string;
  connectionId: string | null;
  ice: IceConfiguration | null;
  peers: PeerView[];
  localStream: MediaStream | null;
  screenTrack: MediaStreamTrack | null;
  inbox: SignalInbox;
  sendSignal(body: { from: string; to: string; payload: SignalPayload }): Promise<unknown>;
  /** Between the browsers (a mesh), or through the media server (visits above four people). */
  video: VideoPath;
  askMediaServer(body: Record<string, unknown>): Promise<Response>;
}): CallMedia {
  const { inCall, myParticipantId, myUserType, myPage, connectionId, ice, peers, localStream, screenTrack, inbox, sendSignal, video } = options;
  const meshRef = useRef<PeerMesh | MediaServerCall | null>(null);
  const ask = useRef(options.askMediaServer);
  ask.current = options.askMediaServer;
  const [remoteStreams, setRemoteStreams] = useState<Map<string, MediaStream>>(new Map());
  const [remoteScreens, setRemoteScreens] = useState<Map<string, MediaStream>>(new Map());
  const [reports, setReports] = useState<Map<string, LinkReport>>(new Map());
  const [videoServiceDown, setVideoServiceDown] = useState(false);
  // Where our signals come from: the stream that is open now (none while it reconnects).
  const connection = useRef(connectionId);
  connection.current = connectionId;
  const send = useRef(sendSignal);
  send.current = sendSignal;
  const iceRef = useRef(ice);
  iceRef.current = ice;
  const iceReady = ice !== null;
  // The mesh starts once the stream has given us a connection to send from (an offer made before
  // would be lost), and outlives the stream's reconnects.
  const [connected, setConnected] = useState(connectionId !== null);
  if (connectionId !== null && !connected) setConnected(true);

  useLayoutEffect(() => {
    const configuration = iceRef.current;
    if (!inCall || !configuration || !connected) return;
    const rtcConfiguration = { iceServers: configuration.iceServers, iceTransportPolicy: configuration.iceTransportPolicy };
    const onRemoteStream = (peer: string, stream: MediaStream | null) => setRemoteStreams((streams) => withEntry(streams, peer, stream));
    const call =
      video === 'media-server'
        ? new MediaServerCall({
            configuration: rtcConfiguration,
            post: (body) => ask.current(body),
            onRemoteStream,
            tileHeight: (peer) => document.querySelector<HTMLElement>(`[data-participant="${CSS.escape(peer)}"]`)?.clientHeight ?? null,
            onUnavailable: setVideoServiceDown,
          })
        : new PeerMesh({
            myParticipantId,
            myUserType,
            myPage,
            configuration: rtcConfiguration,
            send: (to, payload) => (connection.current ? send.current({ from: connection.current, to, payload }) : Promise.resolve()),
            onRemoteStream,
            onRemoteScreen: (peer, stream) => setRemoteScreens((streams) => withEntry(streams, peer, stream)),
            onReport: (peer, report) => setReports((current) => withEntry(current, peer, report)),
          });
    meshRef.current = call;
    // The mesh's signals from the others, or the media server call's notices from our server.
    inbox.attach(call);
    return () => {
      inbox.attach(null);
      call.close();
      meshRef.current = null;
      setRemoteStreams(new Map());
      setRemoteScreens(new Map());
      setReports(new Map());
      setVideoServiceDown(false);
    };
  }, [inCall, iceReady, connected, myParticipantId, myUserType, myPage, inbox, video]);

  // Our stream came back with a new connection: links still being set up may have lost signals.
  // Only a connection after another one is a return (the first is where the call starts), and it
  // is told before the sync below: a link made in the same render, on the new connection, lost
  // nothing. As a passive effect, after the sync, it made a busy page's first offer twice: the
  // stream's first view, the relay's credentials and the call's view rendered at once, the mesh
  // offered, then took the first connection for a return and made the link again.
  const lastConnection = useRef<string | null>(null);
  useLayoutEffect(() => {
    if (!connectionId) return;
    const before = lastConnection.current;
    lastConnection.current = connectionId;
    if (before && before !== connectionId && meshRef.current instanceof PeerMesh) meshRef.current.reconnected();
  }, [connectionId]);

  // Renewed TURN credentials: each link uses them from its next ICE gathering on.
  useEffect(() => {
    if (ice) meshRef.current?.setConfiguration({ iceServers: ice.iceServers, iceTransportPolicy: ice.iceTransportPolicy });
  }, [ice]);

  useLayoutEffect(() => {
    meshRef.current?.setLocalStream(localStream);
  }, [localStream, inCall, iceReady, connected]);

  useLayoutEffect(() => {
    meshRef.current?.sync(inCall ? peers : []);
  }, [peers, inCall, iceReady, connected]);

  useEffect(() => {
    if (meshRef.current instanceof PeerMesh) meshRef.current.setScreen(screenTrack);
  }, [screenTrack, inCall, iceReady, connected]);

  const audioLevels = useCallback(() => meshRef.current?.audioLevels() ?? new Map<string, number>(), []);
  return { remoteStreams, videoServiceDown, remoteScreens, reports, audioLevels };
}

function withEntry<Value>(map: Map<string, Value>, key: string, value: Value | null): Map<string, Value> {
  const next = new Map(map);
  if (value === null) next.delete(key);
  else next.set(key, value);
  return next;
}
