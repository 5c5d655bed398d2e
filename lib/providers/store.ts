import { desc, type SQL } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { providers } from '@/lib/db/schema';

/** Provider accounts made at launch, most recently launched first. They stay until an admin removes them (spec section 5). */
export function listProviders(database: Database, scope: SQL | undefined) {
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
    .where(scope)
    .orderBy(desc(providers.lastLaunchAt), desc(providers.id));
}
