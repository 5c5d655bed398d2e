import { desc } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { providers } from '@/lib/db/schema';

/** Provider accounts made at launch, most recently launched first. They stay until an admin removes them (spec section 5). */
export function listProviders(database: Database) {
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
    })
    .from(providers)
    .orderBy(desc(providers.lastLaunchAt), desc(providers.id));
}
