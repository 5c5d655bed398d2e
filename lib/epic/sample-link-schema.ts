import { z } from 'zod';
import { LAUNCH_FIELD_MAX_LENGTH, LINK_VALIDITY_MAX_MINUTES } from '@/lib/epic/launch-limits';

// The sample launch link form: one schema for the browser form and the server action. The limits
// are those of Epic's launch fields (docs/epic-contract.md, section 1), so a sample link that passes
// here also passes the launch route.

export const USER_TYPES = ['Patient', 'Provider'] as const;
export const DEFAULT_LINK_VALIDITY_MINUTES = 60;

const identifier = (what: string) =>
  z
    .string()
    .trim()
    .max(LAUNCH_FIELD_MAX_LENGTH, `At most ${LAUNCH_FIELD_MAX_LENGTH} characters`)
    .regex(/^[A-Za-z0-9]*$/, `${what} is letters and digits only`);

const name = z
  .string()
  .trim()
  .max(LAUNCH_FIELD_MAX_LENGTH, `At most ${LAUNCH_FIELD_MAX_LENGTH} characters`)
  .regex(/^[^\p{Cc}]*$/u, 'No control characters');

export const sampleLinkSchema = z.object({
  integrationId: z.uuid('Choose an integration'),
  userType: z.enum(USER_TYPES, 'Choose Patient or Provider'),
  sessionId: identifier('A SessionID').min(1, 'Enter a SessionID'),
  conferenceId: identifier('A ConferenceID'),
  externalId: identifier('An ExternalID').min(1, 'Enter the Epic user ID (ExternalID)'),
  firstName: name,
  lastName: name,
  email: z
    .string()
    .trim()
    .max(254, 'At most 254 characters')
    .refine((value) => value === '' || z.email().safeParse(value).success, 'Enter a valid email address, or leave it empty'),
  /** Empty leaves LinkValidityPeriod out of the link, so the integration's default applies (as Epic may do). */
  linkValidityMinutes: z
    .string()
    .trim()
    .regex(/^(\d{1,6})?$/, "Enter whole minutes, or leave it empty for the integration's default")
    .transform((value) => (value === '' ? null : Number(value)))
    .pipe(z.number().max(LINK_VALIDITY_MAX_MINUTES, `At most ${LINK_VALIDITY_MAX_MINUTES} minutes (30 days)`).nullable()),
  /** A monitor call: the room device a provider's link calls. */
  roomName: name,
  deviceTest: z.boolean(),
});

export type SampleLinkInput = z.input<typeof sampleLinkSchema>;
export type SampleLink = z.output<typeof sampleLinkSchema>;

/** An 11-digit SessionID, the shape of an Epic encounter CSN. */
export function randomSessionId(): string {
  return String(10_000_000_000 + Math.floor(Math.random() * 90_000_000_000));
}
