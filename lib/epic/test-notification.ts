import { randomUUID } from 'node:crypto';
import type { Database } from '@/lib/db/client';
import { notificationAttempts, notifications, type Integration } from '@/lib/db/schema';
import { basicAuthorization, epicHeaders } from '@/lib/epic/notification-worker';
import { outgoingPolicy } from '@/lib/http/outgoing';
import { callEpic, isSuccess, redactHeaders } from '@/lib/epic/notify';

// "Send test notification" on the settings page: one real Connection Status call to the saved
// endpoint, with the saved authorization and a body marked as a test (SessionID and ExternalID
// TELEVISIT-TEST), recorded in Notification Records like any other call, and flagged as a test.
// With OAuth there is no standing token: Epic gives one per launch, for that participant's own
// notifications, and it is never lent to a test (an admin could point the endpoint anywhere and
// collect a patient's token). The test then goes without Authorization: it shows the endpoint is
// reachable, and Epic's 401 is the expected answer.

export const TEST_ID = 'TELEVISIT-TEST';

export type TestNotificationResult =
  | { sent: true; respCode: number; url: string; error: string | null; notificationId: string }
  | { sent: false; reason: string };

export async function sendTestNotification(database: Database, integration: Integration, timeoutMs: number, now = new Date()): Promise<TestNotificationResult> {
  const url = integration.connectionStatusUrl;
  if (!url) return { sent: false, reason: 'No Epic Connection Status Endpoint URL is saved yet: save one, then test.' };
  let authorization: string | undefined;
  if (integration.authType === 'basic') authorization = basicAuthorization(integration);
  const id = randomUUID();
  const body = { SessionID: TEST_ID, ExternalID: TEST_ID, UserType: 'Provider', ConnectionStatus: 'Connected', VendorName: integration.vendorName, Timestamp: now.toISOString() };
  const headers = epicHeaders(integration, id, authorization);
  const result = await callEpic({ url, headers, body: JSON.stringify(body), timeoutMs, policy: outgoingPolicy(integration) });
  await database.transaction(async (tx) => {
    await tx.insert(notifications).values({
      id,
      integrationId: integration.id,
      kind: 'connection_status',
      isTest: true,
      sessionId: TEST_ID,
      epicUserId: TEST_ID,
      userType: 'Provider',
      status: 'Connected',
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
  return { sent: true, respCode: result.respCode, url, error: result.error, notificationId: id };
}
