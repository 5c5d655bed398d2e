import type { ReactNode } from 'react';

/**
 * A wide table scrolls inside its own box on a narrow screen, never the page. `relative` matters:
 * screen-reader-only text in a header cell is absolutely positioned, and without a positioned
 * ancestor here it would escape the box and widen the whole page.
 */
export function TableScroller({ children, className = '' }: { children: ReactNode; className?: string }) {
  return <div className={`relative overflow-x-auto ${className}`}>{children}</div>;
}
