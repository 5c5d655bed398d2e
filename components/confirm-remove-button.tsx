'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { secondaryButtonClass } from '@/components/field';

/** A Remove (or other) button that asks first, runs the server action, and shows why it was refused. */
export function ConfirmRemoveButton(props: {
  label: string;
  question: string;
  remove: () => Promise<{ ok: boolean; message: string }>;
  className?: string;
  /** What the button says; Remove unless given. */
  text?: string;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState('');
  return (
    <span className={`flex items-center gap-2 ${props.className ?? ''}`}>
      <span role="alert" aria-live="polite" className="text-sm text-red-700">{message}</span>
      <button
        type="button"
        className={secondaryButtonClass}
        disabled={pending}
        aria-label={props.label}
        onClick={() => {
          if (!window.confirm(props.question)) return;
          startTransition(async () => {
            const result = await props.remove();
            setMessage(result.ok ? '' : result.message);
            // Also after a refusal: the row may have changed under us (someone removed it first).
            router.refresh();
          });
        }}
      >
        {props.text ?? 'Remove'}
      </button>
    </span>
  );
}
