'use server';

import { count, eq, sql } from 'drizzle-orm';
import { revalidatePath } from 'next/cache';
import { hashPassword } from '@/lib/admins/passwords';
import { newAdminSchema, ownerSetupSchema } from '@/lib/admins/schema';
import { writeAudit } from '@/lib/audit/log';
import { requireAdmin } from '@/lib/auth';
import { db } from '@/lib/db';
import { admins, appMilestones } from '@/lib/db/schema';
import { fieldErrorsOf } from '@/lib/errors';

export interface ActionResult {
  ok: boolean;
  message: string;
  fieldErrors?: Record<string, string>;
}

const OWNER_CREATED = 'owner_created';

/**
 * The one-time owner account. The milestone row's primary key makes it one-time even when two
 * browsers submit at once; after it exists this action refuses, whoever calls it.
 */
export async function createOwner(input: unknown): Promise<ActionResult> {
  const parsed = ownerSetupSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'Some fields need attention.', fieldErrors: fieldErrorsOf(parsed.error) };
  const { email, password } = parsed.data;
  const passwordHash = await hashPassword(password);
  const created = await (await db()).transaction(async (tx) => {
    const [milestone] = await tx.insert(appMilestones).values({ name: OWNER_CREATED }).onConflictDoNothing().returning();
    if (!milestone) return false;
    await tx.insert(admins).values({ email, passwordHash, createdBy: null });
    await writeAudit(tx, { actorEmail: email, action: 'owner.create', target: email });
    return true;
  });
  if (!created) return { ok: false, message: 'The owner account already exists. Sign in instead.' };
  return { ok: true, message: 'Owner account created.' };
}

export async function addAdmin(input: unknown): Promise<ActionResult> {
  const actor = await requireAdmin();
  const parsed = newAdminSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'Some fields need attention.', fieldErrors: fieldErrorsOf(parsed.error) };
  const { email, password } = parsed.data;
  const passwordHash = await hashPassword(password);
  const added = await (await db()).transaction(async (tx) => {
    const [admin] = await tx.insert(admins).values({ email, passwordHash, createdBy: actor.email }).onConflictDoNothing().returning();
    if (!admin) return false;
    await writeAudit(tx, { actorEmail: actor.email, action: 'admin.add', target: email });
    return true;
  });
  if (!added) return { ok: false, message: 'Some fields need attention.', fieldErrors: { email: 'This email is already an admin' } };
  revalidatePath('/admin/users');
  return { ok: true, message: `${email} can now sign in.` };
}

export async function removeAdmin(adminId: unknown): Promise<ActionResult> {
  const actor = await requireAdmin();
  if (typeof adminId !== 'string' || !/^[0-9a-f-]{36}$/.test(adminId)) return { ok: false, message: 'Unknown admin.' };
  // Signing oneself out for good, with nobody told, is never what was meant.
  if (adminId === actor.id) return { ok: false, message: 'You cannot remove your own account; another admin can.' };
  const outcome = await (await db()).transaction(async (tx) => {
    // Lock every admin row so two removals at once cannot both see "another admin remains".
    await tx.execute(sql`select id from admins for update`);
    const [{ value: total } = { value: 0 }] = await tx.select({ value: count() }).from(admins);
    const [target] = await tx.select().from(admins).where(eq(admins.id, adminId));
    if (!target) return 'missing' as const;
    if (total <= 1) return 'last' as const;
    await tx.delete(admins).where(eq(admins.id, adminId));
    await writeAudit(tx, { actorEmail: actor.email, action: 'admin.remove', target: target.email });
    return 'removed' as const;
  });
  if (outcome === 'missing') return { ok: false, message: 'That admin was already removed.' };
  if (outcome === 'last') return { ok: false, message: 'The last admin cannot be removed; add another admin first.' };
  revalidatePath('/admin/users');
  return { ok: true, message: 'Admin removed.' };
}
