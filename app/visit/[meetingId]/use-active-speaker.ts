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
/**
 * And not sooner than this after the last change: on a phone the speaker's tile is the large one,
 * and a picture that jumps between two people at every breath cannot be watched.
 */
const HOLD_MS = 2000;

export function useActiveSpeaker(levels: () => Map<string, number>, enabled: boolean): string | null {
  const [speaker, setSpeaker] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return setSpeaker(null);
    let changedAt = 0;
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
        const next = nextSpeaker(current, loudest, loudestLevel, now, performance.now() - changedAt < HOLD_MS);
        if (next !== current) changedAt = performance.now();
        return next;
      });
    }, EVERY_MS);
    return () => clearInterval(timer);
  }, [levels, enabled]);
  return speaker;
}

function nextSpeaker(current: string | null, loudest: string | null, loudestLevel: number, levels: Map<string, number>, holding: boolean): string | null {
  // Someone who left is never kept.
  if (current !== null && !levels.has(current)) return loudest;
  if (!loudest || loudest === current || (holding && current !== null)) return current;
  const currentLevel = current ? (levels.get(current) ?? 0) : 0;
  return loudestLevel > currentLevel * TAKEOVER_FACTOR ? loudest : current;
}
