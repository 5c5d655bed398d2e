import { and, eq, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/lib/db/client';
import { meetings, participants, providers, type Integration } from '@/lib/db/schema';
import type { LaunchToken } from '@/lib/epic/launch-token';

export interface LaunchedParticipant {
  meetingId: string;
  participantId: string;
}

/**
 * Finds or creates the one meeting of this Epic visit and the participant in it. Upserts on the
 * unique keys make 50 simultaneous launches of one visit converge on one meeting.
 */
export async function joinVisit(database: Database, integration: Integration, token: LaunchToken): Promise<LaunchedParticipant> {
  return database.transaction(async (tx) => {
    const [meeting] = await tx
      .insert(meetings)
      .values({
        integrationId: integration.id,
        visitKey: token.meetingKey,
        sessionId: token.sessionId,
        conferenceId: token.conferenceId,
        admittancePolicy: integration.admittancePolicy,
        defaultHostEmail: integration.defaultHostEmail,
      })
      .onConflictDoUpdate({ target: [meetings.integrationId, meetings.visitKey], set: { visitKey: sql`excluded.visit_key` } })
      .returning();
    if (!meeting) throw new Error('meeting upsert returned nothing');

    // A provider opening an ended visit again starts it again; a patient only learns it ended.
    if (meeting.state === 'ended' && token.userType === 'Provider') {
      await tx.update(meetings).set({ state: 'waiting', endedAt: null }).where(eq(meetings.id, meeting.id));
    }

    const providerId = token.userType === 'Provider' ? await findOrCreateProvider(tx, integration, token) : null;
    const [participant] = await tx
      .insert(participants)
      .values({
        meetingId: meeting.id,
        userType: token.userType,
        epicUserId: token.externalId,
        epicUserIdType: token.externalIdType,
        sessionId: token.sessionId,
        conferenceId: token.conferenceId,
        firstName: token.firstName,
        lastName: token.lastName,
        providerId,
      })
      .onConflictDoUpdate({
        target: [participants.meetingId, participants.userType, participants.epicUserId],
        set: {
          firstName: sql`coalesce(excluded.first_name, ${participants.firstName})`,
          lastName: sql`coalesce(excluded.last_name, ${participants.lastName})`,
          sessionId: sql`coalesce(excluded.session_id, ${participants.sessionId})`,
        },
      })
      .returning({ id: participants.id });
    return { meetingId: meeting.id, participantId: participant!.id };
  });
}

/** By email when Epic sent one, else by Epic user ID; created with the configured Provider User Type. */
async function findOrCreateProvider(tx: Transaction, integration: Integration, token: LaunchToken): Promise<string> {
  const email = token.email?.toLowerCase() ?? null;
  if (email) {
    const [byEmail] = await tx
      .select({ id: providers.id })
      .from(providers)
      .where(and(eq(providers.integrationId, integration.id), eq(providers.email, email)))
      .limit(1);
    if (byEmail) {
      await tx.update(providers).set({ lastLaunchAt: new Date() }).where(eq(providers.id, byEmail.id));
      return byEmail.id;
    }
  }
  const [provider] = await tx
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
