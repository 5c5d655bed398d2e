import { LocalTime } from '@/components/local-time';
import type { DeliveryHealth } from '@/lib/epic/delivery-health';

const SERIES = [
  { key: 'delivered', label: 'Delivered at once', color: '#15803d' },
  { key: 'retried', label: 'Delivered after retries, or retrying', color: '#b45309' },
  { key: 'failed', label: 'Failed or not sent', color: '#b91c1c' },
] as const;

/**
 * Stacked bars per hour, drawn on the server, under a time axis; the numbers are in a table for
 * screen readers. It covers the search's range, integration, and meeting or session when one is searched.
 */
export function DeliveryHealthChart({ health, scope }: { health: DeliveryHealth; scope: string | null }) {
  const width = 720;
  const height = 140;
  const max = Math.max(1, ...health.hours.map((hour) => hour.delivered + hour.retried + hour.failed));
  const barWidth = width / Math.max(1, health.hours.length);
  const totals = SERIES.map((series) => health.hours.reduce((sum, hour) => sum + hour[series.key], 0));
  return (
    <section aria-labelledby="health-heading" className="mb-4 rounded-lg bg-white p-4 shadow">
      <h2 id="health-heading" className="text-base font-semibold">
        Delivery health{scope ? ` ${scope}` : ''}
      </h2>
      <p className="mt-1 text-sm text-slate-700" data-testid="oldest-pending">
        {health.oldestPendingMs === null ? 'Nothing is waiting to be sent.' : `The oldest notification still waiting was made ${duration(health.oldestPendingMs)} ago.`}
      </p>
      <ul className="mt-2 flex flex-wrap gap-4 text-sm" data-testid="health-totals">
        {SERIES.map((series, index) => (
          <li key={series.key} className="flex items-center gap-1.5">
            <span aria-hidden="true" className="inline-block h-3 w-3 rounded-sm" style={{ backgroundColor: series.color }} />
            {series.label}: <strong>{totals[index]}</strong>
          </li>
        ))}
      </ul>
      <svg viewBox={`0 0 ${width} ${height}`} className="mt-3 h-36 w-full" role="img" aria-label="Notifications per hour: delivered, retried and failed" preserveAspectRatio="none">
        {health.hours.map((hour, index) => {
          let top = height;
          return SERIES.map((series) => {
            const barHeight = (hour[series.key] / max) * (height - 4);
            top -= barHeight;
            return barHeight > 0 ? <rect key={`${index}-${series.key}`} x={index * barWidth + 1} y={top} width={Math.max(1, barWidth - 2)} height={barHeight} fill={series.color} /> : null;
          });
        })}
      </svg>
      {health.hours.length ? (
        // The axis: where the picture starts, its middle, and where it ends, in the viewer's time.
        <div className="mt-1 flex flex-wrap justify-between gap-x-3 text-xs text-slate-700" data-testid="health-axis">
          <LocalTime value={health.hours[0]!.hour} />
          <LocalTime value={health.hours[Math.floor(health.hours.length / 2)]!.hour} />
          <LocalTime value={new Date(health.hours.at(-1)!.hour.getTime() + 3600_000)} />
        </div>
      ) : null}
      <details className="mt-2 text-sm">
        <summary className="cursor-pointer text-slate-700">Per hour, as a table</summary>
        <table className="mt-2 text-left text-xs">
          <thead>
            <tr>
              <th scope="col" className="pr-4">Hour (UTC)</th>
              {SERIES.map((series) => (
                <th key={series.key} scope="col" className="pr-4">{series.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {health.hours.map((hour) => (
              <tr key={hour.hour.toISOString()}>
                <td className="pr-4">{hour.hour.toISOString().slice(0, 13).replace('T', ' ')}:00</td>
                <td className="pr-4">{hour.delivered}</td>
                <td className="pr-4">{hour.retried}</td>
                <td className="pr-4">{hour.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `${Math.round(minutes / 60)} hours`;
}
