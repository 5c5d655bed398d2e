import type { NextRequest } from 'next/server';
import { databaseHandle } from '@/lib/db';
import { recordLaunch } from '@/lib/epic/launch-log';
import { readBodyBytes } from '@/lib/http/body';
import { requestLanguage } from '@/lib/i18n/request-language';
import { integrationById } from '@/lib/settings/store';
import { openNewVisit } from '@/lib/visit/new-visit';
import { launchFailureResponse } from '../failure-page';
import { finishLaunch } from '../finish-launch';
import { describeError, log } from '@/lib/log';

/** A provider starts again a visit that ended (the form on their "this visit has ended" page). */
export async function POST(request: NextRequest) {
  const handle = await databaseHandle();
  try {
    const form = new URLSearchParams(new TextDecoder().decode(await readBodyBytes(request, 16 * 1024)));
    const launch = openNewVisit(form.get('token'));
    const integration = launch ? await integrationById(handle.db, launch.integrationId) : null;
    if (!launch || !integration || launch.token.userType !== 'Provider') {
      await recordLaunch(handle.db, { encryptionKey: launch?.encryptionKey ?? null, outcome: 'new_visit_refused', detail: 'the start-again form was not ours, too old, or its integration is gone' });
      return launchFailureResponse(await requestLanguage());
    }
    return await finishLaunch(handle, request, { integration, token: launch.token, encryptionKey: launch.encryptionKey, mode: null, grant: launch.grant, startNew: true });
  } catch (error) {
    log.error({ area: 'launch', error: describeError(error) }, 'starting a visit again failed');
    return launchFailureResponse(await requestLanguage());
  }
}
