'use client';

import { useEffect, useRef, useState } from 'react';
import type { IceConfiguration } from '@/lib/visit/ice-servers';
import type { ChatMessage, MeetingView } from '@/lib/visit/meeting-view';
import type { SignalPayload } from './peer-mesh';

// The visit's push stream (Server-Sent Events): the view of the meeting and the signals addressed
// to this browser, and the visit's chat when it is on. It is opened and reopened here rather than
// by EventSource itself: after a drop it comes back sooner at first, then later each time (1 s
// doubling to 30 s, with jitter), at once when the page comes back (phone woken, tab shown, network
// back) or when its server says it is restarting; never after "replaced" (another device took this
// person's place), nor once the visit ended.

export type StreamView = MeetingView & { connectionId: string | null };
export type StreamStatus = 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface VisitStream {
  view: StreamView;
  /** This browser's current connection: the mesh lives as long as it does. */
  connectionId: string | null;
  status: StreamStatus;
  replaced: boolean;
  /** The chat so far, oldest first (a new stream sends it all again; kept once each). */
  chat: ChatMessage[];
  /** STUN/TURN settings: sent once this person is in the call, null before. */
  ice: IceConfiguration | null;
  /** Renewed settings (GET …/ice) replace them. */
  setIce(ice: IceConfiguration): void;
  /** This page's own id (sent with the stream, and on every signal). */
  pageId: string;
}

export function useVisitStream(
  meetingId: string,
  initialView: MeetingView,
  options: { enabled: boolean; onSignal(fromParticipant: string, fromConnection: string, payload: SignalPayload): void },
): VisitStream {
  const [view, setView] = useState<StreamView>({ ...initialView, connectionId: null });
  const [connectionId, setConnectionId] = useState<string | null>(null);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [replaced, setReplaced] = useState(false);
  const [chat, setChat] = useState<ChatMessage[]>([]);
  const [ice, setIce] = useState<IceConfiguration | null>(null);
  // This page, across its stream's reconnects: the others' video links to it outlive a reconnect,
  // and are made anew for a reload or another device (a new page).
  const [pageId] = useState(randomPageId);
  const onSignal = useRef(options.onSignal);
  onSignal.current = options.onSignal;

  useEffect(() => {
    if (!options.enabled || replaced) return;
    let source: EventSource | null = null;
    let current: string | null = null;
    let lastStage: StreamView['stage'] | null = null;
    let failures = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const open = () => {
      clearTimeout(retry);
      source?.close();
      setStatus(failures === 0 && current === null ? 'connecting' : 'reconnecting');
      const opened = new EventSource(`/api/visits/${meetingId}/events?page=${pageId}`);
      source = opened;
      opened.addEventListener('state', (event) => {
        const next = JSON.parse((event as MessageEvent<string>).data) as StreamView;
        failures = 0;
        lastStage = next.stage;
        setView(next);
        setStatus('open');
        if (next.connectionId !== current) {
          current = next.connectionId;
          setConnectionId(current);
        }
        if (next.stage === 'ended' || next.stage === 'gone') {
          stop();
          // The visit's cookie opened what is over now: it goes too.
          void fetch(`/api/visits/${meetingId}/session`, { method: 'DELETE' }).catch(() => undefined);
        }
      });
      opened.addEventListener('signal', (event) => {
        const { from, fromParticipant, payload } = JSON.parse((event as MessageEvent<string>).data) as { from: string; fromParticipant: string; payload: SignalPayload };
        onSignal.current(fromParticipant, from, payload);
      });
      opened.addEventListener('ice', (event) => setIce(JSON.parse((event as MessageEvent<string>).data) as IceConfiguration));
      opened.addEventListener('chat', (event) => {
        const { messages } = JSON.parse((event as MessageEvent<string>).data) as { messages: ChatMessage[] };
        setChat((known) => mergeChat(known, messages));
      });
      // The server is restarting: straight back, to another server (the call's media goes on).
      opened.addEventListener('reconnect', () => {
        if (stopped || source !== opened) return;
        opened.close();
        current = null;
        setConnectionId(null);
        failures = 0;
        open();
      });
      opened.addEventListener('replaced', () => {
        stop();
        setReplaced(true);
      });
      opened.addEventListener('error', () => {
        if (stopped || source !== opened) return;
        opened.close();
        // Our connection is gone with the stream: the next one gets a new id, and a new mesh.
        current = null;
        setConnectionId(null);
        setStatus('reconnecting');
        // A stream the server closed on purpose (let back in, a place freed) is reopened at once.
        const delay = failures === 0 && lastStage !== 'full' ? 500 : Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)) * (0.5 + Math.random() / 2);
        failures++;
        retry = setTimeout(open, delay);
      });
    };
    const stop = () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
      setStatus('stopped');
    };
    // The page is back: no need to wait for the backoff. Only a stream that is closed is reopened: one
    // still connecting would be given up half-way, and its place in the visit with it.
    const comeBack = () => {
      if (stopped || document.visibilityState !== 'visible' || (source && source.readyState !== EventSource.CLOSED)) return;
      failures = 0;
      open();
    };
    const leave = () => {
      if (current) navigator.sendBeacon(`/api/visits/${meetingId}/actions`, JSON.stringify({ action: 'leave', connectionId: current }));
    };

    open();
    window.addEventListener('online', comeBack);
    window.addEventListener('pageshow', comeBack);
    document.addEventListener('visibilitychange', comeBack);
    window.addEventListener('pagehide', leave);
    return () => {
      window.removeEventListener('online', comeBack);
      window.removeEventListener('pageshow', comeBack);
      document.removeEventListener('visibilitychange', comeBack);
      window.removeEventListener('pagehide', leave);
      stop();
      setConnectionId(null);
    };
  }, [meetingId, options.enabled, replaced, pageId]);

  return { view, connectionId, status, replaced, chat, ice, setIce, pageId };
}

function mergeChat(known: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  const last = known.at(-1)?.id ?? 0;
  const fresh = incoming.filter((message) => message.id > last);
  return fresh.length ? [...known, ...fresh] : known;
}

function randomPageId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
