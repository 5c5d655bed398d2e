import type { Database } from '@/lib/db/client';
import type { Integration } from '@/lib/db/schema';
import { integrationByKey } from '@/lib/settings/store';
import { onAnnouncement, SETTINGS_TOPIC } from '@/lib/db/bus';

// Launches read their integration on every request; keep it in memory. A settings save
// announces itself (lib/settings/actions.ts), which empties this cache on every app server;
// the time limit is only a safety net.
const MAX_AGE_MS = 60_000;

interface Cache {
  entries: Map<string, { integration: Integration | null; at: number }>;
  subscribed: Promise<unknown> | null;
  /** Bumped by every save, so a read that started before a save cannot cache the old row. */
  generation: number;
}

const holder = globalThis as typeof globalThis & { __televisitIntegrationCache?: Cache };

export async function cachedIntegrationByKey(database: Database, encryptionKey: string): Promise<Integration | null> {
  const cache = (holder.__televisitIntegrationCache ??= { entries: new Map(), subscribed: null, generation: 0 });
  cache.subscribed ??= onAnnouncement(SETTINGS_TOPIC, () => {
    cache.generation++;
    cache.entries.clear();
  }).catch(() => {
    cache.subscribed = null;
  });
  await cache.subscribed;
  const hit = cache.entries.get(encryptionKey);
  if (hit && Date.now() - hit.at < MAX_AGE_MS) return hit.integration;
  const generation = cache.generation;
  const integration = await integrationByKey(database, encryptionKey);
  // Unknown keys are not cached: anyone can send them, and the map must not grow without bound.
  if (integration && generation === cache.generation) cache.entries.set(encryptionKey, { integration, at: Date.now() });
  return integration;
}
