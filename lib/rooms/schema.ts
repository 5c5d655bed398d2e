import { z } from 'zod';

// What an admin types about a room, and what a room device types to pair; one schema each for the
// form and the server.

/** Epic's RoomName as the launch carries it; matched exactly (after trimming). */
export const ROOM_NAME_MAX = 100;
export const ROOM_LOCATION_MAX = 200;

export const roomSchema = z.object({
  integrationId: z.uuid('Choose an integration'),
  name: z.string().trim().min(1, "Enter the room's name as Epic sends it (RoomName)").max(ROOM_NAME_MAX, `At most ${ROOM_NAME_MAX} characters`),
  location: z.string().trim().max(ROOM_LOCATION_MAX, `At most ${ROOM_LOCATION_MAX} characters`).default(''),
});

/** Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L); a code has ten. */
export const PAIRING_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const PAIRING_CODE_LENGTH = 10;

export const pairingSchema = z.object({
  code: z
    .string('Enter the pairing code')
    .max(40, 'That is not a pairing code')
    // People type it with spaces, dashes or in lower case.
    .transform((code) => code.toUpperCase().replace(/[\s-]/g, ''))
    .pipe(z.string().length(PAIRING_CODE_LENGTH, `The code has ${PAIRING_CODE_LENGTH} letters and digits`).regex(new RegExp(`^[${PAIRING_CODE_ALPHABET}]+$`), 'That is not a pairing code')),
});
