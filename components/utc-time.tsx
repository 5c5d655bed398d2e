/** A moment as the admin pages show it: ISO 8601 in UTC, to the second, so it matches server logs. */
export function UtcTime({ value, empty = '—' }: { value: Date | null; empty?: string }) {
  if (value === null) return <>{empty}</>;
  const iso = value.toISOString();
  return <time dateTime={iso}>{iso.replace('T', ' ').slice(0, 19)} UTC</time>;
}
