'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { usePatientText } from '@/components/patient/language';
import type { IceConfiguration } from '@/lib/visit/ice-servers';
import type { MeetingView } from '@/lib/visit/meeting-view';
import { primaryButton } from './call-styles';
import type { RoomNotice } from './call-view';
import { Notice } from './notice';
import { SignalInbox } from './signal-inbox';
import { useLocalMedia } from './use-local-media';
import { useVisitStream, type StreamView } from './use-visit-stream';
import { useWaitingChime } from './use-waiting-chime';
import { WaitingView } from './waiting-view';

// The call's code (the video links, tiles, controls) is loaded once a provider is there: a patient
// waiting for the host downloads only the waiting room. It is fetched as soon as the provider joins
// (the patient waits to be admitted meanwhile), so being let in does not wait for it. It is not
// rendered through Suspense (React.lazy, next/dynamic): React holds a revealed fallback for 300 ms,
// which every admission would wait for.
type CallViewComponent = typeof import('./call-view').CallView;
let loadedCallView: CallViewComponent | null = null;
let loadingCallView: Promise<CallViewComponent> | null = null;

function loadCallView(): Promise<CallViewComponent> {
  loadingCallView ??= import('./call-view').then((module) => (loadedCallView = module.CallView));
  // Offline for a moment: the next try fetches it again.
  loadingCallView.catch(() => (loadingCallView = null));
  return loadingCallView;
}

/** The call's component once loaded (null until then), loading it when `needed`. */
function useCallView(needed: boolean): CallViewComponent | null {
  const [component, setComponent] = useState<CallViewComponent | null>(() => loadedCallView);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!needed || component) return;
    let live = true;
    let retry: ReturnType<typeof setTimeout> | undefined;
    loadCallView().then(
      (loaded) => live && setComponent(() => loaded),
      () => (retry = setTimeout(() => live && setAttempt((count) => count + 1), 2000)),
    );
    return () => {
      live = false;
      clearTimeout(retry);
    };
  }, [needed, component, attempt]);
  return component;
}

function CallLoading() {
  const t = usePatientText().text.visit;
  return (
    <main className="surface-dark flex h-[100dvh] items-center justify-center bg-slate-900 text-white">
      <p role="status" className="text-sm font-medium text-slate-200">
        {t.connecting}
      </p>
    </main>
  );
}

interface Props {
  meetingId: string;
  initialView: MeetingView;
  customText: string;
  logoSrc: string | null;
  /** For a provider whose launch called a room that could not be called (lib/rooms/call.ts). */
  roomNotice?: RoomNotice | null;
}

/**
 * The visit page: where this person stands (from the push stream), and the page for it: the
 * waiting room, the call, or a notice (ended, removed, replaced by another device, left).
 */
export function VisitRoom({ meetingId, initialView, customText, logoSrc, roomNotice = null }: Props) {
  const t = usePatientText().text.visit;
  const [left, setLeft] = useState(false);
  const [inbox] = useState(() => new SignalInbox());
  const { view, connectionId, status, replaced, chat, ice, setIce, pageId } = useVisitStream(meetingId, initialView, { enabled: !left, onSignal: inbox.push });
  const isRoom = view.me.userType === 'Room';
  const inCall = view.stage === 'in-call' && !left && !replaced;
  const waiting = view.stage === 'waiting-for-host' || view.stage === 'waiting-for-admission';
  // Camera and microphone from the waiting room on: a patient sees they are ready before the provider comes.
  const media = useLocalMedia((inCall || waiting) && !left && !replaced, view.video);

  const post = useCallback(
    (path: string, body: unknown) =>
      fetch(`/api/visits/${meetingId}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    [meetingId],
  );

  const CallView = useCallView(view.stage === 'waiting-for-admission' || view.stage === 'in-call');

  useRoomHomecoming({ meetingId, view, inCall, left, replaced, connectionId, post });
  useIceRenewal(meetingId, ice, inCall, setIce);
  const chime = useWaitingChime(view.waiting.map((person) => person.participantId), view.me.userType === 'Provider' && !left, t.pageTitle);

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
  if (view.stage === 'waiting-for-host' || view.stage === 'waiting-for-admission') {
    return <WaitingView stage={view.stage} status={status} media={media} customText={customText} logoSrc={logoSrc} />;
  }
  if (!CallView) return <CallLoading />;
  return (
    <CallView
      meetingId={meetingId}
      view={view}
      connectionId={connectionId}
      pageId={pageId}
      status={status}
      chat={chat}
      ice={ice}
      media={media}
      inbox={inbox}
      post={post}
      chime={chime.state}
      roomNotice={roomNotice}
      onLeave={() => {
        if (connectionId) void post('actions', { action: 'leave', connectionId });
        setLeft(true);
      }}
    />
  );
}

/** Where a room device goes when its call is over: its idle screen. */
const ROOM_HOME = '/room';
/** A room waits this long for the provider who called it, then this long for one who dropped. */
const ROOM_WAITS_FOR_CALLER_MS = 45_000;
const ROOM_WAITS_FOR_RETURN_MS = 5000;

/**
 * A room device goes back to its idle screen when the call is over, or when the provider who called
 * is not there (after a moment, for a provider's reload); hanging up ends its place and its cookie.
 */
function useRoomHomecoming(options: { meetingId: string; view: StreamView; inCall: boolean; left: boolean; replaced: boolean; connectionId: string | null; post(path: string, body: unknown): Promise<Response> }) {
  const { meetingId, view, inCall, left, replaced, connectionId, post } = options;
  const isRoom = view.me.userType === 'Room';
  const everInCall = useRef(false);
  if (inCall) everInCall.current = true;
  useEffect(() => {
    if (!isRoom) return;
    const over = replaced || left || ['ended', 'gone', 'removed', 'full'].includes(view.stage);
    const alone = view.stage === 'waiting-for-host' || view.stage === 'waiting-for-admission';
    if (!over && !alone) return;
    const timer = setTimeout(
      () => {
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
}

/** TURN credentials expire: new ones before they do (GET …/ice), for the links' next ICE gathering. */
function useIceRenewal(meetingId: string, ice: IceConfiguration | null, inCall: boolean, setIce: (ice: IceConfiguration) => void) {
  const expiresAt = ice?.expiresAt ?? null;
  useEffect(() => {
    if (!expiresAt || !inCall) return;
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
    timer = setTimeout(() => void renew(), Math.max(30_000, (expiresAt - Date.now()) * 0.8));
    return () => clearTimeout(timer);
  }, [expiresAt, inCall, meetingId, setIce]);
}
