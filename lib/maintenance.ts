import type { Database } from '@/lib/db/client';
import { dropTokensOfEndedVisits } from '@/lib/epic/oauth-tokens';
import { purgeIfDue } from '@/lib/retention/purge';
import { endAbandonedVisits } from '@/lib/visit/visit-ending';
import { describeError, log } from '@/lib/log';

// The work every server does on a timer, each part safe with several servers at once: ending
// visits that were abandoned (lib/visit/visit-ending.ts), deleting the Epic tokens of visits that are
// over once their last notification is sent (lib/epic/oauth-tokens.ts), and, when it is this server's turn,
// purging records past their retention (lib/retention/purge.ts).

export function startMaintenance(database: Database, options: { everyMs: number; tokenGraceMs: number }): { stop(): void } {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const ended = await endAbandonedVisits(database);
      if (ended.idle || ended.linksExpired) log.info({ area: 'maintenance', ...ended }, 'ended abandoned visits');
      const tokens = await dropTokensOfEndedVisits(database);
      if (tokens) log.info({ area: 'maintenance', tokens }, 'deleted the Epic tokens of ended visits');
      const purged = await purgeIfDue(database, new Date(), options.tokenGraceMs);
      if (purged) log.info({ area: 'maintenance', purged }, 'purged records past their retention');
    } catch (error) {
      log.error({ area: 'maintenance', error: describeError(error) }, 'maintenance failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), options.everyMs).unref();
  return { stop: () => clearInterval(timer) };
}
