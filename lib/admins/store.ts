import { asc, count, eq, isNotNull } from 'drizzle-orm';
import type { Access } from '@/lib/access';
import type { Database } from '@/lib/db/client';
import { adminIntegrations, admins } from '@/lib/db/schema';

export async function adminCount(database: Database): Promise<number> {
  const [row] = await database.select({ value: count() }).from(admins);
  return row?.value ?? 0;
}

/**
 * The admins this admin may know of, the owner first, each with the integrations they see. The
 * owner sees every admin. Another admin sees the owner (whom they ask for changes), themselves, and
 * the admins who share one of their integrations, with only those shared integrations: they learn
 * nothing of an integration that is not theirs, nor of its admins.
 */
export async function listAdmins(database: Database, access: Access) {
  const rows = await database
    .select({ id: admins.id, email: admins.email, role: admins.role, createdAt: admins.createdAt, createdBy: admins.createdBy, twoStep: isNotNull(admins.totpSecret), hasPassword: isNotNull(admins.passwordHash), singleSignOn: isNotNull(admins.oidcSubject) })
    .from(admins)
    .orderBy(asc(admins.createdAt));
  const grants = (await database.select().from(adminIntegrations)).filter((row) => access.isOwner || access.integrationIds.includes(row.integrationId));
  return rows
    .map((admin) => ({
      ...admin,
      twoStep: Boolean(admin.twoStep),
      hasPassword: Boolean(admin.hasPassword),
      singleSignOn: Boolean(admin.singleSignOn),
      integrationIds: grants.filter((row) => row.adminId === admin.id).map((row) => row.integrationId),
    }))
    .filter((admin) => access.isOwner || admin.role === 'owner' || admin.id === access.admin.id || admin.integrationIds.length > 0)
    .sort((a, b) => (a.role === b.role ? 0 : a.role === 'owner' ? -1 : 1));
}

export async function adminByEmail(database: Database, email: string) {
  const [admin] = await database.select().from(admins).where(eq(admins.email, email));
  return admin ?? null;
}
