// Runs once when a server process starts, before it answers requests: validate the environment,
// open the database and apply migrations, so a misconfiguration stops the server with a clear message.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startServer } = await import('@/lib/server-start');
  // The launch is served from the socket (lib/http/web-route.ts): the same handler Next.js routes to.
  const launch = await import('@/app/launch/route');
  await startServer({ launch: launch.GET });
}
