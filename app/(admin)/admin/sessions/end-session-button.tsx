'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { secondaryButtonClass } from '@/components/field';
import { endAdminSession } from '@/lib/admins/session-actions';

export function EndSessionButton({ sessionId, label }: { sessionId: string; label: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState('');
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        className={secondaryButtonClass}
        disabled={pending}
        aria-label={label}
        onClick={() =>
          startTransition(async () => {
            const result = await endAdminSession(sessionId);
            setMessage(result.ok ? '' : result.message);
            router.refresh();
          })
        }
      >
        End
      </button>
      <span role="status" aria-live="polite" className="text-sm text-red-700">
        {message}
      </span>
    </span>
  );
}
