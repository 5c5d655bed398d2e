// Runs once when a server process starts, before it answers requests: validate the environment,
// open the database and apply migrations, so a misconfiguration stops the server with a clear message.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startServer } = await import('@/lib/server-start');
  await startServer();
}
