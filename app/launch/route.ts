import { NextResponse, type NextRequest } from 'next/server';
import { databaseHandle } from '@/lib/db';
import { recordLaunch } from '@/lib/epic/launch-log';
import { languageOf } from '@/lib/i18n/request-language';
import { LaunchTokenError, readLaunchToken } from '@/lib/epic/launch-token';
import { beginEpicAuthorization, OAuthLaunchError, stateBinding } from '@/lib/epic/oauth';
import { oauthRedirectUri } from '@/lib/public-url';
import { cachedIntegrationByKey } from '@/lib/settings/integration-cache';
import { ENCRYPTION_KEY_PATTERN } from '@/lib/settings/schema';
import { launchReadOptions } from '@/lib/settings/store';
import { launchFailureResponse, launchThrottledResponse } from './failure-page';
import { admitLaunch } from '@/lib/epic/launch-throttle';
import { env } from '@/lib/env';
import { clientAddress } from '@/lib/http/client-address';
import { metrics } from '@/lib/metrics';
import { finishLaunch, OAUTH_STATE_COOKIE, oauthStateCookieOptions } from './finish-launch';
import { describeError, log } from '@/lib/log';

// Epic's launch link: /launch?key=<Encryption Key>&data=<CRYPTSTRING> (spec section 1).
export async function GET(request: NextRequest) {
  const key = request.nextUrl.searchParams.get('key');
  const data = request.nextUrl.searchParams.get('data');
  const address = clientAddress(request.headers, env().trustedProxies);
  const admission = admitLaunch(address);
  if (!admission.admitted) {
    metrics().launches.inc({ outcome: 'rate_limited' });
    return launchThrottledResponse(languageOf(request.headers), admission.retryAfterSeconds);
  }
  const handle = await databaseHandle();
  const database = handle.db;
  let integrationId: string | null = null;
  const refuse = async (outcome: string, detail: string, ids: { sessionId?: string; epicUserId?: string } = {}) => {
    await recordLaunch(database, { encryptionKey: key, integrationId, outcome, detail, clientAddress: address, requestId: request.headers.get('x-request-id') ?? undefined, ...ids });
    return launchFailureResponse(languageOf(request.headers));
  };

  try {
    if (!key || !data) return await refuse('missing_parameter', `the link has no ${key ? 'data' : 'key'} parameter`);
    // No Encryption Key can hold anything else, so nothing else is looked up (or logged raw).
    if (!ENCRYPTION_KEY_PATTERN.test(key)) return await refuse('unknown_key', 'the key is not in the form of an Encryption Key');
    const integration = await cachedIntegrationByKey(database, key);
    if (!integration) return await refuse('unknown_key', 'no integration has this Encryption Key');
    integrationId = integration.id;
    if (integration.retiredAt) return await refuse('integration_retired', 'this integration was retired by the owner');

    let token;
    try {
      token = readLaunchToken(data, launchReadOptions(integration, new Date()));
    } catch (error) {
      if (error instanceof LaunchTokenError) {
        return await refuse(error.kind, error.message, { sessionId: error.sessionId, epicUserId: error.userId });
      }
      return await refuse('configuration_error', error instanceof Error ? error.message : 'the stored settings cannot decrypt links');
    }

    // Spec section 3: the same link with &mode=devicetest opens the device test, not the visit.
    const mode = request.nextUrl.searchParams.get('mode') === 'devicetest' ? 'devicetest' : null;

    // Spec section 4: with OAuth, Epic authorizes first and the launch finishes at the callback.
    if (integration.authType === 'oauth') {
      const redirectUri = oauthRedirectUri();
      const ids = { sessionId: token.meetingKey, epicUserId: token.externalId };
      if (!redirectUri) return await refuse('oauth_no_public_url', 'NEXTAUTH_URL is not set, so there is no redirect URI Epic could know', ids);
      try {
        const { authorizeUrl, state } = await beginEpicAuthorization(database, integration, {
          token,
          issuer: request.nextUrl.searchParams.get('iss'),
          launchCode: token.launchCode ?? request.nextUrl.searchParams.get('launch'),
          mode,
          encryptionKey: key,
          redirectUri,
        });
        const response = new NextResponse(null, { status: 303, headers: { Location: authorizeUrl.toString(), 'Cache-Control': 'no-store' } });
        response.cookies.set(OAUTH_STATE_COOKIE, stateBinding(state), oauthStateCookieOptions());
        return response;
      } catch (error) {
        if (error instanceof OAuthLaunchError) return await refuse(error.kind, error.message, ids);
        throw error;
      }
    }

    return await finishLaunch(handle, request, { integration, token, encryptionKey: key, mode });
  } catch (error) {
    // Even an unexpected fault looks like any other refused link; the detail is only logged.
    log.error({ area: 'launch', error: describeError(error) }, 'unexpected launch error');
    return launchFailureResponse(languageOf(request.headers));
  }
}
