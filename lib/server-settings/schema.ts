import { z } from 'zod';

// The server-wide settings (not per integration): when an abandoned visit ends by itself, and how
// long each kind of record is kept before the daily purge removes it. One schema for the form
// (app/(admin)/admin/server/server-settings-form.tsx) and the server action.

export const IDLE_MINUTES = { min: 1, max: 720, default: 15 } as const;
/** Records are kept at least a day (someone may be troubleshooting) and at most ten years. */
export const RETENTION_DAYS = { min: 1, max: 3650 } as const;
/** Who changed what is kept at least a year, whatever the other periods. */
export const AUDIT_MIN_DAYS = 365;

const wholeNumber = (label: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, `Enter whole ${label}`)
    .transform(Number)
    .pipe(z.number().min(min, `At least ${min} ${label}`).max(max, `At most ${max} ${label}`));

export const serverSettingsSchema = z.object({
  idleMinutes: wholeNumber('minutes', IDLE_MINUTES.min, IDLE_MINUTES.max),
  launchLogDays: wholeNumber('days', RETENTION_DAYS.min, RETENTION_DAYS.max),
  notificationDays: wholeNumber('days', RETENTION_DAYS.min, RETENTION_DAYS.max),
  participantEventDays: wholeNumber('days', RETENTION_DAYS.min, RETENTION_DAYS.max),
  endedMeetingDays: wholeNumber('days', RETENTION_DAYS.min, RETENTION_DAYS.max),
  signInAttemptDays: wholeNumber('days', RETENTION_DAYS.min, RETENTION_DAYS.max),
  auditDays: wholeNumber('days', AUDIT_MIN_DAYS, RETENTION_DAYS.max),
});

export type ServerSettingsFormValues = z.input<typeof serverSettingsSchema>;
export type ServerSettingsValues = z.output<typeof serverSettingsSchema>;

export const SERVER_SETTING_LABELS: Record<keyof ServerSettingsValues, { label: string; hint: string }> = {
  idleMinutes: { label: 'End a visit after nobody is in it for (minutes)', hint: 'A visit everyone left, without pressing End, ends by itself after this long: Epic hears who was still connected, and the patients’ records are deleted.' },
  launchLogDays: { label: 'Keep the launch log for (days)', hint: 'Every launch, good or refused, with its cause.' },
  notificationDays: { label: 'Keep Notification Records for (days)', hint: 'Every call to Epic (device-test results too) and its attempts.' },
  participantEventDays: { label: 'Keep join and leave events for (days)', hint: 'Who connected and disconnected when; Epic user IDs only.' },
  endedMeetingDays: { label: 'Keep ended visits for (days)', hint: 'The visit and its provider rows; patients’ records go when the visit ends.' },
  signInAttemptDays: { label: 'Keep admin sign-in attempts for (days)', hint: 'Used to slow password guessing; at least the 15-minute window is always kept.' },
  auditDays: { label: 'Keep the audit log for (days)', hint: `Who changed which settings; at least ${AUDIT_MIN_DAYS} days.` },
};
