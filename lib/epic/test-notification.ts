import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { epicAccessTokens, notificationAttempts, notifications, type Integration } from '@/lib/db/schema';
import { basicAuthorization, epicHeaders } from '@/lib/epic/notification-worker';
import { callEpic, isSuccess, redactHeaders } from '@/lib/epic/notify';
import { openSecret } from '@/lib/secrets';

// "Send test notification" on the settings page: one real Connection Status call to the saved
// endpoint, with the saved authorization and a body marked as a test (SessionID and ExternalID
// TELEVISIT-TEST), recorded in Notification Records like any other call, and flagged as a test.
// With OAuth there is no standing token (Epic gives one per launch): the newest unexpired one of
// this integration is used when there is one; otherwise nothing is sent, and the admin is told.

export const TEST_ID = 'TELEVISIT-TEST';

export type TestNotificationResult =
  | { sent: true; respCode: number; responseStart: string | null; error: string | null; notificationId: string }
  | { sent: false; reason: string };

export async function sendTestNotification(database: Database, integration: Integration, timeoutMs: number, now = new Date()): Promise<TestNotificationResult> {
  const url = integration.connectionStatusUrl;
  if (!url) return { sent: false, reason: 'No Epic Connection Status Endpoint URL is saved yet: save one, then test.' };
  let authorization: string | undefined;
  if (integration.authType === 'basic') authorization = basicAuthorization(integration);
  if (integration.authType === 'oauth') {
    const [token] = await database
      .select()
      .from(epicAccessTokens)
      .where(and(eq(epicAccessTokens.integrationId, integration.id), gt(epicAccessTokens.expiresAt, now)))
      .orderBy(desc(epicAccessTokens.createdAt))
      .limit(1);
    if (!token) {
      return { sent: false, reason: 'With OAuth, Epic gives a token with each launch and none is unexpired now: open a visit through Epic, then send the test within the hour.' };
    }
    authorization = `Bearer ${openSecret(token.accessTokenSealed, 'epicAccessToken')}`;
  }
  const id = randomUUID();
  const body = { SessionID: TEST_ID, ExternalID: TEST_ID, UserType: 'Provider', ConnectionStatus: 'Connected', VendorName: integration.vendorName, Timestamp: now.toISOString() };
  const headers = epicHeaders(integration, id, authorization);
  const result = await callEpic({ url, headers, body: JSON.stringify(body), timeoutMs });
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
  return { sent: true, respCode: result.respCode, responseStart: result.responseStart?.slice(0, 500) ?? null, error: result.error, notificationId: id };
}
