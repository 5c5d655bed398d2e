import { cookies } from 'next/headers';
import { z } from 'zod';
import { secureCookies } from '@/lib/public-url';
import { sign, verify } from '@/lib/signed-token';

// A device test reached from an Epic launch link (spec section 3) carries who it is for in this
// signed cookie, so its result can go back to that visit. A plain /device-test has none.
export const DEVICE_TEST_COOKIE = 'tv_device_test';
export const DEVICE_TEST_SESSION_HOURS = 2;

const PURPOSE = 'device-test';

const deviceTestSessionSchema = z.object({
  integrationId: z.uuid(),
  /** SessionID, or ConferenceID when the link had only that. */
  sessionId: z.string().min(1),
  epicUserId: z.string().min(1),
  userType: z.enum(['Patient', 'Provider']),
});

export type DeviceTestSession = z.infer<typeof deviceTestSessionSchema>;

export function signDeviceTestSession(session: DeviceTestSession, now = Date.now()): string {
  return sign(PURPOSE, { ...session }, DEVICE_TEST_SESSION_HOURS * 3600_000, now);
}

export function verifyDeviceTestSession(token: string | undefined, now = Date.now()): DeviceTestSession | null {
  const parsed = deviceTestSessionSchema.safeParse(verify(PURPOSE, token, now));
  return parsed.success ? parsed.data : null;
}

/** This request's device test session, from its cookie; null without a valid one. */
export async function deviceTestSession(): Promise<DeviceTestSession | null> {
  const jar = await cookies();
  return verifyDeviceTestSession(jar.get(DEVICE_TEST_COOKIE)?.value);
}

export function deviceTestCookieOptions() {
  return {
    httpOnly: true,
    // Lax: the launch arrives as a cross-site navigation from MyChart or Hyperspace.
    sameSite: 'lax' as const,
    secure: secureCookies(),
    path: '/',
    maxAge: DEVICE_TEST_SESSION_HOURS * 3600,
  };
}
