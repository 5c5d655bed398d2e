import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { writeAudit } from '@/lib/audit/log';
import type { Database, Transaction } from '@/lib/db/client';
import { adminSessions, admins, type Admin, type AdminSession } from '@/lib/db/schema';

// Admin sessions live in the database; the sign-in cookie (a next-auth JWT) only carries the
// session's id. Every request looks the row up, so a session ended here is refused on its next
// request, not when its cookie expires. The lifetime is absolute: fixed at sign-in, never renewed.

/** lastSeenAt is written at most this often, so page loads do not each write a row. */
const TOUCH_EVERY_MS = 60_000;
const USER_AGENT_MAX = 256;

export async function startSession(
  database: Database | Transaction,
  session: { adminId: string; userAgent: string; address: string; lifetimeMs: number; method: 'password' | 'sso' },
  now = new Date(),
): Promise<AdminSession> {
  const [row] = await database
    .insert(adminSessions)
    .values({
      adminId: session.adminId,
      userAgent: session.userAgent.slice(0, USER_AGENT_MAX),
      address: session.address,
      method: session.method,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + session.lifetimeMs),
    })
    .returning();
  return row!;
}

/** The session and its admin while the session is neither ended nor expired; else null. */
export async function activeSession(database: Database, sessionId: string, now = new Date()): Promise<{ session: AdminSession; admin: Admin } | null> {
  if (!/^[0-9a-f-]{36}$/.test(sessionId)) return null;
  const [row] = await database
    .select({ session: adminSessions, admin: admins })
    .from(adminSessions)
    .innerJoin(admins, eq(admins.id, adminSessions.adminId))
    .where(and(eq(adminSessions.id, sessionId), isNull(adminSessions.endedAt), gt(adminSessions.expiresAt, now)));
  if (!row) return null;
  if (now.getTime() - row.session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await database.update(adminSessions).set({ lastSeenAt: now }).where(eq(adminSessions.id, sessionId));
  }
  return row;
}

/** Ends one session (an admin's own, or anyone's for the owner); false when it was not active. */
export async function endSession(database: Database, sessionId: string, endedBy: { actorEmail: string; reason: string }, now = new Date()): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/.test(sessionId)) return false;
  return database.transaction(async (tx) => {
    const [ended] = await tx
      .update(adminSessions)
      .set({ endedAt: now, endedBy: endedBy.reason })
      .where(and(eq(adminSessions.id, sessionId), isNull(adminSessions.endedAt)))
      .returning();
    if (!ended) return false;
    const [owner] = await tx.select({ email: admins.email }).from(admins).where(eq(admins.id, ended.adminId));
    await writeAudit(tx, { actorEmail: endedBy.actorEmail, action: 'session.end', target: owner?.email, detail: { sessionId, reason: endedBy.reason } });
    return true;
  });
}

/**
 * Ends every session of an admin but `keep` (the one making the change), inside the caller's
 * transaction: a changed password or a removed right takes effect everywhere else at once.
 */
export async function endOtherSessions(tx: Transaction, adminId: string, keep: string | null, reason: string, now = new Date()): Promise<number> {
  const ended = await tx
    .update(adminSessions)
    .set({ endedAt: now, endedBy: reason })
    .where(and(eq(adminSessions.adminId, adminId), isNull(adminSessions.endedAt), keep ? ne(adminSessions.id, keep) : sql`true`))
    .returning({ id: adminSessions.id });
  return ended.length;
}

/** Active sessions, newest first: one admin's, or everyone's (the owner's view) without `adminId`. */
export function listActiveSessions(database: Database, adminId?: string, now = new Date()) {
  return database
    .select({
      id: adminSessions.id,
      adminId: adminSessions.adminId,
      email: admins.email,
      createdAt: adminSessions.createdAt,
      lastSeenAt: adminSessions.lastSeenAt,
      expiresAt: adminSessions.expiresAt,
      userAgent: adminSessions.userAgent,
      address: adminSessions.address,
      method: adminSessions.method,
    })
    .from(adminSessions)
    .innerJoin(admins, eq(admins.id, adminSessions.adminId))
    .where(and(isNull(adminSessions.endedAt), gt(adminSessions.expiresAt, now), adminId ? eq(adminSessions.adminId, adminId) : sql`true`))
    .orderBy(desc(adminSessions.createdAt))
    .limit(200);
}
