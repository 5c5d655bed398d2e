'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { LanguageSwitch, usePatientText } from '@/components/patient/language';
import type { IceConfiguration } from '@/lib/visit/ice-servers';
import type { MeetingView, PeerView } from '@/lib/visit/meeting-view';
import { ChatPanel } from './chat-panel';
import { PeerMesh, type LinkReport, type Quality, type SignalPayload } from './peer-mesh';
import { useLocalMedia, type LocalMedia } from './use-local-media';
import { useVisitStream } from './use-visit-stream';
import { useWaitingChime } from './use-waiting-chime';

interface Props {
  meetingId: string;
  initialView: MeetingView;
  customText: string;
  logoSrc: string | null;
  /** For a provider whose launch called a room that could not be called (lib/rooms/call.ts). */
  roomNotice?: { kind: 'room_unknown' | 'room_offline' | 'visit_full'; name: string } | null;
}

/** Where a room device goes when its call is over: its idle screen. */
const ROOM_HOME = '/room';
/** A room waits this long for the provider who called it, then this long for one who dropped. */
const ROOM_WAITS_FOR_CALLER_MS = 45_000;
const ROOM_WAITS_FOR_RETURN_MS = 5000;

export function VisitRoom({ meetingId, initialView, customText, logoSrc, roomNotice = null }: Props) {
  const { text } = usePatientText();
  const t = text.visit;
  const [left, setLeft] = useState(false);
  const meshRef = useRef<PeerMesh | null>(null);
  // Signals that arrive before this browser's mesh exists (the offer can come in the same push as
  // the state that lets us in) wait here instead of being lost.
  const earlySignals = useRef<Array<{ from: string; payload: SignalPayload; connectionId: string }>>([]);
  const onSignal = useCallback((from: string, payload: SignalPayload, connectionId: string) => {
    const mesh = meshRef.current;
    if (mesh && mesh.myConnectionId === connectionId) void mesh.handleSignal(from, payload);
    else earlySignals.current.push({ from, payload, connectionId });
  }, []);
  const { view, connectionId, status, replaced, chat, ice, setIce } = useVisitStream(meetingId, initialView, { enabled: !left, onSignal });
  const isRoom = view.me.userType === 'Room';
  const inCall = view.stage === 'in-call' && !left && !replaced;
  const waiting = view.stage === 'waiting-for-host' || view.stage === 'waiting-for-admission';
  // Camera and microphone from the waiting room on: a patient sees they are ready before the provider comes.
  const media = useLocalMedia((inCall || waiting) && !left && !replaced);
  const [micOn, setMicOn] = useState(true);
  const [cameraOn, setCameraOn] = useState(true);
  const [remoteStreams, setRemoteStreams] = useState<Map<string, MediaStream>>(new Map());
  const [reports, setReports] = useState<Map<string, LinkReport>>(new Map());
  const [remoteScreens, setRemoteScreens] = useState<Map<string, MediaStream>>(new Map());
  // The screen this browser shares, while it does.
  const [screen, setScreen] = useState<MediaStream | null>(null);
  const [shareProblem, setShareProblem] = useState<string | null>(null);
  const [chatOpen, setChatOpen] = useState(false);
  const [chatSeen, setChatSeen] = useState(0);
  const [roomNoticeShown, setRoomNoticeShown] = useState(roomNotice !== null);
  // Known only in the browser (the server render has no navigator).
  const [canShare, setCanShare] = useState(false);
  useEffect(() => setCanShare(canShareScreen()), []);
  // The ICE configuration in use: it comes on the stream as this person enters the call, and
  // renewed TURN credentials replace it.
  const iceRef = useRef(ice);
  const iceReady = ice !== null;
  useEffect(() => {
    if (!ice) return;
    iceRef.current = ice;
    meshRef.current?.setConfiguration({ iceServers: ice.iceServers, iceTransportPolicy: ice.iceTransportPolicy });
  }, [ice]);

  const post = useCallback(
    (path: string, body: unknown) =>
      fetch(`/api/visits/${meetingId}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    [meetingId],
  );

  // One mesh per connection of ours: after a reconnect the others address us anew.
  useEffect(() => {
    const configuration = iceRef.current;
    if (!connectionId || !inCall || !iceReady || !configuration) return;
    const mesh = new PeerMesh({
      myConnectionId: connectionId,
      configuration: { iceServers: configuration.iceServers, iceTransportPolicy: configuration.iceTransportPolicy },
      send: (to, payload) => post('signal', { from: connectionId, to, payload }),
      onRemoteStream: (peer, stream) => setRemoteStreams((streams) => withEntry(streams, peer, stream)),
      onReport: (peer, report) => setReports((current) => withEntry(current, peer, report)),
      onRemoteScreen: (peer, stream) => setRemoteScreens((streams) => withEntry(streams, peer, stream)),
    });
    meshRef.current = mesh;
    for (const early of earlySignals.current.splice(0)) if (early.connectionId === connectionId) void mesh.handleSignal(early.from, early.payload);
    return () => {
      mesh.close();
      meshRef.current = null;
      setRemoteStreams(new Map());
      setReports(new Map());
      setRemoteScreens(new Map());
    };
  }, [connectionId, inCall, iceReady, post]);

  useEffect(() => {
    meshRef.current?.sync(inCall ? view.peers : []);
  }, [view, inCall, connectionId, iceReady]);

  useEffect(() => {
    meshRef.current?.setLocalStream(media.stream);
  }, [media.stream, connectionId, inCall, iceReady]);

  useEffect(() => {
    meshRef.current?.setScreen(screen?.getVideoTracks()[0] ?? null);
  }, [screen, connectionId, inCall, iceReady]);

  const stopSharing = useCallback(() => {
    setScreen((current) => {
      current?.getTracks().forEach((track) => track.stop());
      return null;
    });
  }, []);
  // Out of the call (or gone from it), nothing is shared.
  useEffect(() => {
    if (!inCall || !view.allowed.shareScreen) stopSharing();
  }, [inCall, view.allowed.shareScreen, stopSharing]);

  const startSharing = async () => {
    setShareProblem(null);
    let shared: MediaStream;
    try {
      shared = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      return; // The person chose not to share.
    }
    // The server decides: it refuses a share the meeting policy does not allow.
    const response = connectionId ? await post('media', { connectionId, micOn, cameraOn, sharing: true }).catch(() => null) : null;
    if (!response?.ok) {
      shared.getTracks().forEach((track) => track.stop());
      setShareProblem(response?.status === 403 ? t.shareRefused : t.shareFailed);
      return;
    }
    // The browser's own "Stop sharing" bar ends the track.
    shared.getVideoTracks()[0]?.addEventListener('ended', stopSharing);
    setScreen(shared);
  };

  // New chat messages while the chat is closed are counted on its button.
  useEffect(() => {
    if (chatOpen) setChatSeen(chat.length);
  }, [chatOpen, chat.length]);

  // A room device: back to its idle screen when the call is over, or when the provider who
  // called is not there (after a moment, for a provider's reload).
  const everInCall = useRef(false);
  if (inCall) everInCall.current = true;
  useEffect(() => {
    if (!isRoom) return;
    const over = replaced || left || ['ended', 'gone', 'removed', 'full'].includes(view.stage);
    const alone = view.stage === 'waiting-for-host' || view.stage === 'waiting-for-admission';
    if (!over && !alone) return;
    const timer = setTimeout(
      () => {
        // Hanging up ends the room's place in this visit, and its cookie for it.
        const leaving = connectionId ? post('actions', { action: 'leave', connectionId }).catch(() => undefined) : Promise.resolve();
        void leaving
          .then(() => fetch(`/api/visits/${meetingId}/session`, { method: 'DELETE' }))
          .catch(() => undefined)
          .finally(() => window.location.assign(ROOM_HOME));
      },
      over ? 3000 : everInCall.current ? ROOM_WAITS_FOR_RETURN_MS : ROOM_WAITS_FOR_CALLER_MS,
    );
    return () => clearTimeout(timer);
  }, [isRoom, view.stage, replaced, left, connectionId, post, meetingId]);

  // TURN credentials expire: new ones before they do, for the links' next ICE gathering.
  const iceExpiresAt = ice?.expiresAt ?? null;
  useEffect(() => {
    if (!iceExpiresAt || !inCall) return;
    let timer: ReturnType<typeof setTimeout>;
    const renew = async () => {
      try {
        const response = await fetch(`/api/visits/${meetingId}/ice`, { cache: 'no-store' });
        // New settings re-run this effect, with their own expiry.
        if (response.ok) return setIce((await response.json()) as IceConfiguration);
      } catch {
        // offline for a moment
      }
      timer = setTimeout(() => void renew(), 30_000);
    };
    timer = setTimeout(() => void renew(), Math.max(30_000, (iceExpiresAt - Date.now()) * 0.8));
    return () => clearTimeout(timer);
  }, [iceExpiresAt, inCall, meetingId, setIce]);

  // The microphone and camera switches: the tracks, and what the others' tiles show.
  useEffect(() => {
    media.stream?.getAudioTracks().forEach((track) => (track.enabled = micOn));
    media.stream?.getVideoTracks().forEach((track) => (track.enabled = cameraOn));
  }, [media.stream, micOn, cameraOn]);
  const sharing = screen !== null;
  useEffect(() => {
    if (!connectionId || !inCall) return;
    void post('media', { connectionId, micOn, cameraOn, sharing })
      .then((response) => {
        // The policy changed, or this is a new connection the server judges anew.
        if (response.status === 403 && sharing) {
          stopSharing();
          setShareProblem(t.shareRefused);
        }
      })
      .catch(() => undefined);
  }, [micOn, cameraOn, sharing, connectionId, inCall, post, stopSharing, t.shareRefused]);

  const chime = useWaitingChime(view.waiting.map((patient) => patient.participantId), view.me.userType === 'Provider' && !left, t.pageTitle);

  if (replaced) {
    return (
      <Notice title={t.replacedTitle} body={t.replacedBody}>
        <button type="button" className={primaryButton} onClick={() => window.location.reload()}>
          {t.useThisDevice}
        </button>
      </Notice>
    );
  }
  if (left) {
    return (
      <Notice title={t.leftTitle} body={t.leftBody} heading>
        <button type="button" className={primaryButton} onClick={() => setLeft(false)}>
          {t.rejoin}
        </button>
      </Notice>
    );
  }
  if (isRoom && (view.stage === 'gone' || view.stage === 'ended' || view.stage === 'removed' || view.stage === 'full')) return <Notice title={t.roomCallOver} body="" />;
  if (view.stage === 'gone') return <Notice title={t.goneTitle} body={t.goneBody} />;
  if (view.stage === 'ended') return <Notice title={t.endedTitle} body={t.closePage} />;
  if (view.stage === 'removed') return <Notice title={t.removedTitle} body={t.removedBody} />;
  if (view.stage === 'full') return <Notice title={t.fullTitle} body={t.fullBody} />;

  if (waiting && isRoom) return <Notice title={t.roomConnecting} body="" />;
  if (waiting) {
    return (
      <main className="mx-auto flex min-h-screen w-full max-w-lg flex-col justify-center p-4">
        <div className="rounded-lg bg-white p-5 text-center shadow">
          <div className="flex justify-end">
            <LanguageSwitch />
          </div>
          {logoSrc ? (
            // eslint-disable-next-line @next/next/no-img-element -- our own hashed, cached logo
            <img src={logoSrc} alt={t.clinicLogo} className="mx-auto mb-4 max-h-32 max-w-full" />
          ) : null}
          {customText ? (
            <p className="mb-4 whitespace-pre-line text-slate-800" data-testid="custom-text">
              {customText}
            </p>
          ) : null}
          <p role="status" aria-live="polite" className="text-lg font-semibold" data-testid="visit-status">
            {view.stage === 'waiting-for-host' ? t.waitingForHost : t.waitingForAdmission}
          </p>
          <p className="mt-1 text-slate-700">{view.stage === 'waiting-for-host' ? t.waitingForHostPlain : t.waitingForAdmissionPlain}</p>
          {status === 'reconnecting' ? (
            <p className="mt-2 font-medium text-amber-800" data-testid="connection-status">
              {t.reconnectingVisit}
            </p>
          ) : null}
          <SelfCheck media={media} />
          <p className="mt-3 text-sm text-slate-700">{t.keepOpen}</p>
          <p className="mt-3 text-sm">
            <a href="/device-test" target="_blank" rel="noopener" className="text-blue-800 underline">
              {t.testDevices}
            </a>{' '}
            {t.opensInNewTab}
          </p>
        </div>
      </main>
    );
  }

  const isProvider = view.me.userType === 'Provider';
  const linkReports = view.peers.map((peer) => reports.get(peer.connectionId));
  const reconnecting = status === 'reconnecting' || linkReports.some((report) => report?.state === 'reconnecting');
  const myQuality = worst(linkReports.map((report) => report?.mine ?? 'unknown'));
  const weakPeers = view.peers.filter((peer) => isWeak(reports.get(peer.connectionId)?.theirs));
  const providers = view.peers.filter((peer) => peer.userType === 'Provider');
  const sharer = view.peers.find((peer) => peer.sharing && remoteScreens.has(peer.connectionId));
  const unreadChat = Math.max(0, chat.length - chatSeen);
  const statusText = reconnecting
    ? t.reconnecting
    : isRoom && providers.length
      ? t.roomCallFrom(providers.map((peer) => peer.name).join(', '))
    : isWeak(myQuality)
      ? t.yourConnectionWeak
      : weakPeers.length
        ? weakPeers.map((peer) => t.theirConnectionWeak(peer.name)).join('. ')
        : view.peers.length
          ? t.inCallWith(view.peers.map((peer) => peer.name).join(', '))
          : t.waitingForOthers;

  return (
    <main className="flex h-[100dvh] flex-col bg-slate-900 text-white" data-testid="call">
      <header className="flex flex-wrap items-center gap-2 px-3 py-2">
        <p role="status" aria-live="polite" data-testid="visit-status" className={`min-w-0 flex-1 text-sm font-medium ${reconnecting || isWeak(myQuality) || weakPeers.length ? 'text-amber-300' : 'text-slate-200'}`}>
          {statusText}
        </p>
        <QualityIndicator quality={myQuality} label={t.networkQuality} names={t.quality} />
        <LanguageSwitch className="!text-blue-200 hover:!bg-slate-800" />
      </header>
      {isProvider ? <WaitingNotice view={view} chime={chime} post={post} /> : null}
      {isProvider && roomNotice && roomNoticeShown ? (
        <div role="alert" className="flex flex-wrap items-center gap-2 bg-amber-100 px-3 py-2 text-slate-900" data-testid="room-notice">
          <p className="min-w-0 flex-1 text-sm">{roomNotice.kind === 'room_unknown' ? t.roomUnknown(roomNotice.name) : roomNotice.kind === 'visit_full' ? t.roomVisitFull(roomNotice.name) : t.roomOffline(roomNotice.name)}</p>
          <button type="button" className={lightButton} onClick={() => setRoomNoticeShown(false)}>
            {t.dismiss}
          </button>
        </div>
      ) : null}
      {sharing ? (
        <p role="status" className="bg-blue-100 px-3 py-1.5 text-sm font-medium text-blue-950" data-testid="sharing-status">
          {t.youAreSharing}
        </p>
      ) : null}
      <div className="flex min-h-0 flex-1 flex-col sm:flex-row">
        <section aria-label={t.pageTitle} className="relative min-h-0 flex-1 p-2">
          {view.peers.length === 0 ? (
            <p className="flex h-full items-center justify-center text-center text-slate-300">{isProvider ? t.noPatientYet : t.othersConnecting}</p>
          ) : sharer ? (
            // Someone shares a screen: it takes the room, and the cameras go to a strip beside it.
            <div className="flex h-full flex-col gap-2 sm:flex-row">
              <figure className="relative min-h-0 flex-1 overflow-hidden rounded-lg bg-black">
                <SharedScreen stream={remoteScreens.get(sharer.connectionId)!} label={t.screenOf(sharer.name)} />
                <figcaption className="absolute bottom-1 left-1 rounded bg-black/60 px-2 py-0.5 text-sm">{t.screenOf(sharer.name)}</figcaption>
              </figure>
              <div className="grid h-28 shrink-0 auto-cols-fr grid-flow-col gap-2 sm:h-auto sm:w-56 sm:grid-flow-row sm:auto-rows-fr">
                {view.peers.map((peer) => (
                  <RemoteTile key={peer.connectionId} peer={peer} stream={remoteStreams.get(peer.connectionId) ?? null} report={reports.get(peer.connectionId)} speakerId={media.choice.speakerId} />
                ))}
              </div>
            </div>
          ) : (
            <div className={`grid h-full gap-2 ${view.peers.length === 1 ? 'grid-cols-1' : view.peers.length === 2 ? 'grid-cols-1 grid-rows-2 sm:grid-cols-2 sm:grid-rows-1' : 'grid-cols-2 grid-rows-2'}`}>
              {view.peers.map((peer) => (
                <RemoteTile key={peer.connectionId} peer={peer} stream={remoteStreams.get(peer.connectionId) ?? null} report={reports.get(peer.connectionId)} speakerId={media.choice.speakerId} />
              ))}
            </div>
          )}
          <figure className="absolute bottom-3 right-3 w-28 overflow-hidden rounded-lg border border-slate-600 bg-black shadow-lg sm:w-44">
            <video
              data-testid="local-video"
              aria-label={t.yourCamera}
              className="aspect-video w-full -scale-x-100 object-cover"
              muted
              playsInline
              autoPlay
              ref={(element) => {
                if (element && element.srcObject !== media.stream) element.srcObject = media.stream;
              }}
            />
            <figcaption className="absolute bottom-0 left-0 right-0 flex items-center gap-1 bg-black/60 px-1.5 py-0.5 text-xs">
              <span className="truncate">{t.you(view.me.name)}</span>
              {!micOn ? <MutedBadge label={t.microphoneOff} /> : null}
            </figcaption>
          </figure>
        </section>
        {chatOpen && view.allowed.chat ? (
          <ChatPanel
            messages={chat}
            myId={view.me.participantId}
            send={(body) => post('chat', { body, connectionId })}
            onClose={() => setChatOpen(false)}
          />
        ) : null}
      </div>
      {shareProblem ? (
        <p role="alert" className="mx-2 mb-2 rounded bg-red-100 p-2 text-sm text-red-900">
          {shareProblem}
        </p>
      ) : null}
      {media.problem ? (
        <p role="alert" className="mx-2 mb-2 rounded bg-red-100 p-2 text-sm text-red-900">
          {t.media[media.problem]}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center justify-center gap-2 border-t border-slate-700 p-2" role="group" aria-label={t.callControls}>
        <button type="button" className={controlButton} aria-pressed={!micOn} disabled={!media.stream} onClick={() => setMicOn((on) => !on)}>
          {micOn ? t.muteMicrophone : t.unmuteMicrophone}
        </button>
        <button type="button" className={controlButton} aria-pressed={!cameraOn} disabled={!media.stream} onClick={() => setCameraOn((on) => !on)}>
          {cameraOn ? t.cameraOffButton : t.cameraOnButton}
        </button>
        <DevicePicker media={media} />
        {view.allowed.shareScreen && canShare ? (
          <button type="button" className={controlButton} aria-pressed={sharing} onClick={() => (sharing ? stopSharing() : void startSharing())}>
            {sharing ? t.stopSharing : t.shareScreen}
          </button>
        ) : null}
        {view.allowed.chat ? (
          <button type="button" className={controlButton} aria-expanded={chatOpen} onClick={() => setChatOpen((open) => !open)}>
            {unreadChat && !chatOpen ? t.chatUnread(unreadChat) : t.chat}
          </button>
        ) : null}
        <button
          type="button"
          className={dangerButton}
          onClick={() => {
            if (connectionId) void post('actions', { action: 'leave', connectionId });
            setLeft(true);
          }}
        >
          {t.leave}
        </button>
        {isProvider ? (
          <button
            type="button"
            className={dangerButton}
            onClick={() => {
              if (window.confirm(t.endConfirm)) void post('actions', { action: 'end' });
            }}
          >
            {t.endForEveryone}
          </button>
        ) : null}
      </div>
    </main>
  );
}

/** The provider's waiting room: who waits (never missable: in the header, with a chime) and who was sent out. */
function WaitingNotice({ view, chime, post }: { view: MeetingView; chime: ReturnType<typeof useWaitingChime>; post: (path: string, body: unknown) => Promise<Response> }) {
  const t = usePatientText().text.visit;
  if (view.waiting.length === 0 && view.removed.length === 0) return null;
  return (
    <section aria-label={t.waitingRoom} className="bg-amber-100 px-3 py-2 text-slate-900">
      {view.waiting.length ? <h2 className="font-semibold">{t.waitingCount(view.waiting.length)}</h2> : null}
      <ul className="mt-1 space-y-2">
        {view.waiting.map((patient) => (
          <li key={patient.participantId} className="flex flex-wrap items-center gap-2">
            <span className="font-medium">{t.isWaiting(patient.name)}</span>
            <button type="button" className={admitButton} onClick={() => void post('actions', { action: 'admit', participantId: patient.participantId })}>
              {t.admit(patient.name)}
            </button>
            <button
              type="button"
              className={lightButton}
              onClick={() => {
                if (window.confirm(t.removeConfirm(patient.name))) void post('actions', { action: 'remove', participantId: patient.participantId });
              }}
            >
              {t.remove(patient.name)}
            </button>
          </li>
        ))}
      </ul>
      {view.removed.length ? (
        <div className="mt-2">
          <h2 className="text-sm font-semibold">{t.removedList}</h2>
          <ul className="mt-1 space-y-2">
            {view.removed.map((patient) => (
              <li key={patient.participantId} className="flex flex-wrap items-center gap-2">
                <span>{patient.name}</span>
                <button type="button" className={lightButton} onClick={() => void post('actions', { action: 'readmit', participantId: patient.participantId })}>
                  {t.letBackIn(patient.name)}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {view.waiting.length && chime.state !== 'on' ? <p className="mt-2 text-sm">{t.chimeBlocked}</p> : null}
    </section>
  );
}

function SharedScreen({ stream, label }: { stream: MediaStream; label: string }) {
  return (
    <video
      data-testid="shared-screen"
      aria-label={label}
      className="h-full w-full object-contain"
      playsInline
      autoPlay
      muted
      ref={(element) => {
        if (element && element.srcObject !== stream) element.srcObject = stream;
      }}
    />
  );
}

/** Phones have no screen to share (no getDisplayMedia): no button there. */
function canShareScreen(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';
}

function RemoteTile({ peer, stream, report, speakerId }: { peer: PeerView; stream: MediaStream | null; report: LinkReport | undefined; speakerId: string }) {
  const t = usePatientText().text.visit;
  const video = useRef<HTMLVideoElement | null>(null);
  useEffect(() => {
    const element = video.current as (HTMLVideoElement & { setSinkId?(id: string): Promise<void> }) | null;
    if (element?.setSinkId && speakerId) void element.setSinkId(speakerId).catch(() => undefined);
  }, [speakerId, stream]);
  const reconnecting = report?.state === 'reconnecting';
  return (
    <figure className="relative min-h-0 overflow-hidden rounded-lg bg-black">
      <video
        data-testid="remote-video"
        data-name={peer.name}
        aria-label={t.videoOf(peer.name)}
        className="h-full w-full object-contain"
        playsInline
        autoPlay
        ref={(element) => {
          video.current = element;
          if (element && element.srcObject !== stream) element.srcObject = stream;
        }}
      />
      {!peer.cameraOn ? (
        <div className="absolute inset-0 flex flex-col items-center justify-center bg-slate-800 text-center">
          <span aria-hidden="true" className="flex h-16 w-16 items-center justify-center rounded-full bg-slate-600 text-2xl font-semibold">
            {initials(peer.name)}
          </span>
          <span className="mt-2 text-sm text-slate-200">{t.cameraOff}</span>
        </div>
      ) : null}
      {reconnecting || !stream ? (
        <p className="absolute inset-x-0 top-2 mx-auto w-fit rounded bg-black/70 px-2 py-1 text-sm" data-testid="tile-status">
          {reconnecting ? t.reconnecting : t.connecting}
        </p>
      ) : null}
      <figcaption className="absolute bottom-1 left-1 flex items-center gap-1 rounded bg-black/60 px-2 py-0.5 text-sm">
        <span>{peer.name}</span>
        {!peer.micOn ? <MutedBadge label={t.microphoneOff} /> : null}
        {isWeak(report?.theirs) ? <span className="rounded bg-amber-400 px-1 text-xs font-semibold text-slate-900">{t.quality.weak}</span> : null}
      </figcaption>
    </figure>
  );
}

/** In the waiting room: yourself, and the microphone level, so you know you are ready. */
function SelfCheck({ media }: { media: LocalMedia }) {
  const t = usePatientText().text.visit;
  if (media.problem) {
    return (
      <p role="alert" className="mt-4 rounded bg-red-100 p-2 text-left text-sm text-red-900">
        {t.media[media.problem]}
      </p>
    );
  }
  return (
    <div className="mt-4">
      <video
        data-testid="local-video"
        aria-label={t.yourCamera}
        className="mx-auto aspect-video w-full max-w-xs -scale-x-100 rounded bg-slate-800 object-cover"
        muted
        playsInline
        autoPlay
        ref={(element) => {
          if (element && element.srcObject !== media.stream) element.srcObject = media.stream;
        }}
      />
      <div
        ref={media.meterRef}
        role="meter"
        aria-label={t.microphoneLevel}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={0}
        className="mx-auto mt-2 h-3 w-full max-w-xs overflow-hidden rounded bg-slate-200"
      >
        <div className="h-full bg-green-700" style={{ width: '0%' }} />
      </div>
      <p className="mt-2 text-sm text-slate-700">{t.readyCheck}</p>
    </div>
  );
}

function DevicePicker({ media }: { media: LocalMedia }) {
  const t = usePatientText().text.visit;
  const canPickSpeaker = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
  const rows: Array<{ id: string; label: string; devices: MediaDeviceInfo[]; value: string; pick(value: string): void }> = [
    { id: 'camera-choice', label: t.cameraDevice, devices: media.devices.cameras, value: media.choice.cameraId, pick: (value) => media.choose({ cameraId: value }) },
    { id: 'microphone-choice', label: t.microphoneDevice, devices: media.devices.microphones, value: media.choice.microphoneId, pick: (value) => media.choose({ microphoneId: value }) },
    ...(canPickSpeaker
      ? [{ id: 'speaker-choice', label: t.speakerDevice, devices: media.devices.speakers, value: media.choice.speakerId, pick: (value: string) => media.choose({ speakerId: value }) }]
      : []),
  ];
  return (
    <details className="relative">
      <summary className={`${controlButton} cursor-pointer list-none`}>{t.devices}</summary>
      <div className="absolute bottom-full left-1/2 z-10 mb-2 w-72 max-w-[90vw] -translate-x-1/2 space-y-3 rounded-lg bg-white p-3 text-left text-slate-900 shadow-lg">
        {rows.map((row) => (
          <div key={row.id}>
            <label htmlFor={row.id} className="block text-sm font-medium">
              {row.label}
            </label>
            <select id={row.id} className="mt-1 w-full rounded border border-slate-400 bg-white px-2 py-1.5 text-sm" value={row.value} onChange={(event) => row.pick(event.target.value)}>
              <option value="">{t.defaultDevice}</option>
              {row.devices.map((device, index) => (
                <option key={device.deviceId || index} value={device.deviceId}>
                  {device.label || `${row.label} ${index + 1}`}
                </option>
              ))}
            </select>
          </div>
        ))}
      </div>
    </details>
  );
}

function QualityIndicator({ quality, label, names }: { quality: Quality; label: string; names: Record<Quality, string> }) {
  const bars = quality === 'good' ? 3 : quality === 'weak' ? 2 : quality === 'poor' ? 1 : 0;
  return (
    <span className="flex items-center gap-1 text-xs text-slate-200" data-testid="network-quality" data-quality={quality}>
      <span aria-hidden="true" className="flex items-end gap-0.5">
        {[1, 2, 3].map((bar) => (
          <span key={bar} className={`w-1 rounded-sm ${bar <= bars ? (bars === 1 ? 'bg-red-400' : bars === 2 ? 'bg-amber-300' : 'bg-green-400') : 'bg-slate-600'}`} style={{ height: `${bar * 4 + 2}px` }} />
        ))}
      </span>
      <span>
        {label}: {names[quality]}
      </span>
    </span>
  );
}

function MutedBadge({ label }: { label: string }) {
  return (
    <span className="rounded bg-red-600 px-1 text-xs font-semibold text-white" title={label}>
      <span aria-hidden="true">🎤✕</span>
      <span className="sr-only">{label}</span>
    </span>
  );
}

function Notice({ title, body, heading = false, children }: { title: string; body: string; heading?: boolean; children?: React.ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-lg flex-col justify-center p-4 text-center">
      <div className="rounded-lg bg-white p-6 shadow">
        <div className="flex justify-end">
          <LanguageSwitch />
        </div>
        {heading ? (
          <h1 className="text-xl font-semibold">{title}</h1>
        ) : (
          <p role="status" aria-live="polite" className="text-xl font-semibold">
            {title}
          </p>
        )}
        <p className="mt-2 text-slate-700">{body}</p>
        {children}
      </div>
    </main>
  );
}

function withEntry<Value>(map: Map<string, Value>, key: string, value: Value | null): Map<string, Value> {
  const next = new Map(map);
  if (value === null) next.delete(key);
  else next.set(key, value);
  return next;
}

const QUALITY_ORDER: Quality[] = ['poor', 'weak', 'good', 'unknown'];

function worst(qualities: Quality[]): Quality {
  return QUALITY_ORDER.find((quality) => qualities.includes(quality)) ?? 'unknown';
}

function isWeak(quality: Quality | undefined): boolean {
  return quality === 'weak' || quality === 'poor';
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('');
}

const primaryButton = 'mt-3 inline-flex min-h-11 items-center justify-center rounded-md bg-blue-700 px-4 py-2 text-sm font-semibold text-white hover:bg-blue-800';
const controlButton =
  'inline-flex min-h-11 items-center justify-center rounded-md border border-slate-500 bg-slate-800 px-3 py-2 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50 aria-pressed:bg-red-700';
const dangerButton = 'inline-flex min-h-11 items-center justify-center rounded-md bg-red-700 px-3 py-2 text-sm font-semibold text-white hover:bg-red-800';
const admitButton = 'inline-flex min-h-11 items-center justify-center rounded-md bg-blue-700 px-3 py-2 text-sm font-semibold text-white hover:bg-blue-800';
const lightButton = 'inline-flex min-h-11 items-center justify-center rounded-md border border-slate-500 bg-white px-3 py-2 text-sm font-medium text-slate-900 hover:bg-slate-100';
