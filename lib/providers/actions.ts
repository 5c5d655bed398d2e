'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { ActionResult } from '@/lib/admins/actions';
import { writeAudit } from '@/lib/audit/log';
import { requireAccess } from '@/lib/access';
import { db } from '@/lib/db';
import { deleteProvider } from '@/lib/providers/store';

const providerIdSchema = z.uuid();

/**
 * Deletes a provider account made at launch. Participants and meetings that point at it keep
 * working: their references are set to null. The next launch by that provider makes a new account.
 */
export async function removeProvider(providerId: unknown): Promise<ActionResult> {
  const access = await requireAccess();
  const actor = access.admin;
  const parsed = providerIdSchema.safeParse(providerId);
  if (!parsed.success) return { ok: false, message: 'Unknown provider account.' };
  const removed = await (await db()).transaction(async (tx) => {
    const provider = await deleteProvider(tx, access, parsed.data);
    if (!provider) return false;
    await writeAudit(tx, {
      actorEmail: actor.email,
      action: 'provider.remove',
      target: provider.email ?? `Epic user ${provider.epicUserId}`,
      detail: { epicUserId: provider.epicUserId, integrationId: provider.integrationId },
    });
    return true;
  });
  if (!removed) return { ok: false, message: 'That provider account was already removed.' };
  revalidatePath('/admin/users');
  return { ok: true, message: 'Provider account removed.' };
}
