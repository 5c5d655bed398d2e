'use client';

import { useEffect, useState } from 'react';

// Who is speaking, from the audio levels of the others' streams: the loudest over a floor, kept
// until someone else is clearly louder (so the outline does not flicker between two voices), and
// kept through a pause.

const EVERY_MS = 300;
/** Below this nobody is speaking (breathing, a fan); Chromium's levels run 0 to 1. */
const SPEECH_FLOOR = 0.02;
/** Another voice takes over only when this much louder than the current one. */
const TAKEOVER_FACTOR = 1.5;

export function useActiveSpeaker(levels: () => Map<string, number>, enabled: boolean): string | null {
  const [speaker, setSpeaker] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return setSpeaker(null);
    const timer = setInterval(() => {
      const now = levels();
      let loudest: string | null = null;
      let loudestLevel = SPEECH_FLOOR;
      for (const [participantId, level] of now) {
        if (level > loudestLevel) {
          loudest = participantId;
          loudestLevel = level;
        }
      }
      setSpeaker((current) => {
        if (!loudest || loudest === current) return current !== null && !now.has(current) ? loudest : current;
        const currentLevel = current ? (now.get(current) ?? 0) : 0;
        return loudestLevel > currentLevel * TAKEOVER_FACTOR ? loudest : current;
      });
    }, EVERY_MS);
    return () => clearInterval(timer);
  }, [levels, enabled]);
  return speaker;
}
