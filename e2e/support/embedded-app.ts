import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../lib/db/client';
import type { integrations } from '../../lib/db/schema';
import { seedIntegrationRow } from '../../test/fixtures/integration';

/**
 * A data folder for an app server on the embedded database, with one integration seeded before
 * the server starts (only one process may open PGlite at a time).
 */
export async function prepareEmbeddedData(values: Partial<typeof integrations.$inferInsert> = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'televisit-embedded-'));
  const masterKey = randomBytes(32);
  const handle = await openDatabase({ dataDir });
  const { row, secret } = await seedIntegrationRow(handle.db, masterKey, values);
  await handle.close();
  return {
    dataDir,
    integration: { id: row.id, encryptionKey: row.encryptionKey, secret },
    env: { DATA_DIR: dataDir, TELEVISIT_MASTER_KEY: masterKey.toString('base64'), DATABASE_URL: '', NEXTAUTH_SECRET: '' },
  };
}

/** Reads the embedded database of a stopped server. */
export async function withEmbeddedDatabase<T>(dataDir: string, work: (database: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> {
  const handle = await openDatabase({ dataDir });
  try {
    return await work(handle.db);
  } finally {
    await handle.close();
  }
}
