'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { networkOutcome, NETWORK_MAX_ROUND_TRIP_MS, NETWORK_MIN_BITRATE_KBPS, overallResult, type DeviceTestReport, type TestOutcome } from '@/lib/device-test/schema';
import { measureNetwork } from './network-probe';

type CheckName = 'camera' | 'microphone' | 'speaker' | 'network';
type Status = 'idle' | 'running' | 'Passed' | 'Failed';

interface Check {
  status: Status;
  /** What we measured, or what to do when it failed. */
  note: string;
}

type SendState = 'idle' | 'sending' | 'sent' | 'kept' | 'error';

/** How long the microphone has to hear something before it fails. */
const MIC_LISTEN_MS = 5_000;
/** Meter level (0 to 100, which is -60 to 0 dBFS) that counts as sound: about -45 dBFS, above a muted input, below speech. */
const MIC_PASS_LEVEL = 25;
const CAMERA_WAIT_MS = 10_000;

const IDLE: Check = { status: 'idle', note: '' };
const RUNNING: Check = { status: 'running', note: 'Checking…' };

interface Props {
  helpUrl: string | null;
  /** Reached from a visit link: the results go to the clinic. */
  reportsToClinic: boolean;
}

export function DeviceTest({ helpUrl, reportsToClinic }: Props) {
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
        if (video.videoWidth > 0) setCheck('camera', { status: 'Passed', note: 'Your camera works. This is what others will see.' });
        else if (Date.now() > deadline) setCheck('camera', { status: 'Failed', note: 'Your camera sent no picture. Check that it is switched on and not covered, then select Test again.' });
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
        setCheck('microphone', { status: 'Failed', note: 'This browser cannot measure the microphone. Try the latest Chrome, Edge, Safari or Firefox.' });
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
          setCheck('microphone', { status: 'Passed', note: 'Your microphone works.' });
        } else if (Date.now() > micListenUntil.current) {
          micListenUntil.current = 0;
          setCheck('microphone', {
            status: 'Failed',
            note: 'We heard nothing. Check that your microphone or headset is not muted, then select Listen again and say a few words.',
          });
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
      const measured = `Response time ${number(measure.roundTripMs)} ms, speed ${number(measure.bitrateKbps)} kbps.`;
      let note = `${measured} Your connection is good enough for video.`;
      if (measure.bitrateKbps < NETWORK_MIN_BITRATE_KBPS) {
        note = `${measured} Video needs at least ${number(NETWORK_MIN_BITRATE_KBPS)} kbps. Move closer to your Wi-Fi router, or stop other downloads and videos, then select Test again.`;
      } else if (measure.roundTripMs >= NETWORK_MAX_ROUND_TRIP_MS) {
        note = `${measured} Your connection is slow to respond. Move closer to your Wi-Fi router or use a wired connection, then select Test again.`;
      }
      setCheck('network', { status: outcome, note });
    } catch {
      setCheck('network', { status: 'Failed', note: 'We could not reach the server. Check that you are connected to the internet, then select Test again.' });
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
    else setCheck('camera', { status: 'Failed', note: mediaProblem(media.videoError, 'camera') });
    if (media.audio) {
      setMicrophoneOpen(context !== null);
      checkMicrophone(media.audio, context);
    } else {
      setCheck('microphone', { status: 'Failed', note: mediaProblem(media.audioError, 'microphone') });
    }
  }, [audioContext, checkCamera, checkMicrophone, checkNetwork, setCheck]);

  const listenAgain = () => {
    setCheck('microphone', { status: 'running', note: 'Listening… say a few words.' });
    micListenUntil.current = Date.now() + MIC_LISTEN_MS;
  };

  const playSound = () => {
    const context = audioContext();
    if (!context) {
      setCheck('speaker', { status: 'Failed', note: 'This browser cannot play the test sound. Try the latest Chrome, Edge, Safari or Firefox.' });
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
      <h1 className="text-2xl font-semibold">Test your device for your video visit</h1>
      <p className="mt-2 text-slate-700">
        We check your camera, microphone, speakers and internet connection. When your browser asks, allow the camera and microphone.
        {reportsToClinic ? ' Your clinic will see the results.' : null}
      </p>
      {helpUrl ? (
        <p className="mt-2">
          <a href={helpUrl} target="_blank" rel="noopener noreferrer" className="font-medium text-brand-700 underline hover:text-brand-800">
            Need help?
          </a>
        </p>
      ) : null}
      {!started ? (
        <button type="button" className={`${primaryButton} mt-4 w-full sm:w-auto`} onClick={() => void start()}>
          Start the test
        </button>
      ) : null}

      <div className="mt-4 space-y-4">
        <CheckSection name="camera" title="Camera" check={checks.camera} headingRef={firstCheckRef}>
          <video
            ref={videoRef}
            aria-label="Your camera preview"
            className="aspect-video w-full -scale-x-100 rounded bg-slate-800 object-cover"
            muted
            playsInline
            autoPlay
          />
        </CheckSection>

        <CheckSection name="microphone" title="Microphone" check={checks.microphone}>
          <p className="text-sm text-slate-700">Say a few words; the bar moves when we hear you.</p>
          <div
            ref={meterRef}
            role="progressbar"
            aria-label="Microphone level"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={0}
            className="mt-2 h-4 w-full overflow-hidden rounded bg-slate-200"
          >
            <div className="h-full bg-green-700" style={{ width: '0%' }} />
          </div>
          {checks.microphone.status === 'Failed' && microphoneOpen ? (
            <button type="button" className={`${secondaryButton} mt-3`} onClick={listenAgain}>
              Listen again
            </button>
          ) : null}
        </CheckSection>

        <CheckSection name="speaker" title="Speakers" check={checks.speaker}>
          <button type="button" className={secondaryButton} onClick={playSound}>
            {soundPlayed ? 'Play the sound again' : 'Play test sound'}
          </button>
          {soundPlayed ? (
            <fieldset className="mt-3">
              <legend className="font-medium">Did you hear it?</legend>
              <div className="mt-2 flex gap-2">
                <button
                  type="button"
                  className={secondaryButton}
                  aria-pressed={checks.speaker.status === 'Passed'}
                  onClick={() => setCheck('speaker', { status: 'Passed', note: 'Your speakers work.' })}
                >
                  Yes
                </button>
                <button
                  type="button"
                  className={secondaryButton}
                  aria-pressed={checks.speaker.status === 'Failed'}
                  onClick={() =>
                    setCheck('speaker', {
                      status: 'Failed',
                      note: 'Turn the volume up and check that your device is not muted. With headphones, check that they are connected. Then play the sound again.',
                    })
                  }
                >
                  No
                </button>
              </div>
            </fieldset>
          ) : null}
        </CheckSection>

        <CheckSection name="network" title="Internet connection" check={checks.network} />
      </div>

      {/* Always in the page, so its live regions exist before they have something to say. */}
      <section aria-labelledby="result-heading" className={started ? 'mt-4 rounded-lg bg-white p-4 shadow' : 'mt-4'}>
        <h2 id="result-heading" className={started ? 'text-lg font-semibold' : 'sr-only'}>
          Result
        </h2>
        <p role="status" aria-live="polite" data-testid="overall-result" className="font-semibold">
          {verdict === 'Passed' ? 'Passed: your device is ready for your video visit.' : null}
          {verdict === 'Failed' ? 'Failed: follow the advice above, then select Test again.' : null}
        </p>
        <p role="status" aria-live="polite" data-testid="send-status" className="text-slate-700">
          {sendState === 'sending' ? 'Saving your results…' : null}
          {sendState === 'sent' ? 'Your results were sent to your clinic.' : null}
          {sendState === 'kept' ? 'Your results stay on this device.' : null}
          {sendState === 'error' ? 'Your results could not be sent. Check your connection and select Send again.' : null}
        </p>
        <div className="mt-3 flex flex-wrap gap-2">
          {started && !report && !allFinished ? (
            <button type="button" className={secondaryButton} onClick={() => void send(current)}>
              {reportsToClinic ? 'Finish and send what is done' : 'Finish'}
            </button>
          ) : null}
          {sendState === 'error' ? (
            <button type="button" className={primaryButton} onClick={() => void send(report ?? current)}>
              Send again
            </button>
          ) : null}
          {started ? (
            <button type="button" className={secondaryButton} onClick={() => window.location.reload()}>
              Test again
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
  return (
    <section aria-labelledby={`${name}-heading`} className="rounded-lg bg-white p-4 shadow">
      <h2 id={`${name}-heading`} ref={headingRef} tabIndex={-1} className="text-lg font-semibold">
        {title}
      </h2>
      {children ? <div className="mt-2">{children}</div> : null}
      <p role="status" aria-live="polite" data-testid={`${name}-result`} className="mt-2">
        {check.status === 'Passed' ? <span className="mr-2 rounded bg-green-100 px-2 py-0.5 font-semibold text-green-900">✓ Passed</span> : null}
        {check.status === 'Failed' ? <span className="mr-2 rounded bg-red-100 px-2 py-0.5 font-semibold text-red-900">✗ Failed</span> : null}
        <span className="text-slate-800">{check.note}</span>
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

function mediaProblem(error: unknown, device: 'camera' | 'microphone'): string {
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Your browser blocked the ${device}. Allow it for this site (the camera icon in the address bar, or your phone's settings for this browser), then select Test again.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return device === 'camera'
        ? 'No camera was found. Connect a camera, or use a phone or tablet that has one, then select Test again.'
        : 'No microphone was found. Connect a headset or microphone, then select Test again.';
    case 'NotReadableError':
      return `Another app is using your ${device}. Close it (for example another video call), then select Test again.`;
    case 'NotSupportedError':
      return `This browser cannot use a ${device} here. Try the latest Chrome, Edge, Safari or Firefox.`;
    default:
      return `The ${device} could not be started. Select Test again.`;
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
