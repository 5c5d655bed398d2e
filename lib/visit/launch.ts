import { and, eq, sql } from 'drizzle-orm';
import type { Database, DatabaseHandle } from '@/lib/db/client';
import { providers, type Integration } from '@/lib/db/schema';
import type { LaunchToken } from '@/lib/epic/launch-token';

export interface LaunchedParticipant {
  meetingId: string;
  /** null when a patient opened a visit that has ended. */
  participantId: string | null;
}

/**
 * Finds or creates the one meeting of this Epic visit and the participant in it, and writes the
 * launch log row, in one statement. Upserts on the unique keys make simultaneous launches of one
 * visit converge on one meeting; one statement is its own transaction.
 */
export async function joinVisit(handle: DatabaseHandle, integration: Integration, token: LaunchToken, encryptionKey: string): Promise<LaunchedParticipant> {
  const providerId = token.userType === 'Provider' ? await findOrCreateProvider(handle.db, integration, token) : null;
  // drizzle/0002_join_visit_function.sql: the upserts and the launch log row in one call.
  const [row] = await handle.query<{ joined_participant_id: string | null; joined_meeting_id: string }>(
    'select * from televisit_join_visit($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::uuid, $13)',
    [
      integration.id, token.meetingKey, token.sessionId, token.conferenceId,
      integration.admittancePolicy, integration.defaultHostEmail, token.userType, token.externalId,
      token.externalIdType, token.firstName, token.lastName, providerId, encryptionKey,
    ],
  );
  if (!row) throw new Error('the launch upsert returned no participant');
  return { meetingId: row.joined_meeting_id, participantId: row.joined_participant_id };
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
