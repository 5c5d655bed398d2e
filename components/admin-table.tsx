import Link from 'next/link';
import type { ReactNode } from 'react';

/**
 * Every admin page's table: its header, a row that says so when nothing matches, a link to the next
 * page, and a box that scrolls sideways on a narrow screen instead of the page. The box is a labelled
 * region that takes focus, so a keyboard can scroll it (axe: scrollable-region-focusable). `relative`
 * matters: screen-reader-only text in a header cell is absolutely positioned, and without a
 * positioned ancestor it would escape the box and widen the whole page.
 */
export function AdminTable(props: {
  /** The table's name, for screen readers and the scroll region. */
  label: string;
  columns: ReactNode[];
  /** How many rows the body has; the `empty` row shows when none. */
  rowCount: number;
  empty: ReactNode;
  /** The next page of rows, when there is one (pager from the URL). */
  next?: { href: string; label: string } | null;
  /** A minimum width, so that columns do not squeeze into one word per line. */
  minWidth?: string;
  children: ReactNode;
}) {
  return (
    <>
      <div
        role="region"
        aria-label={props.label}
        tabIndex={0}
        className="relative max-w-full overflow-x-auto rounded-lg bg-white shadow focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-700"
      >
        <table className={`w-full text-left text-sm ${props.minWidth ?? ''}`} aria-label={props.label}>
          <thead className="bg-slate-100 text-slate-700">
            <tr>
              {props.columns.map((column, index) => (
                <th key={index} scope="col" className="whitespace-nowrap px-3 py-2">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.children}
            {props.rowCount === 0 ? (
              <tr>
                <td colSpan={props.columns.length} className="px-3 py-6 text-center text-slate-600">
                  {props.empty}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <p className="mt-4">
          <Link className="text-brand-700 underline" href={props.next.href}>
            {props.next.label}
          </Link>
        </p>
      ) : null}
    </>
  );
}
