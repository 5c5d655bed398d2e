import { asc, count, eq } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { admins } from '@/lib/db/schema';

export async function adminCount(database: Database): Promise<number> {
  const [row] = await database.select({ value: count() }).from(admins);
  return row?.value ?? 0;
}

export function listAdmins(database: Database) {
  return database
    .select({ id: admins.id, email: admins.email, createdAt: admins.createdAt, createdBy: admins.createdBy })
    .from(admins)
    .orderBy(asc(admins.createdAt));
}

export async function adminByEmail(database: Database, email: string) {
  const [admin] = await database.select().from(admins).where(eq(admins.email, email));
  return admin ?? null;
}
