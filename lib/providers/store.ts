import { and, desc, eq } from 'drizzle-orm';
import { integrationScope, type Access } from '@/lib/access';
import type { Database, Transaction } from '@/lib/db/client';
import { providers } from '@/lib/db/schema';

/**
 * Provider accounts made at launch in the integrations this admin may see, most recently launched
 * first. They stay until an admin removes them (spec section 5).
 */
export function listProviders(database: Database, access: Access) {
  return database
    .select({
      id: providers.id,
      email: providers.email,
      firstName: providers.firstName,
      lastName: providers.lastName,
      epicUserId: providers.epicUserId,
      userType: providers.userType,
      createdAt: providers.createdAt,
      lastLaunchAt: providers.lastLaunchAt,
      integrationId: providers.integrationId,
    })
    .from(providers)
    .where(integrationScope(access, providers.integrationId))
    .orderBy(desc(providers.lastLaunchAt), desc(providers.id));
}

/** Deletes a provider account in one of this admin's integrations; null when there is none to delete. */
export async function deleteProvider(tx: Transaction | Database, access: Access, providerId: string) {
  const [provider] = await tx.delete(providers).where(and(eq(providers.id, providerId), integrationScope(access, providers.integrationId))).returning();
  return provider ?? null;
}
