'use client';

import { usePatientText } from '@/components/patient/language';
import { controlButton } from './call-styles';
import type { LocalMedia } from './use-local-media';

/** Which camera, microphone and speaker: a disclosure with a choice for each (a speaker where the browser can). */
export function DevicePicker({ media }: { media: LocalMedia }) {
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
      <summary className={`${controlButton} cursor-pointer list-none`}>
        <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" className="shrink-0">
          <circle cx="12" cy="12" r="3" />
          <path d="M19.4 15a1.65 1.65 0 0 0 .33 1.82l.06.06a2 2 0 1 1-2.83 2.83l-.06-.06a1.65 1.65 0 0 0-1.82-.33 1.65 1.65 0 0 0-1 1.51V21a2 2 0 0 1-4 0v-.09A1.65 1.65 0 0 0 9 19.4a1.65 1.65 0 0 0-1.82.33l-.06.06a2 2 0 1 1-2.83-2.83l.06-.06A1.65 1.65 0 0 0 4.6 15a1.65 1.65 0 0 0-1.51-1H3a2 2 0 0 1 0-4h.09A1.65 1.65 0 0 0 4.6 9a1.65 1.65 0 0 0-.33-1.82l-.06-.06a2 2 0 1 1 2.83-2.83l.06.06A1.65 1.65 0 0 0 9 4.6a1.65 1.65 0 0 0 1-1.51V3a2 2 0 0 1 4 0v.09a1.65 1.65 0 0 0 1 1.51 1.65 1.65 0 0 0 1.82-.33l.06-.06a2 2 0 1 1 2.83 2.83l-.06.06A1.65 1.65 0 0 0 19.4 9a1.65 1.65 0 0 0 1.51 1H21a2 2 0 0 1 0 4h-.09a1.65 1.65 0 0 0-1.51 1z" />
        </svg>
        <span className="sr-only sm:not-sr-only">{t.devices}</span>
      </summary>
      <div className="surface-light absolute bottom-full left-1/2 z-20 mb-2 w-72 max-w-[90vw] -translate-x-1/2 space-y-3 rounded-lg bg-white p-3 text-left text-slate-900 shadow-lg">
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
