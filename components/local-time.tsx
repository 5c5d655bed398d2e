'use client';

import { useEffect, useState } from 'react';

/**
 * A moment in the viewer's own time and zone ("5 Dec 2026, 09:12:03 CST"), with UTC on hover. The
 * server renders UTC (it does not know the viewer's zone); the browser swaps in local time.
 */
export function LocalTime({ value }: { value: Date | string }) {
  const iso = (typeof value === 'string' ? new Date(value) : value).toISOString();
  const utc = `${iso.replace('T', ' ').slice(0, 19)} UTC`;
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => {
    setLocal(new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'long' }));
  }, [iso]);
  return (
    <time dateTime={iso} title={utc}>
      {local ?? utc}
    </time>
  );
}

/** Text with ISO 8601 UTC times in it (a launch's "expired at …"), each shown as LocalTime. */
export function TextWithLocalTimes({ text }: { text: string }) {
  const parts = text.split(/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)/);
  return <>{parts.map((part, index) => (index % 2 === 1 ? <LocalTime key={index} value={part} /> : part))}</>;
}
