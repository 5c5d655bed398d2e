import type { NextRequest } from 'next/server';
import { databaseHandle } from '@/lib/db';
import { recordLaunch } from '@/lib/epic/launch-log';
import { completeEpicAuthorization, OAuthLaunchError } from '@/lib/epic/oauth';
import { requestLanguage } from '@/lib/i18n/request-language';
import { launchFailureResponse } from '../failure-page';
import { OAUTH_CALLBACK_PATH, oauthRedirectUri, secureCookies } from '@/lib/public-url';
import { finishLaunch, OAUTH_STATE_COOKIE } from '../finish-launch';
import { describeError, log } from '@/lib/log';
import { env } from '@/lib/env';
import { clientAddress } from '@/lib/http/client-address';

// Epic's OAuth redirect back to us (spec section 4): check the state, exchange the code, then
// finish the launch that was waiting for it.
export async function GET(request: NextRequest) {
  const handle = await databaseHandle();
  const database = handle.db;
  try {
    const redirectUri = oauthRedirectUri();
    if (!redirectUri) throw new OAuthLaunchError('oauth_no_public_url', 'NEXTAUTH_URL is not set, so this callback cannot be Epic\'s');
    // oauth4webapi wants a plain URL; Next's NextURL is not one.
    const authorized = await completeEpicAuthorization(database, new URL(request.nextUrl.toString()), redirectUri, request.cookies.get(OAUTH_STATE_COOKIE)?.value);
    const response = await finishLaunch(handle, request, {
      integration: authorized.integration,
      token: authorized.pending.token,
      encryptionKey: authorized.pending.encryptionKey,
      mode: authorized.pending.mode,
      grant: authorized.grant,
    });
    // Appended as it is: response.cookies would rewrite every Set-Cookie from a map keyed by name,
    // and lose one of the visit's two same-named, path-scoped cookies.
    response.headers.append('Set-Cookie', `${OAUTH_STATE_COOKIE}=; Path=${OAUTH_CALLBACK_PATH}; Max-Age=0; HttpOnly; SameSite=Lax${secureCookies() ? '; Secure' : ''}`);
    return response;
  } catch (error) {
    if (error instanceof OAuthLaunchError) {
      await recordLaunch(database, {
        encryptionKey: error.launch?.encryptionKey ?? null,
        integrationId: error.launch?.integrationId ?? null,
        outcome: error.kind,
        detail: error.message,
        sessionId: error.launch?.sessionId,
        epicUserId: error.launch?.epicUserId,
        // Anyone can call this URL with ?error=: its rows are bounded per address like /launch's.
        clientAddress: clientAddress(request.headers, env().trustedProxies),
      });
    } else {
      log.error({ area: 'launch', error: describeError(error) }, 'unexpected error in the OAuth callback');
    }
    return launchFailureResponse(await requestLanguage());
  }
}
