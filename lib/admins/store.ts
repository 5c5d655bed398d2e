import { asc, count, eq } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { adminIntegrations, admins } from '@/lib/db/schema';

export async function adminCount(database: Database): Promise<number> {
  const [row] = await database.select({ value: count() }).from(admins);
  return row?.value ?? 0;
}

/** Every admin, the owner first, with the integrations each sees. */
export async function listAdmins(database: Database) {
  const rows = await database
    .select({ id: admins.id, email: admins.email, role: admins.role, createdAt: admins.createdAt, createdBy: admins.createdBy })
    .from(admins)
    .orderBy(asc(admins.createdAt));
  const grants = await database.select().from(adminIntegrations);
  return rows
    .map((admin) => ({ ...admin, integrationIds: grants.filter((row) => row.adminId === admin.id).map((row) => row.integrationId) }))
    .sort((a, b) => (a.role === b.role ? 0 : a.role === 'owner' ? -1 : 1));
}

export async function adminByEmail(database: Database, email: string) {
  const [admin] = await database.select().from(admins).where(eq(admins.email, email));
  return admin ?? null;
}
