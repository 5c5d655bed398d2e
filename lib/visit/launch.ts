import { and, eq, sql } from 'drizzle-orm';
import type { Database, DatabaseHandle } from '@/lib/db/client';
import { providers, type Integration } from '@/lib/db/schema';
import type { LaunchToken } from '@/lib/epic/launch-token';

export type LaunchOutcome = 'ok' | 'visit_ended' | 'visit_full';

export interface LaunchedParticipant {
  outcome: LaunchOutcome;
  meetingId: string;
  /** null unless the outcome is ok. */
  participantId: string | null;
}

/**
 * Finds the visit's open meeting (or makes the first), puts the participant in it, and writes the
 * launch log row, in one statement (drizzle/0005: televisit_join_visit). A provider who opens an
 * ended visit is told so, and `startNew` (their choice) starts its next meeting.
 */
export async function joinVisit(
  handle: DatabaseHandle,
  integration: Integration,
  token: LaunchToken,
  encryptionKey: string,
  options: { startNew?: boolean } = {},
): Promise<LaunchedParticipant> {
  const providerId = token.userType === 'Provider' ? await findOrCreateProvider(handle.db, integration, token) : null;
  const [row] = await handle.query<{ joined_participant_id: string | null; joined_meeting_id: string; outcome: LaunchOutcome }>(
    'select * from televisit_join_visit($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::uuid, $13, $14::timestamptz, $15, $16)',
    [
      integration.id, token.meetingKey, token.sessionId, token.conferenceId,
      integration.admittancePolicy, integration.defaultHostEmail, token.userType, token.externalId,
      token.externalIdType, token.firstName, token.lastName, providerId, encryptionKey,
      token.expiresAt?.toISOString() ?? null, options.startNew === true, integration.largestVisit,
    ],
  );
  if (!row) throw new Error('the launch function returned nothing');
  return { outcome: row.outcome, meetingId: row.joined_meeting_id, participantId: row.joined_participant_id };
}

/** By email when Epic sent one, else by Epic user ID; created with the configured Provider User Type. */
async function findOrCreateProvider(database: Database, integration: Integration, token: LaunchToken): Promise<string> {
  const email = token.email?.toLowerCase() ?? null;
  if (email) {
    const [byEmail] = await database
      .update(providers)
      .set({ lastLaunchAt: new Date() })
      .where(and(eq(providers.integrationId, integration.id), eq(providers.email, email)))
      .returning({ id: providers.id });
    if (byEmail) return byEmail.id;
  }
  const [provider] = await database
    .insert(providers)
    .values({
      integrationId: integration.id,
      epicUserId: token.externalId,
      email,
      firstName: token.firstName,
      lastName: token.lastName,
      userType: integration.providerUserType,
    })
    .onConflictDoUpdate({
      target: [providers.integrationId, providers.epicUserId],
      set: { lastLaunchAt: new Date(), email: sql`coalesce(${providers.email}, excluded.email)` },
    })
    .returning({ id: providers.id });
  return provider!.id;
}
