import { UtcTime } from '@/components/utc-time';
import type { MediaServerStatus } from '@/lib/media-server/janus';

/** The media server (Janus) as the server that drew this page sees it; nothing when none is set. */
export function MediaServerLine({ status }: { status: MediaServerStatus }) {
  if (!status.configured) return null;
  const colours = {
    up: 'border-green-200 bg-green-50 text-green-900',
    connecting: 'border-slate-200 bg-slate-50 text-slate-800',
    down: 'border-red-200 bg-red-50 text-red-800',
  }[status.state];
  return (
    <p data-testid="media-server" className={`mb-4 rounded border px-3 py-2 text-sm ${colours}`}>
      <strong>Media server (group visits): {status.state}</strong>
      {status.since ? (
        <>
          {' '}since <UtcTime value={status.since} />
        </>
      ) : null}
      {status.state === 'down' && status.reason ? <>. Last try: {status.reason}</> : null}
    </p>
  );
}
