// Connections cost a socket each, and a stranger can open them by the thousand (scripts/server.mjs
// applies this to its server). One that sends no request within `silentMs` is closed. One kept
// alive between requests is idle: past `idleMax` the longest idle are closed. Push streams are
// requests, never idle; they have their own bound (lib/visit/visit-stream.ts).
//
// A silent connection is judged after the event loop has read what is waiting: when the loop was
// held up for longer than `silentMs` (a burst of work), timers run before pending reads, and a
// request that arrived in time would otherwise still be unread; closing the socket then resets
// the connection under a client that did nothing wrong.

/**
 * @param {import('node:http').Server} server
 * @param {{ silentMs: number, idleMax: number }} limits
 */
export function limitConnections(server, { silentMs, idleMax }) {
  const idleConnections = new Set();
  server.on('connection', (socket) => {
    let spoke = false;
    const silent = setTimeout(() => setImmediate(() => spoke || socket.destroy()), silentMs).unref();
    socket.once('data', () => {
      spoke = true;
      clearTimeout(silent);
    });
    socket.once('close', () => {
      clearTimeout(silent);
      idleConnections.delete(socket);
    });
  });
  server.on('request', (request, response) => {
    idleConnections.delete(request.socket);
    response.once('finish', () => {
      const socket = request.socket;
      if (socket.destroyed) return;
      idleConnections.add(socket);
      for (const oldest of idleConnections) {
        if (idleConnections.size <= idleMax) break;
        idleConnections.delete(oldest);
        oldest.destroy();
      }
    });
  });
}
