import { z } from 'zod';

// What an admin gives "Check this integration" besides the saved settings: optionally a launch
// link Epic made (to see it decrypts with the saved secret), and which fields the page shows
// changed but not saved (the check tests saved values, and says so). One schema for the page and
// the server action.

/** A real launch link is well under 4 KB (its CRYPTSTRING is capped at 16 KB by the launch code). */
export const CHECK_LAUNCH_LINK_MAX = 20_000;

export const integrationCheckSchema = z.object({
  launchLink: z
    .string()
    .trim()
    .max(CHECK_LAUNCH_LINK_MAX, `A launch link is at most ${CHECK_LAUNCH_LINK_MAX} characters`)
    .refine((value) => value === '' || isLaunchLink(value), 'Paste the whole launch link Epic opened: it has key= and data= in it'),
  unsavedFields: z.array(z.string().max(64)).max(64).default([]),
});

export type IntegrationCheckInput = z.input<typeof integrationCheckSchema>;

function isLaunchLink(value: string): boolean {
  try {
    const url = new URL(value);
    return url.searchParams.has('key') && url.searchParams.has('data');
  } catch {
    return false;
  }
}
