import { z } from 'zod';
import { GUEST_ROLES, type GuestRole } from '@/lib/visit/schema';

// What a provider fills in to invite a guest (lib/visit/guests.ts), checked by the same schema in
// the call page's form and in the route; and what the page is told of invitations not used yet.

export const GUEST_NAME_MAX = 100;
export const GUEST_LANGUAGE_MAX = 60;


export const guestInviteSchema = z.strictObject({
  name: z.string('Enter the guest’s name').trim().min(1, 'Enter the guest’s name').max(GUEST_NAME_MAX, `At most ${GUEST_NAME_MAX} characters`),
  role: z.enum(GUEST_ROLES, 'Choose the guest’s role'),
  language: z
    .string()
    .trim()
    .max(GUEST_LANGUAGE_MAX, `At most ${GUEST_LANGUAGE_MAX} characters`)
    .optional()
    .transform((value) => value || undefined),
});
export type GuestInviteInput = z.infer<typeof guestInviteSchema>;

export interface PendingInvite {
  inviteId: string;
  name: string;
  role: GuestRole;
  language: string | null;
  createdAt: string;
}
