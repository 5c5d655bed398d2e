import Link from 'next/link';
import { notFound } from 'next/navigation';
import { UtcTime } from '@/components/utc-time';
import { requireAccess } from '@/lib/access';
import { db } from '@/lib/db';
import { notificationRecord, stateLabel } from '@/lib/epic/notification-records';

export const metadata = { title: 'Notification record · Televisit' };

export default async function NotificationRecordPage({ params }: { params: Promise<{ notificationId: string }> }) {
  const access = await requireAccess();
  const record = await notificationRecord(await db(), access, (await params).notificationId);
  if (!record) notFound();
  const { notification, attempts } = record;
  const facts: Array<[string, React.ReactNode]> = [
    ['Call', notification.kind === 'device_test' ? 'Device test result' : 'Connection status'],
    ['Idempotency-Key', <span key="id" className="font-mono text-xs">{notification.id}</span>],
    ['Created', <UtcTime key="created" value={notification.createdAt} />],
    ['Meeting ID', notification.meetingId ?? '—'],
    ['Epic session ID', notification.sessionId ?? '—'],
    ['User type', notification.userType ?? '—'],
    ['Epic user ID', notification.epicUserId ?? '—'],
    ['Status sent', notification.status],
    ['State', stateLabel(notification)],
    ['RespCode', String(notification.respCode ?? 0)],
    ['Attempts', String(notification.attempts)],
    ['Next attempt', notification.state === 'pending' ? <UtcTime key="next" value={notification.nextAttemptAt} /> : '—'],
  ];
  return (
    <main className="space-y-6">
      <p>
        <Link href={notification.meetingId ? `/admin/notifications?q=${notification.meetingId}` : '/admin/notifications'} className="text-brand-700 underline">
          Back to Notification Records
        </Link>
      </p>
      <h1 className="text-xl font-semibold">Notification record</h1>
      <dl className="grid gap-x-6 gap-y-2 rounded-lg bg-white p-5 text-sm shadow sm:grid-cols-[max-content_1fr]">
        {facts.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="font-medium text-slate-700">{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <section aria-labelledby="body-heading" className="rounded-lg bg-white p-5 shadow">
        <h2 id="body-heading" className="mb-2 font-semibold">Body</h2>
        <pre className="overflow-x-auto rounded bg-slate-100 p-3 text-xs">{JSON.stringify(notification.body, null, 2)}</pre>
      </section>
      <section aria-labelledby="attempts-heading" className="space-y-4">
        <h2 id="attempts-heading" className="font-semibold">Attempts ({attempts.length})</h2>
        {attempts.length === 0 ? <p className="text-sm text-slate-600">No call has been made.</p> : null}
        {attempts.map((attempt, index) => (
          <article key={attempt.id} className="rounded-lg bg-white p-5 text-sm shadow" aria-label={`Attempt ${index + 1}`}>
            <h3 className="font-medium">
              Attempt {index + 1}: <UtcTime value={attempt.at} />, RespCode <span className="font-mono" data-testid="attempt-resp-code">{attempt.respCode}</span>,{' '}
              {attempt.durationMs} ms
            </h3>
            <p className="mt-1 break-all font-mono text-xs">POST {attempt.url}</p>
            {attempt.error ? <p className="mt-1 text-red-700">{attempt.error}</p> : null}
            <h4 className="mt-3 font-medium">Request headers</h4>
            <pre className="overflow-x-auto rounded bg-slate-100 p-3 text-xs">
              {Object.entries(attempt.requestHeaders).map(([name, value]) => `${name}: ${value}`).join('\n')}
            </pre>
            <h4 className="mt-3 font-medium">Request body</h4>
            <pre className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-3 text-xs">{attempt.requestBody}</pre>
            <h4 className="mt-3 font-medium">Start of the response</h4>
            <pre className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-3 text-xs">{attempt.responseStart ?? '(none)'}</pre>
          </article>
        ))}
      </section>
    </main>
  );
}
