import { and, count, gt, isNotNull, ne, sql } from 'drizzle-orm';
import client from 'prom-client';
import type { Database } from '@/lib/db/client';
import { meetings, notifications, participants } from '@/lib/db/schema';
import { mediaServerStatus } from '@/lib/media-server/janus';

// /metrics in Prometheus' text format. Counters and the delivery histogram count in this process;
// the gauges are read from the database at each scrape, so every server reports the same truth.

const holder = globalThis as typeof globalThis & { __televisitMetrics?: ReturnType<typeof createMetrics> };

function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'televisit_process_' });
  const launches = new client.Counter({ name: 'televisit_launches_total', help: 'Launches by outcome (ok, visit_ended, visit_full, or why refused)', labelNames: ['outcome'], registers: [registry] });
  const launchLogSuppressed = new client.Counter({
    name: 'televisit_launch_log_suppressed_total',
    help: 'Refused launches not written to the launch log because their address (or all together) wrote too many',
    registers: [registry],
  });
  const deliveryLatency = new client.Histogram({
    name: 'televisit_notification_delivery_seconds',
    help: 'From the event to Epic accepting its notification',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  let database: Database | null = null;
  const fromDatabase = (name: string, help: string, labelNames: string[], read: (database: Database, gauge: client.Gauge) => Promise<void>) =>
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        if (database) await read(database, this);
      },
    });
  fromDatabase('televisit_active_visits', 'Visits not ended (waiting or active)', [], async (db, gauge) => {
    const [row] = await db.select({ value: count() }).from(meetings).where(ne(meetings.state, 'ended'));
    gauge.set(row?.value ?? 0);
  });
  fromDatabase('televisit_connected_participants', 'People connected to a visit now', [], async (db, gauge) => {
    const [row] = await db.select({ value: count() }).from(participants).where(isNotNull(participants.connectionId));
    gauge.set(row?.value ?? 0);
  });
  fromDatabase('televisit_notifications', 'Notifications of the last 24 hours by state and RespCode', ['state', 'resp_code'], async (db, gauge) => {
    const rows = await db
      .select({ state: notifications.state, respCode: notifications.respCode, value: count() })
      .from(notifications)
      .where(gt(notifications.createdAt, sql`now() - interval '24 hours'`))
      .groupBy(notifications.state, notifications.respCode);
    gauge.reset();
    for (const row of rows) gauge.set({ state: row.state, resp_code: String(row.respCode ?? 0) }, row.value);
  });
  fromDatabase('televisit_outbox_oldest_pending_seconds', 'Age of the oldest notification still waiting to reach Epic (0 when none)', [], async (db, gauge) => {
    const [row] = await db.select({ oldest: sql<string | null>`min(${notifications.createdAt})` }).from(notifications).where(and(sql`${notifications.state} = 'pending'`));
    gauge.set(row?.oldest ? Math.max(0, (Date.now() - new Date(row.oldest).getTime()) / 1000) : 0);
  });
  // Labelled, so that without a media server there is no sample at all (an unlabelled gauge reads 0).
  new client.Gauge({
    name: 'televisit_media_server_up',
    help: 'Whether this server is connected to the media server (Janus, JANUS_URL): 1 up, 0 down; no sample when none is set, or while a server that just started makes its first try',
    labelNames: ['media_server'],
    registers: [registry],
    collect() {
      const status = mediaServerStatus();
      this.reset();
      if (status.configured && status.state !== 'connecting') this.set({ media_server: 'janus' }, status.state === 'up' ? 1 : 0);
    },
  });
  return {
    registry,
    launches,
    launchLogSuppressed,
    deliveryLatency,
    useDatabase(value: Database) {
      database = value;
    },
  };
}

export function metrics() {
  holder.__televisitMetrics ??= createMetrics();
  return holder.__televisitMetrics;
}
