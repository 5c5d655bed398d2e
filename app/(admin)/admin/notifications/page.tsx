import { AdminTable } from '@/components/admin-table';
import Link from 'next/link';
import { UtcTime } from '@/components/utc-time';
import { DeliveryHealthChart } from './delivery-health-chart';
import { MediaServerLine } from './media-server-line';
import { buttonClass, inputClass } from '@/components/field';
import { FILTER_FIELD, FILTER_FORM, IntegrationFilter, SEARCH_FIELD } from '@/components/integration-filter';
import { canSee, requireAccess, visibleIntegrations } from '@/lib/access';
import { db } from '@/lib/db';
import { deliveryHealth } from '@/lib/epic/delivery-health';
import { mediaServerStatus } from '@/lib/media-server/janus';
import { recordsSearchSchema, searchNotificationRecords, stateLabel, type RecordsSearch } from '@/lib/epic/notification-records';

export const metadata = { title: 'Notification Records · Televisit' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function NotificationRecordsPage({ searchParams }: { searchParams: SearchParams }) {
  const access = await requireAccess();
  const raw = Object.fromEntries(Object.entries(await searchParams).map(([name, value]) => [name, Array.isArray(value) ? value[0] : value]));
  const parsed = recordsSearchSchema.safeParse(raw);
  const search: RecordsSearch = parsed.success ? parsed.data : { q: '' };
  if (search.integration && !canSee(access, search.integration)) search.integration = undefined;
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  const database = await db();
  const [{ rows, nextBefore }, integrations] = await Promise.all([searchNotificationRecords(database, access, search), visibleIntegrations(database, access)]);
  // The picture covers the chosen range, or the last 24 hours; at most a week of hours.
  const to = search.to ? new Date(`${search.to}:59.999Z`) : new Date();
  const from = search.from ? new Date(`${search.from}:00Z`) : new Date(to.getTime() - 24 * 3600_000);
  const health = await deliveryHealth(database, access, { from: new Date(Math.max(from.getTime(), to.getTime() - 7 * 24 * 3600_000)), to, integrationId: search.integration, q: search.q || undefined });

  return (
    <main>
      <h1 className="text-xl font-semibold">Notification Records</h1>
      <p className="mb-4 mt-1 text-sm text-slate-600">
        Every call made to Epic: join and leave notifications (the green light) and device-test results. RespCode is Epic&apos;s HTTP answer;
        0 means no answer came (refused, timed out, or not sent).
      </p>
      <MediaServerLine status={mediaServerStatus()} />
      <form method="get" role="search" aria-label="Search" className={FILTER_FORM}>
        <div className={SEARCH_FIELD}>
          <label htmlFor="q" className="block text-sm font-medium">Meeting ID or Epic session ID</label>
          <input id="q" name="q" type="search" defaultValue={search.q} className={`${inputClass} font-mono`} spellCheck={false} />
        </div>
        <IntegrationFilter integrations={integrations} selected={search.integration} />
        <div className={FILTER_FIELD}>
          <label htmlFor="from" className="block text-sm font-medium">From (UTC)</label>
          <input id="from" name="from" type="datetime-local" defaultValue={search.from ?? ''} className={inputClass} />
        </div>
        <div className={FILTER_FIELD}>
          <label htmlFor="to" className="block text-sm font-medium">To (UTC)</label>
          <input id="to" name="to" type="datetime-local" defaultValue={search.to ?? ''} className={inputClass} />
        </div>
        <label className="flex max-w-xs flex-[1_1_14rem] items-center gap-2 text-sm">
          <input type="checkbox" name="failures" value="1" defaultChecked={Boolean(search.failures)} />
          Only failures (also those that went through after a failure)
        </label>
        <button type="submit" className={buttonClass}>Search</button>
      </form>
      <DeliveryHealthChart health={health} scope={search.q ? `of ${search.q}` : null} />
      {problems.length ? (
        <p role="alert" data-testid="search-problems" className="mb-4 text-sm text-red-700">{problems.join('; ')}</p>
      ) : null}
      <AdminTable label="Notification records" columns={['Time', 'Call', 'User type', 'Epic user ID', 'Status sent', 'RespCode', 'Attempts', 'State', 'Meeting / session']} rowCount={rows.length} next={nextBefore ? { href: `/admin/notifications?${pageQuery(search, nextBefore)}`, label: 'Older records' } : null} empty={'No notification records match.'}>
        {rows.map((row) => (
          <tr key={row.id} className="border-t border-slate-100 align-top">
            <td className="whitespace-nowrap px-3 py-2">
              <Link href={`/admin/notifications/${row.id}`} className="text-brand-700 underline">
                <UtcTime value={row.createdAt} />
              </Link>
            </td>
            <td className="px-3 py-2">
              {row.kind === 'device_test' ? 'Device test' : 'Connection status'}
              {row.isTest ? <span className="ml-1 rounded bg-slate-200 px-1 text-xs">test</span> : null}
            </td>
            <td className="px-3 py-2">{row.userType}</td>
            <td className="px-3 py-2 font-mono text-xs">{row.epicUserId}</td>
            <td className="px-3 py-2">{row.status}</td>
            <td className="px-3 py-2 font-mono" data-testid="resp-code">{row.respCode ?? 0}</td>
            <td className="px-3 py-2">{row.attempts}</td>
            <td className="px-3 py-2">
              <span className={row.state === 'delivered' ? 'text-green-800' : row.state === 'pending' ? 'text-amber-800' : 'text-red-700'}>{stateLabel(row)}</span>
            </td>
            <td className="px-3 py-2 font-mono text-xs">
              {row.meetingId ?? '—'}
              <br />
              {row.sessionId ?? ''}
            </td>
          </tr>
        ))}
      </AdminTable>
    </main>
  );
}

function pageQuery(search: RecordsSearch, before: number): string {
  const query = new URLSearchParams();
  if (search.q) query.set('q', search.q);
  if (search.failures) query.set('failures', '1');
  if (search.from) query.set('from', search.from);
  if (search.to) query.set('to', search.to);
  if (search.integration) query.set('integration', search.integration);
  query.set('before', String(before));
  return query.toString();
}
