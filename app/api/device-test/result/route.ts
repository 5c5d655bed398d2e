import { eq } from 'drizzle-orm';
import { db } from '@/lib/db';
import { integrations } from '@/lib/db/schema';
import { deviceTestReportSchema, overallResult } from '@/lib/device-test/schema';
import { deviceTestSession } from '@/lib/device-test/session';
import { enqueueDeviceTestResult } from '@/lib/epic/outbox';
import { errorResponse, readJsonBody } from '@/lib/errors';

// Epic keeps whatever we send; a user agent longer than this is not a browser's.
const BROWSER_MAX_LENGTH = 512;

/**
 * The page's results. With the cookie of a device-test launch they go to Epic (spec section 3);
 * a plain /device-test has no Epic visit to report to, so nothing is sent and that is no error.
 */
export async function POST(request: Request) {
  try {
    const report = deviceTestReportSchema.parse(await readJsonBody(request));
    const session = await deviceTestSession();
    if (!session) return Response.json({ sent: false });
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
