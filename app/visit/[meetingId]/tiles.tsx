'use client';

import { useEffect, useRef } from 'react';
import { usePatientText } from '@/components/patient/language';
import type { PeerView } from '@/lib/visit/meeting-view';
import type { LinkReport, Quality } from './peer-mesh';
import { kindOf } from './person-kind';

// The pieces of the call's picture: a tile for each other person (their video, or their initials
// with the camera off), with their name and what they are in the call; the shared screen; this
// person's own small view; and the connection-quality bars.

export function RemoteTile({ peer, stream, report, speaking, size = 'grid' }: { peer: PeerView; stream: MediaStream | null; report: LinkReport | undefined; speaking: boolean; size?: 'grid' | 'strip' }) {
  const t = usePatientText().text.visit;
  const reconnecting = report?.state === 'reconnecting';
  return (
    <figure
      className={`relative min-h-0 overflow-hidden rounded-lg bg-black ${speaking ? 'ring-4 ring-green-400' : ''} ${size === 'strip' ? 'aspect-video h-full shrink-0' : ''}`}
      data-testid="tile"
      data-participant={peer.participantId}
      data-speaking={speaking ? 'true' : undefined}
    >
      <video
        data-testid="remote-video"
        data-name={peer.name}
        aria-label={t.videoOf(peer.name)}
        className="h-full w-full object-contain"
        playsInline
        autoPlay
        // The sound plays in the person's RemoteAudio, which stays put when this tile moves.
        muted
        ref={(element) => {
          if (element && element.srcObject !== stream) element.srcObject = stream;
        }}
      />
      {!peer.cameraOn ? (
        <div className="absolute inset-0 flex flex-col items-center justify-center bg-slate-800 text-center">
          <span aria-hidden="true" className={`flex items-center justify-center rounded-full bg-slate-600 font-semibold ${size === 'strip' ? 'h-10 w-10 text-base' : 'h-16 w-16 text-2xl'}`}>
            {initials(peer.name)}
          </span>
          {/* A strip's tile is a phone's 96 px: the initials say it, the words are for screen readers. */}
          <span className={size === 'strip' ? 'sr-only' : 'mt-2 text-sm text-slate-200'}>{t.cameraOff}</span>
        </div>
      ) : null}
      {reconnecting || !stream ? (
        <p className={`absolute inset-x-0 mx-auto w-fit rounded bg-black/70 ${size === 'strip' ? 'top-1 px-1 text-xs' : 'top-2 px-2 py-1 text-sm'}`} data-testid="tile-status">
          {reconnecting ? t.reconnecting : t.connecting}
        </p>
      ) : null}
      <figcaption className="absolute bottom-1 left-1 right-1 flex flex-wrap items-center gap-x-1 gap-y-0.5">
        <span className="max-w-full truncate rounded bg-black/70 px-1.5 py-0.5 text-sm font-medium">{peer.name}</span>
        <span className="max-w-full truncate rounded bg-black/70 px-1.5 py-0.5 text-xs text-slate-100" data-testid="tile-kind">
          {kindOf(t, peer)}
        </span>
        {!peer.micOn ? <MutedBadge label={t.microphoneOff} /> : null}
        {speaking ? <span className="sr-only">{t.speaking}</span> : null}
        {isWeak(report?.theirs) ? <span className="rounded bg-amber-400 px-1 text-xs font-semibold text-slate-900">{t.quality.weak}</span> : null}
      </figcaption>
    </figure>
  );
}

/**
 * A person's voice, in an element of its own that lives as long as they are in the call: a tile
 * moves between the large place and the strip as the speaker changes (a move is a new element), and
 * the voice must not stop each time it does.
 */
export function RemoteAudio({ stream, speakerId }: { stream: MediaStream | null; speakerId: string }) {
  const audio = useRef<(HTMLAudioElement & { setSinkId?(id: string): Promise<void> }) | null>(null);
  useEffect(() => {
    if (audio.current?.setSinkId && speakerId) void audio.current.setSinkId(speakerId).catch(() => undefined);
  }, [speakerId, stream]);
  return (
    <audio
      autoPlay
      data-testid="remote-audio"
      ref={(element) => {
        audio.current = element;
        if (element && element.srcObject !== stream) element.srcObject = stream;
      }}
    />
  );
}

export function SharedScreen({ stream, label }: { stream: MediaStream; label: string }) {
  return (
    <figure className="relative min-h-0 flex-1 overflow-hidden rounded-lg bg-black">
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
      <figcaption className="absolute bottom-1 left-1 rounded bg-black/70 px-2 py-0.5 text-sm">{label}</figcaption>
    </figure>
  );
}

/** This person's own camera, small, mirrored (as a mirror is what people expect of themselves). */
export function SelfTile({ stream, name, micOn }: { stream: MediaStream | null; name: string; micOn: boolean }) {
  const t = usePatientText().text.visit;
  return (
    <figure className="pointer-events-none absolute bottom-3 right-3 z-10 w-24 overflow-hidden rounded-lg border border-slate-600 bg-black shadow-lg sm:w-44">
      <video
        data-testid="local-video"
        aria-label={t.yourCamera}
        className="aspect-video w-full -scale-x-100 object-cover"
        muted
        playsInline
        autoPlay
        ref={(element) => {
          if (element && element.srcObject !== stream) element.srcObject = stream;
        }}
      />
      <figcaption className="absolute bottom-0 left-0 right-0 flex items-center gap-1 bg-black/70 px-1.5 py-0.5 text-xs">
        <span className="truncate">{t.you(name)}</span>
        {!micOn ? <MutedBadge label={t.microphoneOff} /> : null}
      </figcaption>
    </figure>
  );
}

/** A crossed-out microphone, drawn (an emoji shows as a box where no emoji font is installed). */
export function MutedBadge({ label }: { label: string }) {
  return (
    <span className="inline-flex items-center rounded bg-red-700 p-0.5 text-white" title={label} data-testid="muted-badge">
      <svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d="M9 9v3a3 3 0 0 0 5.12 2.12M15 9.34V4a3 3 0 0 0-5.94-.6" />
        <path d="M17 16.95A7 7 0 0 1 5 12v-2m14 0v2a7 7 0 0 1-.11 1.23" />
        <line x1="12" y1="19" x2="12" y2="23" />
        <line x1="8" y1="23" x2="16" y2="23" />
        <line x1="1" y1="1" x2="23" y2="23" />
      </svg>
      <span className="sr-only">{label}</span>
    </span>
  );
}

export function QualityIndicator({ quality, label, names }: { quality: Quality; label: string; names: Record<Quality, string> }) {
  const bars = quality === 'good' ? 3 : quality === 'weak' ? 2 : quality === 'poor' ? 1 : 0;
  return (
    <span className="flex shrink-0 items-center gap-1 text-xs text-slate-200" data-testid="network-quality" data-quality={quality}>
      <span aria-hidden="true" className="flex items-end gap-0.5">
        {[1, 2, 3].map((bar) => (
          <span key={bar} className={`w-1 rounded-sm ${bar <= bars ? (bars === 1 ? 'bg-red-400' : bars === 2 ? 'bg-amber-300' : 'bg-green-400') : 'bg-slate-600'}`} style={{ height: `${bar * 4 + 2}px` }} />
        ))}
      </span>
      {/* On a phone the bars say it; the words stay for screen readers. */}
      <span className="sr-only sm:not-sr-only">
        {label}: {names[quality]}
      </span>
    </span>
  );
}

export function isWeak(quality: Quality | undefined): boolean {
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
