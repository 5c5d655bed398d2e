import { databaseHandle } from '@/lib/db';
import { env, EnvError } from '@/lib/env';

export async function startServer(): Promise<void> {
  try {
    env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const handle = await databaseHandle();
  console.log(`[televisit] database ready (${handle.kind === 'pglite' ? `embedded, ${env().dataDir}` : 'PostgreSQL'})`);
}
