'use client';

import { ConfirmRemoveButton } from '@/components/confirm-remove-button';
import { removeProvider } from '@/lib/providers/actions';

export function RemoveProviderButton({ providerId, label }: { providerId: string; label: string }) {
  return (
    <ConfirmRemoveButton
      className="justify-end"
      label={`Remove provider ${label}`}
      question={`Remove the provider account of ${label}? Visits in progress are not affected; their next launch creates the account again.`}
      remove={() => removeProvider(providerId)}
    />
  );
}
