'use client';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useState } from 'react';
import { LanguageSwitch, usePatientText } from '@/components/patient/language';
import type { ChatMessage, MeetingView } from '@/lib/visit/meeting-view';
import type { IceConfiguration } from '@/lib/visit/ice-servers';
import { CallControls } from './call-controls';
import { CallStage } from './call-stage';
import { lightButton } from './call-styles';
import { isWeak, QualityIndicator, SelfTile } from './tiles';
import type { Quality } from './peer-mesh';
import { useActiveSpeaker } from './use-active-speaker';
import type { SignalInbox } from './signal-inbox';
import { useCall } from './use-call';
import { useChatSeen } from './use-chat-seen';
import { CALL_STAGE_ID } from './use-kept-focus';
import type { LocalMedia } from './use-local-media';
import type { StreamStatus } from './use-visit-stream';
import { WaitingBanner } from './waiting-banner';
import type { ChimeState } from './use-waiting-chime';

type Post = (path: string, body: unknown) => Promise<Response>;

// The chat and the people panel (with its invite form and their checks) load when first opened:
// a patient on a phone downloads only what the call itself needs.
const ChatPanel = dynamic(() => import('./chat-panel').then((module) => module.ChatPanel));
const PeoplePanel = dynamic(() => import('./people-panel').then((module) => module.PeoplePanel));

export interface RoomNotice {
  kind: 'room_unknown' | 'room_offline' | 'visit_full';
  name: string;
}

/** The call: who is there, the controls, and (by choice) the chat and the people in the call. */
export function CallView(props: {
  meetingId: string;
  view: MeetingView;
  connectionId: string | null;
  pageId: string;
  status: StreamStatus;
  chat: ChatMessage[];
  ice: IceConfiguration | null;
  media: LocalMedia;
  inbox: SignalInbox;
  post: Post;
  chime: ChimeState;
  roomNotice: RoomNotice | null;
  onLeave(): void;
}) {
  const { meetingId, view, connectionId, pageId, status, chat, ice, media, inbox, post, chime, roomNotice, onLeave } = props;
  const t = usePatientText().text.visit;
  const isProvider = view.me.userType === 'Provider';
  const isRoom = view.me.userType === 'Room';
  const [micOn, setMicOn] = useState(true);
  const [cameraOn, setCameraOn] = useState(true);
  // The screen this browser shares, while it does.
  const [screen, setScreen] = useState<MediaStream | null>(null);
  const [shareProblem, setShareProblem] = useState<string | null>(null);
  const [panel, setPanel] = useState<'chat' | 'people' | null>(null);
  const [roomNoticeShown, setRoomNoticeShown] = useState(roomNotice !== null);
  // Known only in the browser (the server render has no navigator).
  const [canShare, setCanShare] = useState(false);
  useEffect(() => setCanShare(canShareScreen()), []);

  const call = useCall({
    inCall: true,
    myParticipantId: view.me.participantId,
    myUserType: view.me.userType,
    myPage: pageId,
    connectionId,
    ice,
    peers: view.peers,
    localStream: media.stream,
    screenTrack: screen?.getVideoTracks()[0] ?? null,
    inbox,
    sendSignal: (body) => post('signal', body),
    video: view.video,
    askMediaServer: (body) => post('media-server', body),
  });
  const speaking = useActiveSpeaker(call.audioLevels, view.peers.length > 1);
  const unreadChat = useChatSeen(meetingId, view.me.participantId, chat, panel === 'chat');

  const stopSharing = useCallback(() => {
    setScreen((current) => {
      current?.getTracks().forEach((track) => track.stop());
      return null;
    });
  }, []);
  useEffect(() => {
    if (!view.allowed.shareScreen) stopSharing();
  }, [view.allowed.shareScreen, stopSharing]);
  useEffect(() => stopSharing, [stopSharing]);

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

  // The microphone and camera switches: the tracks, and what the others' tiles show.
  useEffect(() => {
    media.stream?.getAudioTracks().forEach((track) => (track.enabled = micOn));
    media.stream?.getVideoTracks().forEach((track) => (track.enabled = cameraOn));
  }, [media.stream, micOn, cameraOn]);
  const sharing = screen !== null;
  useEffect(() => {
    if (!connectionId) return;
    void post('media', { connectionId, micOn, cameraOn, sharing })
      .then((response) => {
        // The policy changed, or this is a new connection the server judges anew.
        if (response.status === 403 && sharing) {
          stopSharing();
          setShareProblem(t.shareRefused);
        }
      })
      .catch(() => undefined);
  }, [micOn, cameraOn, sharing, connectionId, post, stopSharing, t.shareRefused]);

  const linkReports = view.peers.map((peer) => call.reports.get(peer.participantId));
  const reconnecting = status === 'reconnecting' || linkReports.some((report) => report?.state === 'reconnecting');
  const myQuality = worst(linkReports.map((report) => report?.mine ?? 'unknown'));
  const weakPeers = view.peers.filter((peer) => isWeak(call.reports.get(peer.participantId)?.theirs));
  const providers = view.peers.filter((peer) => peer.userType === 'Provider');
  const statusText = call.videoServiceDown
    ? t.videoServiceDown
    : reconnecting
      ? t.reconnecting
      : isRoom && providers.length
        ? t.roomCallFrom(providers.map((peer) => peer.name).join(', '))
        : isWeak(myQuality)
          ? t.yourConnectionWeak
          : weakPeers.length
            ? weakPeers.map((peer) => t.theirConnectionWeak(peer.name)).join('. ')
            : view.peers.length
              ? t.inCallWith(view.peers.map((peer) => peer.name))
              : isProvider && view.waiting.length
                ? t.someoneWaiting(view.waiting.map((person) => person.name).join(', '))
                : t.waitingForOthers;
  const emptyText = !isProvider ? t.othersConnecting : view.waiting.length ? t.admitAbove : t.noOneElseYet;

  return (
    <main className="surface-dark flex h-[100dvh] flex-col bg-slate-900 text-white" data-testid="call">
      <header className="flex items-center gap-2 px-3 py-2">
        <p role="status" aria-live="polite" data-testid="visit-status" className={`min-w-0 flex-1 text-sm font-medium ${call.videoServiceDown || reconnecting || isWeak(myQuality) || weakPeers.length ? 'text-amber-300' : 'text-slate-200'}`}>
          {statusText}
        </p>
        <QualityIndicator quality={myQuality} label={t.networkQuality} names={t.quality} />
        <LanguageSwitch className="shrink-0 !text-blue-200 hover:!bg-slate-800" />
      </header>
      {isProvider ? <WaitingBanner view={view} chime={chime} post={post} /> : null}
      {isProvider && roomNotice && roomNoticeShown ? (
        <div role="alert" className="surface-light flex flex-wrap items-center gap-2 bg-amber-100 px-3 py-2 text-slate-900" data-testid="room-notice">
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
        <section id={CALL_STAGE_ID} tabIndex={-1} aria-label={t.pageTitle} className="relative min-h-0 flex-1 p-2 outline-none">
          <CallStage peers={view.peers} media={call} speakerId={media.choice.speakerId} speaking={speaking} emptyText={emptyText} />
          <SelfTile stream={media.stream} name={view.me.name} micOn={micOn} />
        </section>
        {panel === 'chat' && view.allowed.chat ? (
          <ChatPanel messages={chat} myId={view.me.participantId} send={(body) => post('chat', { body, connectionId })} onClose={() => setPanel(null)} />
        ) : null}
        {panel === 'people' ? <PeoplePanel meetingId={meetingId} view={view} post={post} onClose={() => setPanel(null)} /> : null}
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
      <CallControls
        media={media}
        state={{
          micOn,
          cameraOn,
          sharing,
          // Not through the media server yet (README, Group visits): no button that sends nothing.
          canShare: view.allowed.shareScreen && canShare && view.video === 'peer-to-peer',
          chatAllowed: view.allowed.chat,
          chatOpen: panel === 'chat',
          unreadChat,
          peopleOpen: panel === 'people',
          isProvider,
        }}
        actions={{
          toggleMic: () => setMicOn((on) => !on),
          toggleCamera: () => setCameraOn((on) => !on),
          toggleShare: () => (sharing ? stopSharing() : void startSharing()),
          toggleChat: () => setPanel((open) => (open === 'chat' ? null : 'chat')),
          togglePeople: () => setPanel((open) => (open === 'people' ? null : 'people')),
          leave: onLeave,
          end: () => {
            if (window.confirm(t.endConfirm)) void post('actions', { action: 'end' });
          },
        }}
      />
    </main>
  );
}

/** Phones have no screen to share (no getDisplayMedia): no button there. */
function canShareScreen(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';
}

const QUALITY_ORDER: Quality[] = ['poor', 'weak', 'good', 'unknown'];

function worst(qualities: Quality[]): Quality {
  return QUALITY_ORDER.find((quality) => qualities.includes(quality)) ?? 'unknown';
}
