import { eq } from 'drizzle-orm';
import { db } from '@/lib/db';
import { integrations } from '@/lib/db/schema';
import { deviceTestReportSchema, overallResult } from '@/lib/device-test/schema';
import { deviceTestSession } from '@/lib/device-test/session';
import { enqueueDeviceTestResult } from '@/lib/epic/outbox';
import { errorResponse, tooManyRequests } from '@/lib/errors';
import { readJsonBody } from '@/lib/http/body';
import { sharedLimiter } from '@/lib/http/rate-limit';

// Epic keeps whatever we send; a user agent longer than this is not a browser's.
const BROWSER_MAX_LENGTH = 512;
const REPORT_MAX_BYTES = 4 * 1024;
// A patient may test again after fixing something, but each result is a call to Epic: a few in a
// row, then one a minute per device-test cookie.
const resultsPerSession = () => sharedLimiter('device-test-results', { burst: 5, perSecond: 1 / 60 });

/**
 * The page's results. With the cookie of a device-test launch they go to Epic (spec section 3);
 * a plain /device-test has no Epic visit to report to: it is answered at once, its body unread.
 */
export async function POST(request: Request) {
  try {
    const session = await deviceTestSession();
    if (!session) return Response.json({ sent: false });
    const report = deviceTestReportSchema.parse(await readJsonBody(request, REPORT_MAX_BYTES));
    const limiterKey = `${session.integrationId}:${session.sessionId}:${session.userType}:${session.epicUserId}`;
    const limiter = resultsPerSession();
    if (!limiter.take(limiterKey)) throw tooManyRequests(limiter.retryAfterSeconds(limiterKey), 'Your result was already sent; test again in a minute');
    const database = await db();
    // The integration may have been deleted since the launch: then there is no one to tell.
    const [integration] = await database.select({ id: integrations.id }).from(integrations).where(eq(integrations.id, session.integrationId));
    if (!integration) return Response.json({ sent: false });
    await enqueueDeviceTestResult(database, {
      integrationId: session.integrationId,
      meetingId: null,
      sessionId: session.sessionId,
      epicUserId: session.epicUserId,
      userType: session.userType,
      result: overallResult(report),
      camera: report.camera,
      microphone: report.microphone,
      speaker: report.speaker,
      network: report.network,
      browser: (request.headers.get('user-agent') ?? 'unknown').slice(0, BROWSER_MAX_LENGTH),
      at: new Date(),
    });
    return Response.json({ sent: true });
  } catch (error) {
    return errorResponse(error, 'device test result');
  }
}
