'use client';

import { useEffect, useState } from 'react';
import type { ChatMessage } from '@/lib/visit/meeting-view';

// How many chat messages this person has not seen: those from others newer than the last one shown
// to them with the chat open. Remembered for this tab, so a reload does not count as new what was
// already read.

export function useChatSeen(meetingId: string, participantId: string, chat: ChatMessage[], open: boolean): number {
  const key = `televisit:chat-seen:${meetingId}:${participantId}`;
  const [seenId, setSeenId] = useState(0);
  useEffect(() => {
    setSeenId(Number(sessionStorage.getItem(key) ?? 0) || 0);
  }, [key]);
  const lastId = chat.at(-1)?.id ?? 0;
  useEffect(() => {
    if (!open || lastId <= seenId) return;
    setSeenId(lastId);
    try {
      sessionStorage.setItem(key, String(lastId));
    } catch {
      // storage full or off: counted for this page only
    }
  }, [open, lastId, seenId, key]);
  return chat.filter((message) => message.id > seenId && message.from !== participantId).length;
}
