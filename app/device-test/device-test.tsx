'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { LanguageSwitch, usePatientText } from '@/components/patient/language';
import type { PatientText } from '@/lib/i18n/patient-text-en';
import { networkOutcome, NETWORK_MAX_ROUND_TRIP_MS, NETWORK_MIN_BITRATE_KBPS, overallResult, type DeviceTestReport, type TestOutcome } from '@/lib/device-test/schema';
import { measureNetwork } from './network-probe';

type CheckName = 'camera' | 'microphone' | 'speaker' | 'network';
type Status = 'idle' | 'running' | 'Passed' | 'Failed';

type DeviceText = PatientText['deviceTest'];

interface Check {
  status: Status;
  /** What we measured, or what to do when it failed, in the page's language (which can change). */
  note: (text: DeviceText) => string;
}

type SendState = 'idle' | 'sending' | 'sent' | 'kept' | 'error';

/** How long the microphone has to hear something before it fails. */
const MIC_LISTEN_MS = 5_000;
/** Meter level (0 to 100, which is -60 to 0 dBFS) that counts as sound: about -45 dBFS, above a muted input, below speech. */
const MIC_PASS_LEVEL = 25;
const CAMERA_WAIT_MS = 10_000;

const IDLE: Check = { status: 'idle', note: () => '' };
const RUNNING: Check = { status: 'running', note: (text) => text.checking };

interface Props {
  helpUrl: string | null;
  /** Reached from a visit link: the results go to the clinic. */
  reportsToClinic: boolean;
}

export function DeviceTest({ helpUrl, reportsToClinic }: Props) {
  const text = usePatientText().text.deviceTest;
  useEffect(() => {
    document.title = text.pageTitle;
  }, [text]);
  const [started, setStarted] = useState(false);
  const [checks, setChecks] = useState<Record<CheckName, Check>>({ camera: IDLE, microphone: IDLE, speaker: IDLE, network: IDLE });
  const [network, setNetwork] = useState<{ roundTripMs: number | null; bitrateKbps: number | null }>({ roundTripMs: null, bitrateKbps: null });
  const [soundPlayed, setSoundPlayed] = useState(false);
  const [microphoneOpen, setMicrophoneOpen] = useState(false);
  const [sendState, setSendState] = useState<SendState>('idle');
  /** The last report sent: the verdict shown is of what the clinic has. */
  const [report, setReport] = useState<DeviceTestReport | null>(null);

  const videoRef = useRef<HTMLVideoElement>(null);
  const meterRef = useRef<HTMLDivElement>(null);
  const firstCheckRef = useRef<HTMLHeadingElement>(null);
  const streamsRef = useRef<MediaStream[]>([]);
  const audioRef = useRef<AudioContext | null>(null);
  const micListenUntil = useRef(0);
  const timers = useRef<number[]>([]);

  const setCheck = useCallback((name: CheckName, check: Check) => setChecks((current) => ({ ...current, [name]: check })), []);

  // Created inside a click: browsers keep an AudioContext made without one silent.
  const audioContext = useCallback((): AudioContext | null => {
    try {
      audioRef.current ??= new AudioContext();
      void audioRef.current.resume();
      return audioRef.current;
    } catch {
      return null;
    }
  }, []);

  useEffect(
    () => () => {
      timers.current.forEach((timer) => window.clearInterval(timer));
      streamsRef.current.forEach((stream) => stream.getTracks().forEach((track) => track.stop()));
      void audioRef.current?.close();
    },
    [],
  );

  const checkCamera = useCallback(
    (stream: MediaStream) => {
      const video = videoRef.current!;
      video.srcObject = stream;
      void video.play().catch(() => undefined);
      const deadline = Date.now() + CAMERA_WAIT_MS;
      const timer = window.setInterval(() => {
        if (video.videoWidth > 0) setCheck('camera', { status: 'Passed', note: (text) => text.cameraPassed });
        else if (Date.now() > deadline) setCheck('camera', { status: 'Failed', note: (text) => text.cameraNoPicture });
        else return;
        window.clearInterval(timer);
      }, 100);
      timers.current.push(timer);
    },
    [setCheck],
  );

  const checkMicrophone = useCallback(
    (stream: MediaStream, context: AudioContext | null) => {
      if (!context) {
        setCheck('microphone', { status: 'Failed', note: (text) => text.microphoneUnsupported });
        return;
      }
      const analyser = context.createAnalyser();
      analyser.fftSize = 4096;
      const silent = context.createGain();
      silent.gain.value = 0;
      // Through a muted gain to the output: some browsers process only what reaches it.
      context.createMediaStreamSource(stream).connect(analyser).connect(silent).connect(context.destination);
      const samples = new Float32Array(analyser.fftSize);
      let shown = 0;
      micListenUntil.current = Date.now() + MIC_LISTEN_MS;
      const timer = window.setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        const level = peakLevel(samples);
        // Falls slowly, so short sounds stay visible.
        shown = Math.max(level, shown * 0.85);
        const meter = meterRef.current;
        if (meter) {
          meter.setAttribute('aria-valuenow', String(Math.round(shown)));
          (meter.firstElementChild as HTMLElement).style.width = `${shown}%`;
        }
        if (micListenUntil.current === 0) return;
        if (level >= MIC_PASS_LEVEL) {
          micListenUntil.current = 0;
          setCheck('microphone', { status: 'Passed', note: (text) => text.microphonePassed });
        } else if (Date.now() > micListenUntil.current) {
          micListenUntil.current = 0;
          setCheck('microphone', { status: 'Failed', note: (text) => text.microphoneSilent });
        }
      }, 50);
      timers.current.push(timer);
    },
    [setCheck],
  );

  const checkNetwork = useCallback(async () => {
    try {
      const measure = await measureNetwork();
      setNetwork(measure);
      const outcome = networkOutcome(measure.roundTripMs, measure.bitrateKbps);
      const advice = (text: DeviceText) =>
        measure.bitrateKbps < NETWORK_MIN_BITRATE_KBPS
          ? text.networkSlowSpeed(number(NETWORK_MIN_BITRATE_KBPS))
          : measure.roundTripMs >= NETWORK_MAX_ROUND_TRIP_MS
            ? text.networkSlowResponse
            : text.networkGood;
      setCheck('network', { status: outcome, note: (text) => `${text.measured(number(measure.roundTripMs), number(measure.bitrateKbps))} ${advice(text)}` });
    } catch {
      setCheck('network', { status: 'Failed', note: (text) => text.networkUnreachable });
    }
  }, [setCheck]);

  const start = useCallback(async () => {
    setStarted(true);
    setChecks((current) => ({ ...current, camera: RUNNING, microphone: RUNNING, network: RUNNING }));
    firstCheckRef.current?.focus();
    const context = audioContext();
    void checkNetwork();
    const media = await openMedia();
    streamsRef.current = [media.video, media.audio].filter((stream): stream is MediaStream => stream !== null);
    if (media.video) checkCamera(media.video);
    else setCheck('camera', { status: 'Failed', note: (text) => mediaProblem(text, media.videoError, 'camera') });
    if (media.audio) {
      setMicrophoneOpen(context !== null);
      checkMicrophone(media.audio, context);
    } else {
      setCheck('microphone', { status: 'Failed', note: (text) => mediaProblem(text, media.audioError, 'microphone') });
    }
  }, [audioContext, checkCamera, checkMicrophone, checkNetwork, setCheck]);

  const listenAgain = () => {
    setCheck('microphone', { status: 'running', note: (text) => text.listening });
    micListenUntil.current = Date.now() + MIC_LISTEN_MS;
  };

  const playSound = () => {
    const context = audioContext();
    if (!context) {
      setCheck('speaker', { status: 'Failed', note: (text) => text.soundUnsupported });
      return;
    }
    playTestSound(context);
    setSoundPlayed(true);
  };

  const send = useCallback(
    async (toSend: DeviceTestReport) => {
      setReport(toSend);
      setSendState('sending');
      try {
        const response = await fetch('/api/device-test/result', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(toSend),
        });
        if (!response.ok) throw new Error(`result answered ${response.status}`);
        const { sent } = (await response.json()) as { sent: boolean };
        setSendState(sent ? 'sent' : 'kept');
      } catch {
        setSendState('error');
      }
    },
    [],
  );

  const current: DeviceTestReport = {
    camera: outcomeOf(checks.camera),
    microphone: outcomeOf(checks.microphone),
    speaker: outcomeOf(checks.speaker),
    network: { result: outcomeOf(checks.network), ...network },
  };
  const allFinished = Object.values(checks).every((check) => check.status === 'Passed' || check.status === 'Failed');

  // All four done: the results go by themselves, and again when a retried check changes them
  // (the clinic keeps the latest). A failed send waits for Send again instead of looping.
  useEffect(() => {
    if (allFinished && sendState !== 'sending' && sendState !== 'error' && !sameReport(current, report)) void send(current);
  });

  const verdict = report ? overallResult(report) : null;

  return (
    <main className="mx-auto w-full max-w-lg p-4">
      <div className="flex justify-end">
        <LanguageSwitch />
      </div>
      <h1 className="text-2xl font-semibold">{text.heading}</h1>
      <p className="mt-2 text-slate-700">
        {text.intro}
        {reportsToClinic ? text.clinicSees : null}
      </p>
      {helpUrl ? (
        <p className="mt-2">
          <a href={helpUrl} target="_blank" rel="noopener noreferrer" className="font-medium text-brand-700 underline hover:text-brand-800">
            {text.needHelp}
          </a>
        </p>
      ) : null}
      {!started ? (
        <button type="button" className={`${primaryButton} mt-4 w-full sm:w-auto`} onClick={() => void start()}>
          {text.start}
        </button>
      ) : null}

      <div className="mt-4 space-y-4">
        <CheckSection name="camera" title={text.camera} check={checks.camera} headingRef={firstCheckRef}>
          <video
            ref={videoRef}
            aria-label={text.cameraPreview}
            className="aspect-video w-full -scale-x-100 rounded bg-slate-800 object-cover"
            muted
            playsInline
            autoPlay
          />
        </CheckSection>

        <CheckSection name="microphone" title={text.microphone} check={checks.microphone}>
          <p className="text-sm text-slate-700">{text.sayWords}</p>
          <div
            ref={meterRef}
            role="progressbar"
            aria-label={text.microphoneLevel}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={0}
            className="mt-2 h-4 w-full overflow-hidden rounded bg-slate-200"
          >
            <div className="h-full bg-green-700" style={{ width: '0%' }} />
          </div>
          {checks.microphone.status === 'Failed' && microphoneOpen ? (
            <button type="button" className={`${secondaryButton} mt-3`} onClick={listenAgain}>
              {text.listenAgain}
            </button>
          ) : null}
        </CheckSection>

        <CheckSection name="speaker" title={text.speakers} check={checks.speaker}>
          <button type="button" className={secondaryButton} onClick={playSound}>
            {soundPlayed ? text.playAgain : text.playSound}
          </button>
          {soundPlayed ? (
            <fieldset className="mt-3">
              <legend className="font-medium">{text.heardIt}</legend>
              <div className="mt-2 flex gap-2">
                <button
                  type="button"
                  className={secondaryButton}
                  aria-pressed={checks.speaker.status === 'Passed'}
                  onClick={() => setCheck('speaker', { status: 'Passed', note: (words) => words.speakersPassed })}
                >
                  {text.yes}
                </button>
                <button
                  type="button"
                  className={secondaryButton}
                  aria-pressed={checks.speaker.status === 'Failed'}
                  onClick={() => setCheck('speaker', { status: 'Failed', note: (words) => words.speakersFailed })}
                >
                  {text.no}
                </button>
              </div>
            </fieldset>
          ) : null}
        </CheckSection>

        <CheckSection name="network" title={text.network} check={checks.network} />
      </div>

      {/* Always in the page, so its live regions exist before they have something to say. */}
      <section aria-labelledby="result-heading" className={started ? 'mt-4 rounded-lg bg-white p-4 shadow' : 'mt-4'}>
        <h2 id="result-heading" className={started ? 'text-lg font-semibold' : 'sr-only'}>
          {text.result}
        </h2>
        <p role="status" aria-live="polite" data-testid="overall-result" className="font-semibold">
          {verdict === 'Passed' ? text.passedVerdict : null}
          {verdict === 'Failed' ? text.failedVerdict : null}
        </p>
        <p role="status" aria-live="polite" data-testid="send-status" className="text-slate-700">
          {sendState === 'sending' ? text.saving : null}
          {sendState === 'sent' ? text.sent : null}
          {sendState === 'kept' ? text.kept : null}
          {sendState === 'error' ? text.sendFailed : null}
        </p>
        <div className="mt-3 flex flex-wrap gap-2">
          {started && !report && !allFinished ? (
            <button type="button" className={secondaryButton} onClick={() => void send(current)}>
              {reportsToClinic ? text.finishAndSend : text.finish}
            </button>
          ) : null}
          {sendState === 'error' ? (
            <button type="button" className={primaryButton} onClick={() => void send(report ?? current)}>
              {text.sendAgain}
            </button>
          ) : null}
          {started ? (
            <button type="button" className={secondaryButton} onClick={() => window.location.reload()}>
              {text.testAgain}
            </button>
          ) : null}
        </div>
      </section>
    </main>
  );
}

function CheckSection({
  name,
  title,
  check,
  headingRef,
  children,
}: {
  name: CheckName;
  title: string;
  check: Check;
  headingRef?: React.Ref<HTMLHeadingElement>;
  children?: React.ReactNode;
}) {
  const text = usePatientText().text.deviceTest;
  return (
    <section aria-labelledby={`${name}-heading`} className="rounded-lg bg-white p-4 shadow">
      <h2 id={`${name}-heading`} ref={headingRef} tabIndex={-1} className="text-lg font-semibold">
        {title}
      </h2>
      {children ? <div className="mt-2">{children}</div> : null}
      <p role="status" aria-live="polite" data-testid={`${name}-result`} className="mt-2">
        {check.status === 'Passed' ? <span className="mr-2 rounded bg-green-100 px-2 py-0.5 font-semibold text-green-900">✓ {text.passed}</span> : null}
        {check.status === 'Failed' ? <span className="mr-2 rounded bg-red-100 px-2 py-0.5 font-semibold text-red-900">✗ {text.failed}</span> : null}
        <span className="text-slate-800">{check.note(text)}</span>
      </p>
    </section>
  );
}

interface OpenedMedia {
  video: MediaStream | null;
  audio: MediaStream | null;
  videoError?: unknown;
  audioError?: unknown;
}

/** One permission prompt for both; when that fails for another reason than a refusal, each alone. */
async function openMedia(): Promise<OpenedMedia> {
  const devices = navigator.mediaDevices;
  if (!devices?.getUserMedia) {
    const error = new DOMException('no media devices', 'NotSupportedError');
    return { video: null, audio: null, videoError: error, audioError: error };
  }
  try {
    const stream = await devices.getUserMedia({ video: true, audio: true });
    return { video: new MediaStream(stream.getVideoTracks()), audio: new MediaStream(stream.getAudioTracks()) };
  } catch (error) {
    if (errorName(error) === 'NotAllowedError' || errorName(error) === 'SecurityError') return { video: null, audio: null, videoError: error, audioError: error };
  }
  const [video, audio] = await Promise.allSettled([devices.getUserMedia({ video: true }), devices.getUserMedia({ audio: true })]);
  return {
    video: video.status === 'fulfilled' ? video.value : null,
    audio: audio.status === 'fulfilled' ? audio.value : null,
    videoError: video.status === 'rejected' ? video.reason : undefined,
    audioError: audio.status === 'rejected' ? audio.reason : undefined,
  };
}

function mediaProblem(text: DeviceText, error: unknown, device: 'camera' | 'microphone'): string {
  const named = text.devices[device];
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'SecurityError':
      return text.blocked(named);
    case 'NotFoundError':
    case 'OverconstrainedError':
      return device === 'camera' ? text.noCamera : text.noMicrophone;
    case 'NotReadableError':
      return text.inUse(named);
    case 'NotSupportedError':
      return text.unsupported(named);
    default:
      return text.notStarted(named);
  }
}

function errorName(error: unknown): string {
  return error instanceof DOMException || error instanceof Error ? error.name : '';
}

/** The loudest sample as a 0 to 100 level over -60 to 0 dBFS. */
function peakLevel(samples: Float32Array): number {
  let peak = 0;
  for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
  if (peak <= 0) return 0;
  return Math.min(100, Math.max(0, ((20 * Math.log10(peak) + 60) / 60) * 100));
}

/** Two short notes, made in the browser: nothing to download. */
function playTestSound(context: AudioContext) {
  const gain = context.createGain();
  gain.connect(context.destination);
  const start = context.currentTime + 0.05;
  [523.25, 783.99, 523.25, 783.99].forEach((frequency, index) => {
    const noteStart = start + index * 0.4;
    const oscillator = context.createOscillator();
    oscillator.frequency.value = frequency;
    oscillator.connect(gain);
    gain.gain.setValueAtTime(0.0001, noteStart);
    gain.gain.exponentialRampToValueAtTime(0.3, noteStart + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, noteStart + 0.35);
    oscillator.start(noteStart);
    oscillator.stop(noteStart + 0.36);
  });
}

function sameReport(a: DeviceTestReport, b: DeviceTestReport | null): boolean {
  return b !== null && JSON.stringify(a) === JSON.stringify(b);
}

function outcomeOf(check: Check): TestOutcome {
  return check.status === 'Passed' || check.status === 'Failed' ? check.status : 'NotTested';
}

function number(value: number): string {
  return value.toLocaleString('en-US');
}

const primaryButton = 'inline-flex min-h-11 items-center justify-center rounded-md bg-blue-700 px-4 py-2 font-semibold text-white hover:bg-blue-800 disabled:opacity-50';
const secondaryButton =
  'inline-flex min-h-11 items-center justify-center rounded-md border border-slate-500 bg-white px-4 py-2 font-medium text-slate-900 hover:bg-slate-100 disabled:opacity-50 aria-pressed:border-blue-700 aria-pressed:bg-blue-50 aria-pressed:ring-2 aria-pressed:ring-blue-700';
