import { z } from 'zod';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;
/** A second-step code as typed: six digits, or a recovery code with its dash and spaces. */
export const SECOND_STEP_MAX = 32;

export const adminEmail = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Enter an email address')
  .max(254, 'At most 254 characters')
  .pipe(z.email('Enter a valid email address'));

const password = z
  .string()
  .min(PASSWORD_MIN, `At least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `At most ${PASSWORD_MAX} characters`);

/** The integrations an admin (not the owner) sees. */
export const grantsSchema = z.object({ integrationIds: z.array(z.uuid()).max(500).default([]) });

export const newAdminSchema = z.object({ email: adminEmail, password, integrationIds: z.array(z.uuid()).max(500).default([]) });

export const ownerSetupSchema = z
  .object({ email: adminEmail, password, confirmPassword: z.string() })
  .refine((owner) => owner.password === owner.confirmPassword, {
    path: ['confirmPassword'],
    message: 'The passwords do not match',
  });

/** An admin's own new password: the current one, then the new one twice. */
export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password').max(PASSWORD_MAX, `At most ${PASSWORD_MAX} characters`),
    newPassword: password,
    confirmPassword: z.string(),
  })
  .refine((change) => change.newPassword === change.confirmPassword, { path: ['confirmPassword'], message: 'The passwords do not match' })
  .refine((change) => change.newPassword !== change.currentPassword, { path: ['newPassword'], message: 'Choose a password other than the current one' });

export const signInSchema = z.object({
  email: adminEmail,
  password: z.string().min(1, 'Enter your password').max(PASSWORD_MAX, `At most ${PASSWORD_MAX} characters`),
  /** The second step (lib/admins/two-step.ts): asked for only once the password was right, for accounts that have it. */
  code: z.string().trim().max(SECOND_STEP_MAX, `At most ${SECOND_STEP_MAX} characters`).optional(),
});

/** A code of the second step where one is required (turning two-step sign-in off): from the app, or a recovery code. */
export const secondStepSchema = z.object({
  code: z.string().trim().min(1, 'Enter a code').max(SECOND_STEP_MAX, `At most ${SECOND_STEP_MAX} characters`),
});

/** What sign-in answers when the password was right and the account's second step is wanted: the form then asks for the code. */
export const TWO_STEP_NEEDED = 'TWO_STEP_NEEDED';

/** The code typed back while setting up two-step sign-in: six digits from the app. */
export const twoStepCodeSchema = z.object({
  code: z
    .string()
    .trim()
    .transform((value) => value.replace(/\s/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6 digits the app shows')),
});

export type NewAdmin = z.infer<typeof newAdminSchema>;
