'use server';

import { eq } from 'drizzle-orm';
import { revalidatePath } from 'next/cache';
import { writeAudit } from '@/lib/audit/log';
import { withAccess } from '@/lib/access';
import { db } from '@/lib/db';
import { serverSettings } from '@/lib/db/schema';
import { fieldErrorsOf } from '@/lib/errors';
import { serverSettingsSchema, type ServerSettingsValues } from '@/lib/server-settings/schema';
import { readServerSettings } from '@/lib/server-settings/store';

export interface SaveServerSettingsResult {
  ok: boolean;
  message: string;
  fieldErrors?: Record<string, string>;
}

/** Saves the server-wide settings, audited with the names of the fields that changed. */
export async function saveServerSettings(input: unknown): Promise<SaveServerSettingsResult> {
  return withAccess({ ownerOnly: true }, async ({ admin }) => {
    const parsed = serverSettingsSchema.safeParse(input);
    if (!parsed.success) return { ok: false, message: 'Some fields need attention; nothing was saved.', fieldErrors: fieldErrorsOf(parsed.error) };
    const database = await db();
    const current = await readServerSettings(database);
    const changed = (Object.keys(parsed.data) as Array<keyof ServerSettingsValues>).filter((field) => current[field] !== parsed.data[field]);
    if (changed.length === 0) return { ok: true, message: 'Nothing had changed; nothing was saved.' };
    await database.transaction(async (tx) => {
      await tx.update(serverSettings).set({ ...parsed.data, updatedAt: new Date() }).where(eq(serverSettings.id, 1));
      await writeAudit(tx, { actorEmail: admin.email, action: 'server-settings.update', target: 'server', changedFields: changed });
    });
    revalidatePath('/admin/server');
    return { ok: true, message: `Server settings saved (${changed.length} changed).` };
  });
}
