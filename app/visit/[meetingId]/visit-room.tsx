'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { MeetingView } from '@/lib/visit/meeting-view';
import { PeerMesh } from './peer-mesh';

type StreamView = MeetingView & { connectionId: string };

interface Props {
  meetingId: string;
  initialView: MeetingView;
  customText: string;
  logoSrc: string | null;
  iceServers: RTCIceServer[];
}

export function VisitRoom({ meetingId, initialView, customText, logoSrc, iceServers }: Props) {
  const [view, setView] = useState<MeetingView>(initialView);
  const [connectionId, setConnectionId] = useState<string | null>(null);
  const [left, setLeft] = useState(false);
  // Another device (or tab) of the same person took the place: this one stops and stays stopped.
  const [replaced, setReplaced] = useState(false);
  const [remoteStreams, setRemoteStreams] = useState<Map<string, MediaStream>>(new Map());
  const [localStream, setLocalStream] = useState<MediaStream | null>(null);
  const [mediaProblem, setMediaProblem] = useState('');
  const [micOn, setMicOn] = useState(true);
  const [cameraOn, setCameraOn] = useState(true);
  const meshRef = useRef<PeerMesh | null>(null);
  // Signals that arrive before this browser's mesh exists (the offer can come in the same push as
  // the state that lets us in) wait here instead of being lost.
  const earlySignals = useRef<Array<{ from: string; payload: Parameters<PeerMesh['handleSignal']>[1] }>>([]);
  const inCall = view.stage === 'in-call' && !left && !replaced;

  const api = useCallback(
    (path: string, body: unknown) =>
      fetch(`/api/visits/${meetingId}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    [meetingId],
  );

  // The push stream: state changes and signals arrive here the moment they happen. EventSource
  // comes back by itself after a dropped stream; a refused one (429, 503) is retried here, later
  // each time, so a struggling server is not hammered.
  useEffect(() => {
    if (left || replaced) return;
    let source: EventSource | null = null;
    let current: string | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let stopped = false;
    const open = () => {
      source = new EventSource(`/api/visits/${meetingId}/events`);
      source.addEventListener('state', (event) => {
        failures = 0;
        const next = JSON.parse((event as MessageEvent<string>).data) as StreamView;
        setView(next);
        if (next.stage === 'ended' || next.stage === 'removed' || next.stage === 'gone') stop();
        if (next.connectionId && next.connectionId !== current) {
          current = next.connectionId;
          earlySignals.current = [];
          setConnectionId(next.connectionId);
        }
      });
      source.addEventListener('signal', (event) => {
        const { from, payload } = JSON.parse((event as MessageEvent<string>).data);
        const mesh = meshRef.current;
        if (mesh && mesh.myConnectionId === current) void mesh.handleSignal(from, payload);
        else earlySignals.current.push({ from, payload });
      });
      source.addEventListener('replaced', () => {
        stop();
        setReplaced(true);
      });
      source.addEventListener('error', () => {
        if (stopped || source?.readyState !== EventSource.CLOSED) return;
        failures++;
        retryTimer = setTimeout(open, Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)) * (0.5 + Math.random() / 2));
      });
    };
    const stop = () => {
      stopped = true;
      clearTimeout(retryTimer);
      source?.close();
    };
    open();
    const leave = () => {
      if (current) navigator.sendBeacon(`/api/visits/${meetingId}/actions`, JSON.stringify({ action: 'leave', connectionId: current }));
    };
    window.addEventListener('pagehide', leave);
    return () => {
      window.removeEventListener('pagehide', leave);
      stop();
      // No mesh may run on a closed connection: the next one starts when the new stream says who we are.
      setConnectionId(null);
    };
  }, [meetingId, left, replaced]);

  // One mesh per connection of ours: after a reconnect the others address us anew.
  useEffect(() => {
    if (!connectionId || !inCall) return;
    const mesh = new PeerMesh({
      myConnectionId: connectionId,
      iceServers,
      send: (to, payload) => api('signal', { from: connectionId, to, payload }),
      onRemoteStream: (peer, stream) =>
        setRemoteStreams((streams) => {
          const next = new Map(streams);
          if (stream) next.set(peer, stream);
          else next.delete(peer);
          return next;
        }),
    });
    meshRef.current = mesh;
    for (const { from, payload } of earlySignals.current.splice(0)) void mesh.handleSignal(from, payload);
    return () => {
      mesh.close();
      meshRef.current = null;
      setRemoteStreams(new Map());
    };
  }, [connectionId, inCall, iceServers, api]);

  useEffect(() => {
    meshRef.current?.sync(inCall ? view.peers : []);
  }, [view, inCall, connectionId]);

  useEffect(() => {
    meshRef.current?.setLocalStream(localStream);
  }, [localStream, connectionId, inCall]);

  // Camera and microphone are asked for once the visit starts for this person.
  useEffect(() => {
    if (!inCall || localStream) return;
    let cancelled = false;
    navigator.mediaDevices
      ?.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true })
      .then((stream) => {
        if (cancelled) return stream.getTracks().forEach((track) => track.stop());
        setLocalStream(stream);
        setMediaProblem('');
      })
      .catch((error: unknown) => setMediaProblem(mediaErrorMessage(error)));
    return () => {
      cancelled = true;
    };
  }, [inCall, localStream]);

  useEffect(() => {
    if (inCall || !localStream) return;
    localStream.getTracks().forEach((track) => track.stop());
    setLocalStream(null);
  }, [inCall, localStream]);

  useWaitingAlert(view);

  if (left) {
    return (
      <Shell>
        <h1 className="text-xl font-semibold">You left the visit</h1>
        <p className="mt-2 text-slate-700">You can come back while the visit is going on.</p>
        <button type="button" className={primaryButton} onClick={() => setLeft(false)}>
          Rejoin the visit
        </button>
      </Shell>
    );
  }

  if (replaced) {
    return (
      <Shell>
        <p role="status" aria-live="polite" className="text-xl font-semibold">
          You joined from another device
        </p>
        <p className="mt-2 text-slate-700">The visit continues there. You can close this page.</p>
        <button type="button" className={primaryButton} onClick={() => window.location.reload()}>
          Use this device instead
        </button>
      </Shell>
    );
  }

  if (view.stage === 'gone') {
    return (
      <Shell>
        <p role="status" aria-live="polite" className="text-xl font-semibold">
          This visit link is no longer valid here.
        </p>
        <p className="mt-2 text-slate-700">Open your video visit again from MyChart or Epic.</p>
      </Shell>
    );
  }

  if (view.stage === 'ended' || view.stage === 'removed') {
    return (
      <Shell>
        <p role="status" aria-live="polite" className="text-xl font-semibold">
          {view.stage === 'ended' ? 'This visit has ended.' : 'The provider removed you from this visit.'}
        </p>
        <p className="mt-2 text-slate-700">You can close this page.</p>
      </Shell>
    );
  }

  if (view.stage === 'waiting-for-host' || view.stage === 'waiting-for-admission') {
    return (
      <Shell>
        {logoSrc ? (
          // eslint-disable-next-line @next/next/no-img-element -- our own hashed, cached logo
          <img src={logoSrc} alt="Clinic logo" className="mx-auto mb-4 max-h-32 max-w-full" />
        ) : null}
        {customText ? <p className="mb-4 whitespace-pre-line text-slate-800" data-testid="custom-text">{customText}</p> : null}
        <p role="status" aria-live="polite" className="text-lg font-semibold" data-testid="visit-status">
          {view.stage === 'waiting-for-host' ? 'Waiting for the host to start this meeting' : 'The provider will let you in soon'}
        </p>
        <p className="mt-2 text-sm text-slate-600">Keep this page open. It updates by itself.</p>
        <p className="mt-4 text-sm">
          <a href="/device-test" target="_blank" rel="noopener" className="text-blue-800 underline">
            Test your camera, microphone and speaker while you wait
          </a>{' '}
          (opens in a new tab)
        </p>
      </Shell>
    );
  }

  const isProvider = view.me.userType === 'Provider';
  return (
    <main className="flex min-h-screen flex-col bg-slate-900 text-white">
      <p role="status" aria-live="polite" className="sr-only" data-testid="visit-status">
        {view.peers.length ? `In the visit with ${view.peers.map((peer) => peer.name).join(', ')}` : 'In the visit. Waiting for others to connect.'}
      </p>
      {isProvider && view.waiting.length > 0 ? (
        <section aria-label="Waiting room" className="bg-amber-100 p-3 text-slate-900">
          <h2 className="font-semibold">{view.waiting.length} waiting to be admitted</h2>
          <ul className="mt-2 space-y-2">
            {view.waiting.map((patient) => (
              <li key={patient.participantId} className="flex flex-wrap items-center gap-2">
                <span className="font-medium">{patient.name}</span>
                <button type="button" className={primaryButton} onClick={() => void api('actions', { action: 'admit', participantId: patient.participantId })}>
                  Admit {patient.name}
                </button>
                <button type="button" className={secondaryButton} onClick={() => void api('actions', { action: 'remove', participantId: patient.participantId })}>
                  Remove {patient.name}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <div className="grid flex-1 gap-2 p-2 sm:grid-cols-2">
        {view.peers.map((peer) => (
          <RemoteVideo key={peer.connectionId} name={peer.name} stream={remoteStreams.get(peer.connectionId) ?? null} />
        ))}
        {view.peers.length === 0 ? (
          <p className="self-center text-center text-slate-300">
            {isProvider ? 'No patient has joined yet.' : 'Waiting for the others to connect…'}
          </p>
        ) : null}
      </div>
      <div className="flex flex-wrap items-end justify-between gap-2 p-2">
        <video
          data-testid="local-video"
          aria-label="Your camera"
          className="h-24 w-32 rounded bg-black object-cover sm:h-32 sm:w-44"
          muted
          playsInline
          autoPlay
          ref={(element) => {
            if (element && element.srcObject !== localStream) element.srcObject = localStream;
          }}
        />
        {mediaProblem ? (
          <p role="alert" className="max-w-md rounded bg-red-100 p-2 text-sm text-red-900">
            {mediaProblem}
          </p>
        ) : null}
        <div className="flex flex-wrap gap-2" role="group" aria-label="Call controls">
          <button
            type="button"
            className={secondaryButton}
            aria-pressed={!micOn}
            disabled={!localStream}
            onClick={() => setMicOn(toggleTracks(localStream, 'audio', !micOn))}
          >
            {micOn ? 'Mute microphone' : 'Unmute microphone'}
          </button>
          <button
            type="button"
            className={secondaryButton}
            aria-pressed={!cameraOn}
            disabled={!localStream}
            onClick={() => setCameraOn(toggleTracks(localStream, 'video', !cameraOn))}
          >
            {cameraOn ? 'Turn camera off' : 'Turn camera on'}
          </button>
          <button
            type="button"
            className={dangerButton}
            onClick={() => {
              if (connectionId) void api('actions', { action: 'leave', connectionId });
              setLeft(true);
            }}
          >
            Leave
          </button>
          {isProvider ? (
            <button
              type="button"
              className={dangerButton}
              onClick={() => {
                if (window.confirm('End the visit for everyone?')) void api('actions', { action: 'end' });
              }}
            >
              End visit for everyone
            </button>
          ) : null}
        </div>
      </div>
    </main>
  );
}

function RemoteVideo({ name, stream }: { name: string; stream: MediaStream | null }) {
  return (
    <figure className="relative overflow-hidden rounded bg-black">
      <video
        data-testid="remote-video"
        data-name={name}
        aria-label={`Video of ${name}`}
        className="h-full max-h-[70vh] w-full object-contain"
        playsInline
        autoPlay
        ref={(element) => {
          if (element && element.srcObject !== stream) element.srcObject = stream;
        }}
      />
      <figcaption className="absolute bottom-1 left-1 rounded bg-black/60 px-2 py-0.5 text-sm">{name}</figcaption>
    </figure>
  );
}

function Shell({ children }: { children: React.ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-lg flex-col justify-center p-4 text-center">
      <div className="rounded-lg bg-white p-6 shadow">{children}</div>
    </main>
  );
}

/** A provider between visits hears a chime and sees "(1) waiting" in the tab title. */
function useWaitingAlert(view: MeetingView) {
  const waitingCount = view.waiting.length;
  const previous = useRef(0);
  useEffect(() => {
    const base = 'Video visit';
    document.title = waitingCount > 0 ? `(${waitingCount}) waiting · ${base}` : base;
    if (waitingCount > previous.current) chime();
    previous.current = waitingCount;
  }, [waitingCount]);
}

function chime() {
  try {
    const context = new AudioContext();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.6);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start();
    oscillator.stop(context.currentTime + 0.6);
    oscillator.onended = () => void context.close();
  } catch {
    // No audio output: the title and the list still show it.
  }
}

function toggleTracks(stream: MediaStream | null, kind: 'audio' | 'video', enabled: boolean): boolean {
  stream?.getTracks().filter((track) => track.kind === kind).forEach((track) => (track.enabled = enabled));
  return enabled;
}

function mediaErrorMessage(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'Your browser blocked the camera and microphone. Allow them for this site (the camera icon in the address bar), then reload. The others can still see that you joined.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera or microphone was found. Connect one and reload.';
  if (name === 'NotReadableError') return 'Another app is using your camera. Close it and reload.';
  return 'The camera and microphone could not be started. Reload to try again.';
}

const primaryButton = 'mt-3 inline-flex min-h-11 items-center justify-center rounded-md bg-blue-700 px-4 py-2 text-sm font-semibold text-white hover:bg-blue-800';
const secondaryButton = 'inline-flex min-h-11 items-center justify-center rounded-md border border-slate-400 bg-white px-3 py-2 text-sm font-medium text-slate-900 hover:bg-slate-100 disabled:opacity-50';
const dangerButton = 'inline-flex min-h-11 items-center justify-center rounded-md bg-red-700 px-3 py-2 text-sm font-semibold text-white hover:bg-red-800';
