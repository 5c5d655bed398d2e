import { db } from '@/lib/db';
import { env } from '@/lib/env';
import { metrics } from '@/lib/metrics';
import { sameSecret } from '@/lib/secrets';

export const dynamic = 'force-dynamic';

/** Prometheus' scrape: off unless METRICS_TOKEN is set, and then only with that bearer token. */
export async function GET(request: Request) {
  const token = env().METRICS_TOKEN;
  if (!token) return new Response('Not found', { status: 404 });
  if (!sameSecret(request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '', token)) {
    return new Response('Unauthorized', { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } });
  }
  const { registry, useDatabase } = metrics();
  useDatabase(await db());
  return new Response(await registry.metrics(), { headers: { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' } });
}
