import { openDatabase, type Database, type DatabaseHandle } from '@/lib/db/client';
import { env } from '@/lib/env';

// One database per process. Next.js bundles instrumentation and each route separately, so a
// module-level variable could exist several times; globalThis is shared by all of them.
const holder = globalThis as typeof globalThis & { __televisitDatabase?: Promise<DatabaseHandle> };

export function databaseHandle(): Promise<DatabaseHandle> {
  holder.__televisitDatabase ??= openDatabase({
    databaseUrl: env().DATABASE_URL,
    dataDir: env().dataDir,
  }).catch((error: unknown) => {
    holder.__televisitDatabase = undefined;
    throw error;
  });
  return holder.__televisitDatabase;
}

export async function db(): Promise<Database> {
  return (await databaseHandle()).db;
}

export async function closeDatabase(): Promise<void> {
  const handle = holder.__televisitDatabase;
  holder.__televisitDatabase = undefined;
  if (handle) await (await handle).close();
}
