import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { allocateTurn, parseTurnUrl } from '../lib/http/turn-allocation.ts';

// The allocation against a real coturn is in e2e/relay.spec.ts; here, what needs no relay.

test('TURN URLs are read as browsers read them: transport, default ports, IPv6 literals', () => {
  assert.deepEqual(parseTurnUrl('turn:turn.hospital.org'), { host: 'turn.hospital.org', port: 3478, transport: 'udp' });
  assert.deepEqual(parseTurnUrl('turn:10.0.0.5:3479?transport=tcp'), { host: '10.0.0.5', port: 3479, transport: 'tcp' });
  assert.deepEqual(parseTurnUrl('turns:turn.hospital.org'), { host: 'turn.hospital.org', port: 5349, transport: 'tls' });
  assert.deepEqual(parseTurnUrl('turn:[::1]:3478?transport=udp'), { host: '::1', port: 3478, transport: 'udp' });
  assert.equal(parseTurnUrl('stun:turn.hospital.org'), null);
  assert.equal(parseTurnUrl('turn:host:99999'), null);
});

test('a relay that does not answer is reported as such once the timeout passes, not as a refusal', async () => {
  // A real UDP socket that reads and never answers, like a stopped or firewalled relay.
  const silent = dgram.createSocket('udp4');
  let received = 0;
  silent.on('message', () => received++);
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  const { port } = silent.address();
  const result = await allocateTurn({ url: `turn:127.0.0.1:${port}?transport=udp`, username: 'u', password: 'p', timeoutMs: 800 });
  silent.close();
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /nothing answered on UDP 127\.0\.0\.1:\d+/);
  // STUN's own retransmissions went out while waiting.
  assert.ok(received >= 2, `sent ${received} requests`);
});

test('a TCP relay address where nothing listens is refused at once', async () => {
  const result = await allocateTurn({ url: 'turn:127.0.0.1:9?transport=tcp', username: 'u', password: 'p', timeoutMs: 2000 });
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /refused/);
});
