import { eq } from 'drizzle-orm';
import type { Database, Transaction } from '@/lib/db/client';
import { announce } from '@/lib/db/bus';
import { integrations, notifications, participantEvents } from '@/lib/db/schema';

// What we owe Epic, written in the same transaction as its cause (spec sections 2 and 3) and sent
// by lib/epic/notification-worker.ts. Bodies are built here, once, so every retry sends the same.
export const NOTIFICATIONS_TOPIC = 'notifications';

type ParticipantEvent = typeof participantEvents.$inferSelect;

/** Notifications of one participant are delivered in order; this names the participant. */
export function orderingKey(meetingId: string | null, userType: string, epicUserId: string): string {
  return `${meetingId ?? '-'}:${userType}:${epicUserId}`;
}

/** Spec section 2: one notification per connect or disconnect. */
export async function enqueueConnectionStatus(tx: Transaction, event: ParticipantEvent): Promise<void> {
  const vendorName = await vendorNameOf(tx, event.integrationId);
  await tx.insert(notifications).values({
    integrationId: event.integrationId,
    kind: 'connection_status',
    participantEventId: event.id,
    meetingId: event.meetingId,
    sessionId: event.sessionId ?? event.conferenceId,
    epicUserId: event.epicUserId,
    userType: event.userType,
    status: event.status,
    orderingKey: orderingKey(event.meetingId, event.userType, event.epicUserId),
    body: withoutNulls({
      SessionID: event.sessionId,
      ConferenceID: event.conferenceId,
      ExternalID: event.epicUserId,
      ExternalIDType: event.epicUserIdType,
      UserType: event.userType,
      ConnectionStatus: event.status,
      VendorName: vendorName,
      Timestamp: event.at.toISOString(),
    }),
  });
  await announce(tx, NOTIFICATIONS_TOPIC);
}

export type TestOutcome = 'Passed' | 'Failed' | 'NotTested';

export interface DeviceTestResult {
  integrationId: string;
  meetingId: string | null;
  sessionId: string | null;
  epicUserId: string;
  userType: 'Patient' | 'Provider';
  result: 'Passed' | 'Failed';
  camera: TestOutcome;
  microphone: TestOutcome;
  speaker: TestOutcome;
  network: { result: TestOutcome; roundTripMs: number | null; bitrateKbps: number | null };
  browser: string;
  at: Date;
}

/** Spec section 3: a device test reached from a launch link reports its result to Epic. */
export async function enqueueDeviceTestResult(database: Database, test: DeviceTestResult): Promise<string> {
  return database.transaction(async (tx) => {
    const [row] = await tx
      .insert(notifications)
      .values({
        integrationId: test.integrationId,
        kind: 'device_test',
        meetingId: test.meetingId,
        sessionId: test.sessionId,
        epicUserId: test.epicUserId,
        userType: test.userType,
        status: test.result,
        orderingKey: `device-test:${orderingKey(test.meetingId, test.userType, test.epicUserId)}`,
        body: withoutNulls({
          SessionID: test.sessionId,
          ExternalID: test.epicUserId,
          UserType: test.userType,
          Result: test.result,
          Camera: test.camera,
          Microphone: test.microphone,
          Speaker: test.speaker,
          Network: withoutNulls({ Result: test.network.result, RoundTripMs: test.network.roundTripMs, BitrateKbps: test.network.bitrateKbps }),
          Browser: test.browser,
          Timestamp: test.at.toISOString(),
        }),
      })
      .returning({ id: notifications.id });
    await announce(tx, NOTIFICATIONS_TOPIC);
    return row!.id;
  });
}

async function vendorNameOf(tx: Transaction, integrationId: string): Promise<string> {
  const [row] = await tx.select({ vendorName: integrations.vendorName }).from(integrations).where(eq(integrations.id, integrationId));
  return row?.vendorName ?? 'Televisit';
}

/** Fields Epic did not send are left out rather than sent as null. */
function withoutNulls(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null && value !== undefined));
}
