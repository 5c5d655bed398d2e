'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { buttonClass } from '@/components/field';
import { setRequireTwoStep } from '@/lib/admins/two-step-actions';

/** The owner's rule for every password account: two-step sign-in required, or each admin's choice. */
export function RequireTwoStepSwitch({ required, ownerEnrolled }: { required: boolean; ownerEnrolled: boolean }) {
  const router = useRouter();
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <section aria-labelledby="two-step-rule-heading" className="space-y-3 rounded-lg bg-white p-5 shadow">
      <h2 id="two-step-rule-heading" className="font-semibold">
        Two-step sign-in
      </h2>
      <p className="text-sm text-slate-700" data-testid="two-step-rule">
        {required
          ? 'Required: every admin signs in with a password and a code from an authenticator app. An admin without it sets it up before anything else.'
          : 'Each admin’s choice. Requiring it signs out every admin who has not set it up; they set it up at their next sign-in.'}
      </p>
      {!required && !ownerEnrolled ? <p className="text-sm text-slate-700">Set up two-step sign-in for your own account first (Two-step sign-in, in the menu).</p> : null}
      <div className="flex flex-wrap items-center gap-4">
        <button
          type="button"
          className={buttonClass}
          disabled={pending || (!required && !ownerEnrolled)}
          onClick={async () => {
            setPending(true);
            try {
              const result = await setRequireTwoStep(!required);
              setStatus({ ok: result.ok, text: result.message });
              if (result.ok) router.refresh();
            } catch {
              setStatus({ ok: false, text: 'The server could not be reached. Check your connection and try again; nothing was saved.' });
            } finally {
              setPending(false);
            }
          }}
        >
          {required ? 'Stop requiring two-step sign-in' : 'Require two-step sign-in'}
        </button>
        <p role="status" aria-live="polite" className={status?.ok ? 'text-sm text-green-800' : 'text-sm text-red-700'}>
          {status?.text ?? ''}
        </p>
      </div>
    </section>
  );
}
