'use client';

import { ConfirmRemoveButton } from '@/components/confirm-remove-button';
import { endVisitAsAdmin } from '@/lib/visit/admin-actions';

export function EndVisitButton({ meetingId, label }: { meetingId: string; label: string }) {
  return (
    <ConfirmRemoveButton
      text="End"
      label={`End visit ${label}`}
      question={`End visit ${label} for everyone? Epic hears that everyone left, and the patients' records are deleted.`}
      remove={() => endVisitAsAdmin(meetingId)}
    />
  );
}
