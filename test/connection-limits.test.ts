import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { limitConnections } from '../scripts/connection-limits.mjs';

// The server's connection limits (scripts/connection-limits.mjs), on a real socket.

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

/** Sends one request on a new connection; resolves with the status line, or the socket's error. */
function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
  });
}

test('a request that arrived in time is answered even when the event loop was held up past the silent limit', async () => {
  const server = http.createServer((_request, response) => response.end('ok'));
  limitConnections(server, { silentMs: 50, idleMax: 10 });
  // Right after the connection is accepted, the server is busy for longer than the limit (a burst
  // of work on the event loop); the client's request reaches the socket meanwhile.
  server.on('connection', () => {
    const until = Date.now() + 300;
    while (Date.now() < until);
  });
  const port = await listen(server);
  try {
    assert.equal(await ask(port), 'HTTP/1.1 200 OK');
  } finally {
    server.close();
  }
});

test('a connection that sends nothing is closed after the silent limit', async () => {
  const server = http.createServer((_request, response) => response.end('ok'));
  limitConnections(server, { silentMs: 50, idleMax: 10 });
  const port = await listen(server);
  try {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    assert.equal(socket.bytesWritten, 0);
  } finally {
    server.close();
  }
});

test('past the idle cap, the longest-idle kept-alive connections are closed and the newest stay', async () => {
  const server = http.createServer((_request, response) => response.end('ok'));
  limitConnections(server, { silentMs: 10_000, idleMax: 2 });
  const port = await listen(server);
  const sockets: net.Socket[] = [];
  try {
    for (let index = 0; index < 4; index++) {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => {
        socket.once('data', () => resolve());
        socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      sockets.push(socket);
    }
    await Promise.all(sockets.slice(0, 2).map((socket) => (socket.destroyed ? undefined : new Promise((resolve) => socket.once('close', resolve)))));
    assert.deepEqual(sockets.map((socket) => socket.destroyed), [true, true, false, false]);
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});
