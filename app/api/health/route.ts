// A trivial answer: load balancers probe it, and bench/launch uses it as the throughput ceiling.
export function GET() {
  return Response.json({ ok: true });
}
