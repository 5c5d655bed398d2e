import { desc } from 'drizzle-orm';
import type { Access } from '@/lib/access';
import type { Database, Transaction } from '@/lib/db/client';
import { auditLog } from '@/lib/db/schema';

export interface AuditEntry {
  actorEmail: string;
  action: string;
  target?: string;
  changedFields?: string[];
  detail?: Record<string, unknown>;
}

/** Written inside the caller's transaction, so an audit row exists exactly when the change does. */
export async function writeAudit(tx: Transaction | Database, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    actorEmail: entry.actorEmail,
    action: entry.action,
    target: entry.target ?? null,
    changedFields: entry.changedFields ?? [],
    detail: entry.detail ?? null,
  });
}

/** Who changed what, across every integration: the owner's alone (anyone else reads nothing). */
export async function recentAudit(database: Database, access: Access, limit = 200) {
  if (!access.isOwner) return [];
  return database.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit);
}
