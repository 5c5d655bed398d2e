'use client';

import { useState } from 'react';
import { LanguageSwitch, usePatientText } from '@/components/patient/language';
import type { StreamStatus } from './use-visit-stream';
import type { LocalMedia } from './use-local-media';

// The waiting room, for a patient or a guest: the clinic's logo and words, where they stand in
// plain words (with the seed's "waiting for the host to start this meeting" beneath), and
// themselves on camera with a microphone meter, so they know they are ready.

export function WaitingView({ stage, status, media, customText, logoSrc }: { stage: 'waiting-for-host' | 'waiting-for-admission'; status: StreamStatus; media: LocalMedia; customText: string; logoSrc: string | null }) {
  const t = usePatientText().text.visit;
  const forHost = stage === 'waiting-for-host';
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
        <div role="status" aria-live="polite" data-testid="visit-status">
          <h1 className="text-lg font-semibold">{forHost ? t.waitingForHostHeadline : t.waitingForAdmissionHeadline}</h1>
          <p className="mt-1 text-slate-800">{forHost ? t.waitingForHost : t.waitingForAdmission}</p>
        </div>
        <p className="mt-1 text-slate-700">{forHost ? t.waitingForHostPlain : t.waitingForAdmissionPlain}</p>
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

/** Themselves and the microphone level; "Starting your camera…" until the picture actually plays. */
function SelfCheck({ media }: { media: LocalMedia }) {
  const t = usePatientText().text.visit;
  const [playing, setPlaying] = useState<MediaStream | null>(null);
  if (media.problem) {
    return (
      <p role="alert" className="mt-4 rounded bg-red-100 p-2 text-left text-sm text-red-900">
        {t.media[media.problem]}
      </p>
    );
  }
  const ready = media.stream !== null && playing === media.stream;
  return (
    <div className="mt-4">
      <video
        data-testid="local-video"
        aria-label={t.yourCamera}
        className="mx-auto aspect-video w-full max-w-xs -scale-x-100 rounded bg-slate-800 object-cover"
        muted
        playsInline
        autoPlay
        onPlaying={() => setPlaying(media.stream)}
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
      <p className="mt-2 text-sm text-slate-700" data-testid="camera-check">
        {ready ? t.readyCheck : t.startingCamera}
      </p>
    </div>
  );
}
