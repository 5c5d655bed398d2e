import { desc } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { launchLog } from '@/lib/db/schema';

export interface LaunchLogEntry {
  encryptionKey: string | null;
  outcome: string;
  detail?: string | null;
  sessionId?: string | null;
  epicUserId?: string | null;
  userType?: string | null;
  meetingId?: string | null;
}

/** One row per launch; also a line in the server log. Never the secret or the raw token. */
export async function recordLaunch(database: Database, entry: LaunchLogEntry): Promise<void> {
  const key = entry.encryptionKey?.slice(0, 100) ?? null;
  if (entry.outcome !== 'ok') {
    console.warn(`[launch] refused: ${entry.outcome}${entry.detail ? ` (${entry.detail})` : ''} key=${key ?? '-'} session=${entry.sessionId ?? '-'} user=${entry.epicUserId ?? '-'}`);
  }
  try {
    await database.insert(launchLog).values({ ...entry, encryptionKey: key });
  } catch (error) {
    console.error('[launch] could not write the launch log', error instanceof Error ? error.message : error);
  }
}

export function recentLaunches(database: Database, limit = 200) {
  return database.select().from(launchLog).orderBy(desc(launchLog.id)).limit(limit);
}
