'use server';

import { eq, inArray, sql } from 'drizzle-orm';
import { revalidatePath } from 'next/cache';
import { withAccess } from '@/lib/access';
import { hashPassword } from '@/lib/admins/passwords';
import { grantsSchema, newAdminSchema, ownerSetupSchema } from '@/lib/admins/schema';
import { writeAudit } from '@/lib/audit/log';
import { db } from '@/lib/db';
import type { Transaction } from '@/lib/db/client';
import { adminIntegrations, admins, appMilestones, integrations } from '@/lib/db/schema';
import { fieldErrorsOf } from '@/lib/errors';
import { OWNER_CREATED } from './milestones';
import { signInChoices } from './single-sign-on';

export interface ActionResult {
  ok: boolean;
  message: string;
  fieldErrors?: Record<string, string>;
}


/**
 * The one-time owner account. The milestone row's primary key makes it one-time even when two
 * browsers submit at once; after it exists this action refuses, whoever calls it.
 */
export async function createOwner(input: unknown): Promise<ActionResult> {
  if (!signInChoices().passwordForm) return { ok: false, message: 'Passwords are off on this server: the first owner signs in with single sign-on.' };
  const parsed = ownerSetupSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'Some fields need attention.', fieldErrors: fieldErrorsOf(parsed.error) };
  const { email, password } = parsed.data;
  const passwordHash = await hashPassword(password);
  const created = await (await db()).transaction(async (tx) => {
    const [milestone] = await tx.insert(appMilestones).values({ name: OWNER_CREATED }).onConflictDoNothing().returning();
    if (!milestone) return false;
    await tx.insert(admins).values({ email, passwordHash, role: 'owner', createdBy: null });
    await writeAudit(tx, { actorEmail: email, action: 'owner.create', target: email });
    return true;
  });
  if (!created) return { ok: false, message: 'The owner account already exists. Sign in instead.' };
  return { ok: true, message: 'Owner account created.' };
}

/** The owner adds an admin, who sees only the integrations granted here. */
export async function addAdmin(input: unknown): Promise<ActionResult> {
  return withAccess({ ownerOnly: true }, async ({ admin: owner }) => {
    const parsed = newAdminSchema.safeParse(input);
    if (!parsed.success) return { ok: false, message: 'Some fields need attention.', fieldErrors: fieldErrorsOf(parsed.error) };
    const { email, password, integrationIds } = parsed.data;
    const passwordHash = await hashPassword(password);
    const added = await (await db()).transaction(async (tx) => {
      const [admin] = await tx.insert(admins).values({ email, passwordHash, role: 'admin', createdBy: owner.email }).onConflictDoNothing().returning();
      if (!admin) return false;
      await grant(tx, admin.id, integrationIds);
      await writeAudit(tx, { actorEmail: owner.email, action: 'admin.add', target: email, detail: { integrationIds } });
      return true;
    });
    if (!added) return { ok: false, message: 'Some fields need attention.', fieldErrors: { email: 'This email is already an admin' } };
    revalidatePath('/admin/users');
    return { ok: true, message: `${email} can now sign in.` };
  });
}

/** The owner sets which integrations an admin sees. */
export async function setGrants(adminId: unknown, input: unknown): Promise<ActionResult> {
  return withAccess({ ownerOnly: true }, async ({ admin: owner }) => {
    const parsed = grantsSchema.safeParse(input);
    if (typeof adminId !== 'string' || !/^[0-9a-f-]{36}$/.test(adminId) || !parsed.success) return { ok: false, message: 'Unknown admin or integration.' };
    const changed = await (await db()).transaction(async (tx) => {
      const [target] = await tx.select().from(admins).where(eq(admins.id, adminId));
      if (!target || target.role === 'owner') return null;
      await tx.delete(adminIntegrations).where(eq(adminIntegrations.adminId, adminId));
      await grant(tx, adminId, parsed.data.integrationIds);
      await writeAudit(tx, { actorEmail: owner.email, action: 'admin.grants', target: target.email, detail: { integrationIds: parsed.data.integrationIds } });
      return target;
    });
    if (!changed) return { ok: false, message: 'That admin is gone, or is the owner (who sees everything).' };
    revalidatePath('/admin/users');
    return { ok: true, message: `${changed.email} now sees ${parsed.data.integrationIds.length} integration${parsed.data.integrationIds.length === 1 ? '' : 's'}.` };
  });
}

/** The owner hands ownership to an admin and becomes an admin (with every integration granted). */
export async function transferOwnership(adminId: unknown): Promise<ActionResult> {
  return withAccess({ ownerOnly: true }, async ({ admin: owner }) => {
    if (typeof adminId !== 'string' || !/^[0-9a-f-]{36}$/.test(adminId) || adminId === owner.id) return { ok: false, message: 'Choose another admin.' };
    const moved = await (await db()).transaction(async (tx) => {
      // Every admin row locked: two hand-overs at once cannot leave two owners.
      await tx.execute(sql`select id from admins for update`);
      const [current] = await tx.select().from(admins).where(eq(admins.id, owner.id));
      const [next] = await tx.select().from(admins).where(eq(admins.id, adminId));
      if (current?.role !== 'owner' || !next) return null;
      await tx.update(admins).set({ role: 'owner' }).where(eq(admins.id, next.id));
      await tx.update(admins).set({ role: 'admin' }).where(eq(admins.id, current.id));
      await tx.delete(adminIntegrations).where(eq(adminIntegrations.adminId, next.id));
      const everything = await tx.select({ id: integrations.id }).from(integrations);
      await grant(tx, current.id, everything.map((row) => row.id));
      await writeAudit(tx, { actorEmail: owner.email, action: 'owner.transfer', target: next.email });
      return next;
    });
    if (!moved) return { ok: false, message: 'That admin is gone, or you are no longer the owner.' };
    revalidatePath('/admin', 'layout');
    return { ok: true, message: `${moved.email} is now the owner.` };
  });
}

/** The owner removes an admin; the owner cannot be removed (hand ownership over first). */
export async function removeAdmin(adminId: unknown): Promise<ActionResult> {
  return withAccess({ ownerOnly: true }, async ({ admin: owner }) => {
    if (typeof adminId !== 'string' || !/^[0-9a-f-]{36}$/.test(adminId)) return { ok: false, message: 'Unknown admin.' };
    // Signing oneself out for good, with nobody told, is never what was meant.
    if (adminId === owner.id) return { ok: false, message: 'You cannot remove your own account; hand ownership to another admin first.' };
    const outcome = await (await db()).transaction(async (tx) => {
      const [target] = await tx.select().from(admins).where(eq(admins.id, adminId)).for('update');
      if (!target) return 'missing' as const;
      if (target.role === 'owner') return 'owner' as const;
      await tx.delete(admins).where(eq(admins.id, adminId));
      await writeAudit(tx, { actorEmail: owner.email, action: 'admin.remove', target: target.email });
      return 'removed' as const;
    });
    if (outcome === 'missing') return { ok: false, message: 'That admin was already removed.' };
    if (outcome === 'owner') return { ok: false, message: 'The owner cannot be removed.' };
    revalidatePath('/admin/users');
    return { ok: true, message: 'Admin removed.' };
  });
}

async function grant(tx: Transaction, adminId: string, integrationIds: string[]) {
  if (integrationIds.length === 0) return;
  const existing = await tx.select({ id: integrations.id }).from(integrations).where(inArray(integrations.id, integrationIds));
  if (existing.length) await tx.insert(adminIntegrations).values(existing.map((row) => ({ adminId, integrationId: row.id }))).onConflictDoNothing();
}

