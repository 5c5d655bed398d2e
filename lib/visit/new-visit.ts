import type { EpicGrant } from '@/lib/epic/oauth-tokens';
import { reviveLaunchToken, type LaunchToken } from '@/lib/epic/launch-token';
import { openSecret, sealSecret } from '@/lib/secrets';
import { sign, verify } from '@/lib/signed-token';

// A provider who opens the link of a visit that ended is offered to start it again. The offer is a
// form on that page carrying this token: the launch as it was read (and the OAuth grant, if any),
// sealed so the browser cannot read it, and signed for ten minutes.

const PURPOSE = 'new-visit';
const VALID_MS = 10 * 60 * 1000;

export interface NewVisitLaunch {
  integrationId: string;
  token: LaunchToken;
  encryptionKey: string;
  grant?: EpicGrant;
}

export function sealNewVisit(launch: NewVisitLaunch, now = Date.now()): string {
  return sign(PURPOSE, { launch: sealSecret(JSON.stringify(launch), PURPOSE) }, VALID_MS, now);
}

/** The launch behind a start-again form; null when the token is not ours, or too old. */
export function openNewVisit(value: string | null, now = Date.now()): NewVisitLaunch | null {
  const payload = verify(PURPOSE, value, now);
  if (!payload || typeof payload.launch !== 'string') return null;
  try {
    const launch = JSON.parse(openSecret(payload.launch, PURPOSE)) as NewVisitLaunch;
    if (launch.grant) launch.grant.expiresAt = new Date(launch.grant.expiresAt);
    return { ...launch, token: reviveLaunchToken(launch.token) };
  } catch {
    return null;
  }
}
