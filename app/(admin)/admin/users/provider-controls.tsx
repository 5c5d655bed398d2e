'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { secondaryButtonClass } from '@/components/field';
import { removeProvider } from '@/lib/providers/actions';

export function RemoveProviderButton({ providerId, label }: { providerId: string; label: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState('');
  return (
    <span className="flex items-center justify-end gap-2">
      <span role="alert" aria-live="polite" className="text-sm text-red-700">{message}</span>
      <button
        type="button"
        className={secondaryButtonClass}
        disabled={pending}
        aria-label={`Remove provider ${label}`}
        onClick={() => {
          if (!window.confirm(`Remove the provider account of ${label}? Visits in progress are not affected; their next launch creates the account again.`)) return;
          startTransition(async () => {
            const result = await removeProvider(providerId);
            setMessage(result.ok ? '' : result.message);
            // Also when it failed because someone else removed it first: the row then goes.
            router.refresh();
          });
        }}
      >
        Remove
      </button>
    </span>
  );
}
