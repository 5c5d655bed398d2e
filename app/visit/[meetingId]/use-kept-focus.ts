'use client';

import { useCallback, useEffect, useRef } from 'react';

// A list whose items go away when acted on (Admit, Remove, Let back in): the button pressed goes
// with its item, and focus would fall to the page's body. This keeps it in the list: on the same
// place's next button once the list has changed, or on the list itself when it is empty; when the
// list itself is gone, on the call (CALL_STAGE_ID).

/** The call's picture, where focus goes when a list it was in has gone altogether. */
export const CALL_STAGE_ID = 'call-stage';

export function useKeptFocus<Element extends HTMLElement>(itemIds: string[]) {
  const container = useRef<Element | null>(null);
  const leaving = useRef<{ id: string; index: number } | null>(null);
  const key = itemIds.join(',');

  useEffect(() => {
    const pending = leaving.current;
    if (!pending || itemIds.includes(pending.id)) return;
    leaving.current = null;
    // Only when focus was lost with the item (not when the person moved on meanwhile).
    if (document.activeElement && document.activeElement !== document.body) return;
    const buttons = [...(container.current?.querySelectorAll<HTMLElement>('[data-keep-focus]') ?? [])];
    (buttons[Math.min(pending.index, buttons.length - 1)] ?? container.current ?? document.getElementById(CALL_STAGE_ID))?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the list's ids are its identity
  }, [key]);

  /** Call as an item's action starts: focus is kept in the list once that item is gone. */
  const leavingItem = useCallback(
    (id: string) => {
      leaving.current = { id, index: Math.max(0, itemIds.indexOf(id)) };
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key],
  );

  return { container, leavingItem };
}
