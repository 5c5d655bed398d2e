import { desc } from 'drizzle-orm';
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

export function recentAudit(database: Database, limit = 200) {
  return database.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit);
}
