import { eq } from 'drizzle-orm';
import { db } from '@/lib/db';
import { logos } from '@/lib/db/schema';

// The URL carries the content hash, so the bytes behind it never change: cache them for a year.
export async function GET(_request: Request, context: { params: Promise<{ hash: string }> }) {
  const { hash } = await context.params;
  if (!/^[0-9a-f]{64}$/.test(hash)) return new Response('Not found', { status: 404 });
  const [logo] = await (await db()).select().from(logos).where(eq(logos.hash, hash));
  if (!logo) return new Response('Not found', { status: 404 });
  return new Response(new Uint8Array(logo.bytes), {
    headers: {
      'Content-Type': logo.contentType,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'Content-Security-Policy': "default-src 'none'",
    },
  });
}
