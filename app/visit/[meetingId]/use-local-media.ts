'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { VideoPath } from '@/lib/visit/meeting-view';

// This browser's camera and microphone: asked for once, kept while the page needs them, switched
// when another device is chosen (the new tracks replace the old in every link, no renegotiation),
// and a microphone level for the meter. The choices are remembered on this device.
//
// A call between browsers sends up to 720p; a group visit through the media server never sends
// more than 360 lines at 15 frames a second (media-server-call.ts), so its camera is asked for no
// more: capturing 720p at 30 to throw three quarters away cost a phone's battery, and six such
// pages on two cores were too busy to answer a click.

export type MediaProblem = 'blocked' | 'notFound' | 'busy' | 'failed';

export interface DeviceChoice {
  cameraId: string;
  microphoneId: string;
  speakerId: string;
}

export interface LocalMedia {
  stream: MediaStream | null;
  problem: MediaProblem | null;
  devices: { cameras: MediaDeviceInfo[]; microphones: MediaDeviceInfo[]; speakers: MediaDeviceInfo[] };
  choice: DeviceChoice;
  choose(change: Partial<DeviceChoice>): void;
  /** Attach to an element whose first child's width shows the level (updated without re-rendering). */
  meterRef(element: HTMLElement | null): void;
}

const CHOICE_KEY = 'televisit-devices';
const NO_CHOICE: DeviceChoice = { cameraId: '', microphoneId: '', speakerId: '' };
const CALL_CAPTURE: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 } };
const GROUP_CAPTURE: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } };

export function useLocalMedia(active: boolean, video: VideoPath = 'peer-to-peer'): LocalMedia {
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [problem, setProblem] = useState<MediaProblem | null>(null);
  const [devices, setDevices] = useState<LocalMedia['devices']>({ cameras: [], microphones: [], speakers: [] });
  const [choice, setChoice] = useState<DeviceChoice>(NO_CHOICE);
  const meter = useRef<HTMLElement | null>(null);

  useEffect(() => {
    try {
      setChoice({ ...NO_CHOICE, ...(JSON.parse(localStorage.getItem(CHOICE_KEY) ?? '{}') as Partial<DeviceChoice>) });
    } catch {
      // nothing remembered
    }
  }, []);

  const choose = useCallback((change: Partial<DeviceChoice>) => {
    setChoice((current) => {
      const next = { ...current, ...change };
      try {
        localStorage.setItem(CHOICE_KEY, JSON.stringify(next));
      } catch {
        // private mode: the choice lasts this page
      }
      return next;
    });
  }, []);

  // The media itself, again whenever another camera or microphone is chosen.
  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    let opened: MediaStream | null = null;
    const constraints: MediaStreamConstraints = {
      video: { ...(video === 'media-server' ? GROUP_CAPTURE : CALL_CAPTURE), ...(choice.cameraId ? { deviceId: { exact: choice.cameraId } } : {}) },
      audio: choice.microphoneId ? { deviceId: { exact: choice.microphoneId } } : true,
    };
    const devicesApi = navigator.mediaDevices;
    if (!devicesApi?.getUserMedia) {
      setProblem('failed');
      return;
    }
    devicesApi
      .getUserMedia(constraints)
      .catch((error: unknown) => {
        // A remembered device that is gone: fall back to the defaults rather than to nothing.
        if (errorName(error) === 'OverconstrainedError' || errorName(error) === 'NotFoundError') return devicesApi.getUserMedia({ video: true, audio: true });
        throw error;
      })
      .then((next) => {
        if (cancelled) return next.getTracks().forEach((track) => track.stop());
        opened = next;
        setStream(next);
        setProblem(null);
        void listDevices().then(setDevices);
      })
      .catch((error: unknown) => {
        if (!cancelled) setProblem(problemOf(error));
      });
    return () => {
      cancelled = true;
      opened?.getTracks().forEach((track) => track.stop());
      setStream(null);
    };
  }, [active, video, choice.cameraId, choice.microphoneId]);

  useEffect(() => {
    const refresh = () => void listDevices().then(setDevices);
    navigator.mediaDevices?.addEventListener?.('devicechange', refresh);
    return () => navigator.mediaDevices?.removeEventListener?.('devicechange', refresh);
  }, []);

  // The microphone level, straight into the meter's element.
  useEffect(() => {
    const track = stream?.getAudioTracks()[0];
    if (!stream || !track) return;
    let context: AudioContext;
    try {
      context = new AudioContext();
    } catch {
      return;
    }
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let shown = 0;
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
      const level = peak > 0 ? Math.min(100, Math.max(0, ((20 * Math.log10(peak) + 60) / 60) * 100)) : 0;
      shown = Math.max(track.enabled ? level : 0, shown * 0.85);
      const element = meter.current;
      if (element) {
        element.setAttribute('aria-valuenow', String(Math.round(shown)));
        (element.firstElementChild as HTMLElement | null)?.style.setProperty('width', `${shown}%`);
      }
    }, 80);
    return () => {
      clearInterval(timer);
      void context.close();
    };
  }, [stream]);

  const meterRef = useCallback((element: HTMLElement | null) => {
    meter.current = element;
  }, []);

  return { stream, problem, devices, choice, choose, meterRef };
}

async function listDevices(): Promise<LocalMedia['devices']> {
  const all = (await navigator.mediaDevices?.enumerateDevices?.().catch(() => [])) ?? [];
  return {
    cameras: all.filter((device) => device.kind === 'videoinput'),
    microphones: all.filter((device) => device.kind === 'audioinput'),
    speakers: all.filter((device) => device.kind === 'audiooutput'),
  };
}

function problemOf(error: unknown): MediaProblem {
  const name = errorName(error);
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'blocked';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'notFound';
  if (name === 'NotReadableError') return 'busy';
  return 'failed';
}

function errorName(error: unknown): string {
  return error instanceof DOMException || error instanceof Error ? error.name : '';
}
