'use client';

import { useEffect, useRef, useState } from 'react';

// A provider between visits must not miss a patient who waits: a chime for each new one, and the
// count in the tab's title. Browsers keep sound off until the page is touched, so the sound is
// unlocked on the first click or key, and the page says so while it is still off.

export type ChimeState = 'off' | 'on';

/** `title`: the page's own title, which the count of who waits goes in front of. */
export function useWaitingChime(waitingIds: string[], enabled: boolean, title: string): { state: ChimeState } {
  const [state, setState] = useState<ChimeState>('off');
  const context = useRef<AudioContext | null>(null);
  const heard = useRef<Set<string>>(new Set());

  useEffect(() => {
    if (!enabled) return;
    const unlock = () => {
      try {
        context.current ??= new AudioContext();
        void context.current.resume().then(() => setState(context.current?.state === 'running' ? 'on' : 'off'));
      } catch {
        setState('off');
      }
    };
    // Some browsers allow sound without a gesture (and tests run so): try at once too.
    unlock();
    window.addEventListener('pointerdown', unlock);
    window.addEventListener('keydown', unlock);
    return () => {
      window.removeEventListener('pointerdown', unlock);
      window.removeEventListener('keydown', unlock);
    };
  }, [enabled]);

  const key = waitingIds.join(',');
  useEffect(() => {
    document.title = enabled && waitingIds.length ? `(${waitingIds.length}) waiting · ${title}` : title;
    if (!enabled) return;
    const fresh = waitingIds.filter((id) => !heard.current.has(id));
    heard.current = new Set(waitingIds);
    if (fresh.length && context.current?.state === 'running') chime(context.current);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the key stands for the list
  }, [key, enabled, title]);

  return { state };
}

function chime(context: AudioContext) {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.frequency.value = 880;
  gain.gain.setValueAtTime(0.2, context.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.6);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start();
  oscillator.stop(context.currentTime + 0.6);
}
