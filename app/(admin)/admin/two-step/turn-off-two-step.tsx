'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ClientForm } from '@/components/client-form';
import { Field, inputClass, secondaryButtonClass } from '@/components/field';
import { SECOND_STEP_MAX } from '@/lib/admins/schema';
import { turnOffTwoStep } from '@/lib/admins/two-step-actions';

/** Turning two-step sign-in off takes a code: a session left open on a shared computer cannot do it alone. */
export function TurnOffTwoStep() {
  const router = useRouter();
  const [code, setCode] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <ClientForm
      className="flex flex-wrap items-end gap-3"
      onSubmit={async (event) => {
        event.preventDefault();
        setPending(true);
        try {
          const result = await turnOffTwoStep({ code });
          setStatus({ ok: result.ok, text: result.message });
          if (result.ok) router.refresh();
        } catch {
          setStatus({ ok: false, text: 'The server could not be reached. Check your connection and try again.' });
        } finally {
          setPending(false);
        }
      }}
    >
      <Field id="off-code" label="A current code, or a recovery code">
        <input id="off-code" autoComplete="one-time-code" className={`${inputClass} max-w-48`} value={code} onChange={(event) => setCode(event.target.value)} maxLength={SECOND_STEP_MAX} />
      </Field>
      <button type="submit" className={`${secondaryButtonClass} mb-1`} disabled={pending || !code.trim()}>
        Turn off two-step sign-in
      </button>
      <p role="status" aria-live="polite" className={`w-full text-sm ${status?.ok ? 'text-green-800' : 'text-red-700'}`}>
        {status?.text ?? ''}
      </p>
    </ClientForm>
  );
}
