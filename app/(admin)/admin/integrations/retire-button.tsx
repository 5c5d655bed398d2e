'use client';

import { ConfirmRemoveButton } from '@/components/confirm-remove-button';
import { setIntegrationRetired } from '@/lib/settings/integration-actions';

export function RetireButton({ integrationId, name, retired }: { integrationId: string; name: string; retired: boolean }) {
  return (
    <ConfirmRemoveButton
      text={retired ? 'Reinstate' : 'Retire'}
      label={`${retired ? 'Reinstate' : 'Retire'} ${name}`}
      question={retired ? `Put ${name} back in use? Its launch links work again.` : `Retire ${name}? Its launch links are refused from now on; its records are kept.`}
      remove={() => setIntegrationRetired(integrationId, !retired)}
    />
  );
}
