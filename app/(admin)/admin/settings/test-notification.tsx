'use client';

import Link from 'next/link';
import { useState, useTransition } from 'react';
import { secondaryButtonClass } from '@/components/field';
import { sendTestNotificationAction } from '@/lib/settings/actions';
import type { TestNotificationResult } from '@/lib/epic/test-notification';

/** One real Connection Status call to the saved endpoint, to see what Epic answers. */
export function TestNotification({ integrationId, endpointSaved }: { integrationId: string | null; endpointSaved: boolean }) {
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<TestNotificationResult | null>(null);
  return (
    <div className="space-y-2 rounded bg-slate-50 p-3" data-testid="test-notification">
      <p className="text-sm text-slate-700">
        Sends one Connection Status call, marked as a test (SessionID and ExternalID TELEVISIT-TEST), to the saved endpoint with the saved
        authorization. It is recorded in Notification Records.
      </p>
      <button
        type="button"
        className={secondaryButtonClass}
        disabled={pending || !endpointSaved || !integrationId}
        onClick={() =>
          startTransition(async () => {
            try {
              setResult(await sendTestNotificationAction(integrationId));
            } catch {
              setResult({ sent: false, reason: 'The test could not be sent from this page. Check your connection and try again.' });
            }
          })
        }
      >
        {pending ? 'Sending…' : 'Send test notification'}
      </button>
      <div role="status" aria-live="polite" className="text-sm" data-testid="test-notification-result">
        {!endpointSaved ? <p className="text-slate-600">Save an Epic Connection Status Endpoint URL first.</p> : null}
        {result && !result.sent ? <p className="text-red-700">{result.reason}</p> : null}
        {result && result.sent ? (
          <>
            <p className={result.respCode >= 200 && result.respCode < 300 ? 'font-medium text-green-800' : 'font-medium text-red-700'}>
              Epic answered {result.respCode === 0 ? 'nothing (RespCode 0)' : `HTTP ${result.respCode}`}
              {result.error ? `: ${result.error}` : ''}.
            </p>
            <p className="break-all text-slate-600">Sent to the saved URL {result.url}</p>
            <Link href={`/admin/notifications/${result.notificationId}`} className="text-brand-700 underline">
              See the record
            </Link>
          </>
        ) : null}
      </div>
    </div>
  );
}
