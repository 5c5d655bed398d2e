import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { outgoingRequest, type OutgoingPolicy } from '../lib/http/outgoing.ts';
import { parseTrustedProxies } from '../lib/http/client-address.ts';

// The one module every call to another server goes through, against a real server on 127.0.0.1.

const production: OutgoingPolicy = { refusePrivate: true };
const test_: OutgoingPolicy = { refusePrivate: false };

describe('outgoing calls', () => {
  let server: http.Server;
  let base: string;
  const hits: string[] = [];

  before(async () => {
    server = http.createServer((request, response) => {
      hits.push(request.url!);
      if (request.url === '/redirect') return void response.writeHead(302, { Location: '/secret' }).end();
      if (request.url === '/endless') {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (response.write(chunk)) {
            if (response.destroyed) return;
          }
          response.once('drain', pump);
        };
        return pump();
      }
      if (request.url === '/stall') {
        response.writeHead(200);
        return void response.write('a little, then nothing');
      }
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('in Production a loopback target is refused, by address and by a name that resolves to it', async () => {
    const byAddress = await outgoingRequest({ url: `${base}/`, timeoutMs: 2000, policy: production });
    assert.equal(byAddress.ok, false);
    assert.equal(!byAddress.ok && byAddress.kind, 'blocked');
    const byName = await outgoingRequest({ url: `${base.replace('127.0.0.1', 'localhost')}/`, timeoutMs: 2000, policy: production });
    assert.equal(!byName.ok && byName.kind, 'blocked');
    for (const address of ['http://[::1]/', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/', 'http://[::ffff:127.0.0.1]/']) {
      const result = await outgoingRequest({ url: address, timeoutMs: 2000, policy: production });
      assert.equal(!result.ok && result.kind, 'blocked', address);
    }
    assert.deepEqual(hits, []);
  });

  test('the allowlist lets an on-premise Epic through, and Test integrations may call anything', async () => {
    const allowed = await outgoingRequest({ url: `${base}/`, timeoutMs: 2000, policy: { refusePrivate: true, allowlist: parseTrustedProxies('127.0.0.0/8') } });
    assert.equal(allowed.ok && allowed.status, 200);
    const testEnvironment = await outgoingRequest({ url: `${base}/`, timeoutMs: 2000, policy: test_ });
    assert.equal(testEnvironment.ok && testEnvironment.body.toString(), '{"ok":true}');
  });

  test('a redirect is the answer, never followed', async () => {
    hits.length = 0;
    const result = await outgoingRequest({ url: `${base}/redirect`, timeoutMs: 2000, policy: test_ });
    assert.equal(result.ok && result.status, 302);
    assert.deepEqual(hits, ['/redirect']);
  });

  test('an endless answer is cut after the cap, and a stalled body times out', async () => {
    const endless = await outgoingRequest({ url: `${base}/endless`, timeoutMs: 5000, maxBytes: 4096, policy: test_ });
    assert.ok(endless.ok);
    assert.equal(endless.truncated, true);
    assert.equal(endless.body.length, 4096);
    const stalled = await outgoingRequest({ url: `${base}/stall`, timeoutMs: 300, policy: test_ });
    assert.equal(!stalled.ok && stalled.kind, 'timeout');
  });

  test('a closed port says refused', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await outgoingRequest({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2000, policy: test_ });
    assert.equal(!result.ok && result.kind, 'refused');
  });
});
