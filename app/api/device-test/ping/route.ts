// The device test's round trip: as little as an answer can be, never from a cache.
export function GET() {
  return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
}
