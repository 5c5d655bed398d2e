'use server';

import { eq } from 'drizzle-orm';
import { revalidatePath } from 'next/cache';
import { withAccess } from '@/lib/access';
import { writeAudit } from '@/lib/audit/log';
import { announce, SETTINGS_TOPIC } from '@/lib/db/bus';
import { db } from '@/lib/db';
import { integrations } from '@/lib/db/schema';

/** The owner retires an integration (its links are refused from then on) or puts it back in use. */
export async function setIntegrationRetired(integrationId: unknown, retired: unknown): Promise<{ ok: boolean; message: string }> {
  return withAccess({ ownerOnly: true }, async (access) => {
    if (typeof integrationId !== 'string' || !/^[0-9a-f-]{36}$/.test(integrationId) || typeof retired !== 'boolean') return { ok: false, message: 'Unknown integration.' };
    const changed = await (await db()).transaction(async (tx) => {
      const [row] = await tx.update(integrations).set({ retiredAt: retired ? new Date() : null, updatedAt: new Date() }).where(eq(integrations.id, integrationId)).returning();
      if (!row) return null;
      await writeAudit(tx, { actorEmail: access.admin.email, action: retired ? 'integration.retire' : 'integration.reinstate', target: `integration ${row.encryptionKey}` });
      // Every server's cached copy goes, so launches see the change at once.
      await announce(tx, SETTINGS_TOPIC);
      return row;
    });
    if (!changed) return { ok: false, message: 'That integration no longer exists.' };
    revalidatePath('/admin/integrations');
    return { ok: true, message: retired ? `${changed.name} is retired: its links are refused.` : `${changed.name} is in use again.` };
  });
}
