import { randomUUID } from 'node:crypto';
import type { Database } from '@/lib/db/client';
import { notificationAttempts, notifications, type Integration } from '@/lib/db/schema';
import { basicAuthorization, epicHeaders } from '@/lib/epic/notification-worker';
import { outgoingPolicy } from '@/lib/http/outgoing';
import { callEpic, isSuccess, redactHeaders, type EpicCallResult } from '@/lib/epic/notify';

// "Send test notification" on the settings page (and the integration check, which also tests the
// Device Test endpoint): one real call to the saved endpoint, with the saved authorization and a
// body marked as a test (SessionID and ExternalID TELEVISIT-TEST), recorded in Notification Records like any other call, and flagged as a test.
// With OAuth there is no standing token: Epic gives one per launch, for that participant's own
// notifications, and it is never lent to a test (an admin could point the endpoint anywhere and
// collect a patient's token). The test then goes without Authorization: it shows the endpoint is
// reachable, and Epic's 401 is the expected answer.

export const TEST_ID = 'TELEVISIT-TEST';

export type TestNotificationResult =
  | { sent: true; respCode: number; url: string; error: string | null; notificationId: string }
  | { sent: false; reason: string };

/** Which of Epic's endpoints a test call goes to. */
export type TestCallKind = 'connection_status' | 'device_test';

export interface TestCall {
  url: string;
  notificationId: string;
  result: EpicCallResult;
}

/** "Send test notification": a test Connection Status call, recorded; a reason when none can be sent. */
export async function sendTestNotification(database: Database, integration: Integration, timeoutMs: number, now = new Date()): Promise<TestNotificationResult> {
  const call = await sendTestCall(database, integration, 'connection_status', timeoutMs, now);
  if (!call) return { sent: false, reason: 'No Epic Connection Status Endpoint URL is saved yet: save one, then test.' };
  return { sent: true, respCode: call.result.respCode, url: call.url, error: call.result.error, notificationId: call.notificationId };
}

/**
 * One test call to the saved endpoint of this kind (null when none is saved), with the saved
 * authorization, recorded in Notification Records as a test. The integration check uses it too.
 */
export async function sendTestCall(database: Database, integration: Integration, kind: TestCallKind, timeoutMs: number, now = new Date()): Promise<TestCall | null> {
  const url = kind === 'connection_status' ? integration.connectionStatusUrl : integration.deviceTestUrl;
  if (!url) return null;
  let authorization: string | undefined;
  if (integration.authType === 'basic') authorization = basicAuthorization(integration);
  const id = randomUUID();
  const { body, status } = testBody(integration, kind, now);
  const headers = epicHeaders(integration, id, authorization);
  const result = await callEpic({ url, headers, body: JSON.stringify(body), timeoutMs, policy: outgoingPolicy(integration) });
  await database.transaction(async (tx) => {
    await tx.insert(notifications).values({
      id,
      integrationId: integration.id,
      kind,
      isTest: true,
      sessionId: TEST_ID,
      epicUserId: TEST_ID,
      userType: 'Provider',
      status,
      orderingKey: `test:${id}`,
      body,
      state: isSuccess(result.respCode) ? 'delivered' : 'failed',
      attempts: 1,
      respCode: result.respCode,
      finishedAt: new Date(),
    });
    await tx.insert(notificationAttempts).values({
      notificationId: id,
      url,
      requestHeaders: redactHeaders(headers),
      requestBody: JSON.stringify(body),
      respCode: result.respCode,
      responseStart: result.responseStart,
      error: result.error,
      durationMs: result.durationMs,
    });
  });
  return { url, notificationId: id, result };
}

/** What a test call says: the body of a real call of its kind, with the test IDs. */
function testBody(integration: Integration, kind: TestCallKind, now: Date): { body: Record<string, unknown>; status: string } {
  if (kind === 'connection_status') {
    return { status: 'Connected', body: { SessionID: TEST_ID, ExternalID: TEST_ID, UserType: 'Provider', ConnectionStatus: 'Connected', VendorName: integration.vendorName, Timestamp: now.toISOString() } };
  }
  return {
    status: 'Passed',
    body: { SessionID: TEST_ID, ExternalID: TEST_ID, UserType: 'Provider', Result: 'Passed', Camera: 'NotTested', Microphone: 'NotTested', Speaker: 'NotTested', Network: { Result: 'NotTested' }, Browser: 'Televisit integration check', Timestamp: now.toISOString() },
  };
}
