import { asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { notFound } from 'next/navigation';
import { requireAdmin } from '@/lib/auth';
import { db } from '@/lib/db';
import type { Database } from '@/lib/db/client';
import { adminIntegrations, integrations, type Admin, type Integration } from '@/lib/db/schema';

// Who may see and change what. The owner (the first account; ownership can be handed over) manages
// admins and integrations and sees everything. An admin sees and changes only the integrations
// granted to them. Every page, server action and route asks here itself; a layout is not enough.
//
// Scope by construction: every function that reads or changes an integration's data for an admin
// (visits, notification records, launch log, rooms, providers, admins, audit) takes the caller's
// Access as a required argument and builds its own `where` from it. An Access is made only here,
// from a signed-in admin's rows, so a caller can neither leave the scope out nor hand in one of its own.

declare const madeHere: unique symbol;

export interface Access {
  readonly admin: Admin;
  readonly isOwner: boolean;
  /** The integrations this admin may see; every integration for the owner. */
  readonly integrationIds: readonly string[];
  /** Only accessOf makes an Access (a type brand; nothing at run time). */
  readonly [madeHere]: true;
}

/** The signed-in admin and what they may see (a redirect to sign-in without one). */
export async function requireAccess(): Promise<Access> {
  const admin = await requireAdmin();
  return accessOf(await db(), admin);
}

export async function accessOf(database: Database, admin: Admin): Promise<Access> {
  if (admin.role === 'owner') {
    const all = await database.select({ id: integrations.id }).from(integrations);
    return { admin, isOwner: true, integrationIds: all.map((row) => row.id) } as unknown as Access;
  }
  const granted = await database.select({ id: adminIntegrations.integrationId }).from(adminIntegrations).where(eq(adminIntegrations.adminId, admin.id));
  return { admin, isOwner: false, integrationIds: granted.map((row) => row.id) } as unknown as Access;
}

/** For pages: the owner, or a 404 (an admin does not learn the page exists). */
export async function requireOwnerPage(): Promise<Access> {
  const access = await requireAccess();
  if (!access.isOwner) notFound();
  return access;
}

const OWNER_ONLY = 'Only the owner can do this.';

/**
 * For server actions that answer `{ ok, message }`: runs `work` for the signed-in admin (the owner
 * only, with `ownerOnly`); anyone else gets the refusal as the answer, not an exception.
 */
export async function withAccess<Result extends { ok: boolean; message: string }>(
  options: { ownerOnly: boolean },
  work: (access: Access) => Promise<Result>,
): Promise<Result | { ok: false; message: string }> {
  const access = await requireAccess();
  if (options.ownerOnly && !access.isOwner) return { ok: false, message: OWNER_ONLY };
  return work(access);
}

export function canSee(access: Access, integrationId: string | null | undefined): boolean {
  return Boolean(integrationId) && access.integrationIds.includes(integrationId!);
}

/**
 * A condition that keeps a query to the integrations this admin may see; none for the owner, who
 * also sees rows of no integration (a launch with an unknown key).
 */
export function integrationScope(access: Access, column: PgColumn): SQL | undefined {
  if (access.isOwner) return undefined;
  return access.integrationIds.length ? inArray(column, [...access.integrationIds]) : sql`false`;
}

/** Integrations this admin may see, oldest first (retired ones last). */
export async function visibleIntegrations(database: Database, access: Access): Promise<Integration[]> {
  if (access.integrationIds.length === 0) return [];
  const rows = await database.select().from(integrations).where(inArray(integrations.id, [...access.integrationIds])).orderBy(asc(integrations.createdAt));
  return [...rows.filter((row) => !row.retiredAt), ...rows.filter((row) => row.retiredAt)];
}

/** The integration with this id when the admin may see it; else a 404. */
export async function requireIntegration(database: Database, access: Access, integrationId: string | null | undefined): Promise<Integration> {
  return (await integrationFor(database, access, integrationId)) ?? notFound();
}

/** For server actions: the integration with this id when the admin may see it; else null. */
export async function integrationFor(database: Database, access: Access, integrationId: unknown): Promise<Integration | null> {
  if (typeof integrationId !== 'string' || !UUID.test(integrationId) || !canSee(access, integrationId)) return null;
  const [row] = await database.select().from(integrations).where(eq(integrations.id, integrationId));
  return row ?? null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
