'use client';

import Link from 'next/link';
import { useRef, useState, useTransition } from 'react';
import { inputClass, secondaryButtonClass } from '@/components/field';
import type { CheckResult } from '@/lib/epic/integration-check';
import { integrationCheckSchema } from '@/lib/epic/integration-check-schema';
import { checkIntegrationAction, type IntegrationCheckAnswer } from '@/lib/settings/actions';

const OUTCOME_CLASS: Record<CheckResult['outcome'], string> = {
  Passed: 'text-green-800',
  Failed: 'text-red-700',
  Skipped: 'text-slate-700',
};

/** "Check this integration": runs every check the server can make without a patient, and lists them. */
export function IntegrationCheck({ integrationId, unsavedFields }: { integrationId: string; unsavedFields: string[] }) {
  const [pending, startTransition] = useTransition();
  const [answer, setAnswer] = useState<IntegrationCheckAnswer | null>(null);
  const [linkError, setLinkError] = useState('');
  const link = useRef<HTMLTextAreaElement>(null);

  function run() {
    const input = { launchLink: link.current?.value ?? '', unsavedFields };
    const parsed = integrationCheckSchema.safeParse(input);
    setLinkError(parsed.success ? '' : (parsed.error.issues[0]?.message ?? 'Check the launch link'));
    if (!parsed.success) return link.current?.focus();
    startTransition(async () => {
      try {
        const result = await checkIntegrationAction(integrationId, input);
        setAnswer(result);
        if (!result.ok && result.fieldErrors?.launchLink) setLinkError(result.fieldErrors.launchLink);
      } catch {
        setAnswer({ ok: false, message: 'The check could not be run from this page. Check your connection and try again.' });
      }
    });
  }

  return (
    <div className="space-y-3" data-testid="integration-check">
      <p className="text-sm text-slate-700">
        Tries everything that needs no patient: a launch link made and opened with the saved key and secret, a test call to each Epic endpoint
        (recorded in Notification Records), OAuth discovery, the clock, the relay, and whether the saved settings agree with each other.
      </p>
      <div className="space-y-1">
        <label htmlFor="check-launch-link" className="block text-sm font-medium text-slate-800">
          A launch link from Epic (optional)
        </label>
        <textarea
          id="check-launch-link"
          ref={link}
          rows={2}
          spellCheck={false}
          className={inputClass}
          aria-invalid={linkError !== ''}
          aria-describedby="check-launch-link-hint check-launch-link-error"
        />
        <p id="check-launch-link-hint" className="text-xs text-slate-600">
          Paste a link Epic opened to see it decrypts with the saved secret. Nothing is stored and no meeting is made.
        </p>
        <p id="check-launch-link-error" role="alert" className="text-sm text-red-700">
          {linkError}
        </p>
      </div>
      <button type="button" className={secondaryButtonClass} disabled={pending} onClick={run}>
        {pending ? 'Checking…' : 'Check this integration'}
      </button>
      <p role="status" aria-live="polite" className={answer?.ok === false ? 'text-sm text-red-700' : 'text-sm text-slate-800'} data-testid="integration-check-status">
        {pending ? 'Checking; the endpoints may take a few seconds each.' : (answer?.message ?? '')}
      </p>
      {answer?.ok && !pending ? (
        <ul aria-label="Integration check" className="divide-y divide-slate-200 rounded border border-slate-200">
          {answer.results.map((result, index) => (
            <li key={index} className="space-y-1 p-3 text-sm" data-check={result.name}>
              <p>
                <span className={`font-semibold ${OUTCOME_CLASS[result.outcome]}`}>{result.outcome}</span> <span className="font-medium">{result.name}</span>
              </p>
              <p className="break-words text-slate-700">{result.reason}</p>
              {result.fix && result.outcome !== 'Passed' ? <p className="text-slate-800">What to do: {result.fix}</p> : null}
              {result.notificationId ? (
                <Link href={`/admin/notifications/${result.notificationId}`} className="text-brand-700 underline">
                  See the record of this call
                </Link>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
