import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readJsonBody, JSON_BODY_MAX_BYTES } from '../lib/http/body.ts';
import { clientAddress, parseTrustedProxies, proxyWarning } from '../lib/http/client-address.ts';
import { RateLimiter } from '../lib/http/rate-limit.ts';
import { AppError } from '../lib/errors.ts';

describe('the client address', () => {
  const none = parseTrustedProxies('');
  const proxies = parseTrustedProxies('10.0.0.0/8, 192.0.2.1, 2001:db8::/32');

  test("without trusted proxies a client's own X-Forwarded-For changes nothing", () => {
    for (const forwarded of ['1.2.3.4', '5.6.7.8, 9.9.9.9', 'garbage']) {
      assert.equal(clientAddress({ 'x-televisit-peer': '203.0.113.9', 'x-forwarded-for': forwarded }, none), '203.0.113.9');
    }
  });

  test('behind trusted proxies, the first address from the right that is not a proxy is the client', () => {
    assert.equal(clientAddress({ 'x-televisit-peer': '10.1.2.3', 'x-forwarded-for': '203.0.113.9' }, proxies), '203.0.113.9');
    // A client that prepends a fake address cannot hide behind it: the proxy appended the real one.
    assert.equal(clientAddress({ 'x-televisit-peer': '10.1.2.3', 'x-forwarded-for': '1.1.1.1, 198.51.100.4, 192.0.2.1' }, proxies), '198.51.100.4');
    // A request straight from an untrusted address: its own header is ignored.
    assert.equal(clientAddress({ 'x-televisit-peer': '198.51.100.4', 'x-forwarded-for': '10.1.2.3' }, proxies), '198.51.100.4');
  });

  test('IPv4 through an IPv6 socket is the IPv4 address; IPv6 ranges work', () => {
    assert.equal(clientAddress({ 'x-televisit-peer': '::ffff:10.9.9.9', 'x-forwarded-for': '203.0.113.10' }, proxies), '203.0.113.10');
    assert.equal(clientAddress({ 'x-televisit-peer': '2001:db8::5', 'x-forwarded-for': '2001:db9::1' }, proxies), '2001:db9::1');
    assert.equal(clientAddress(new Headers({ 'x-televisit-peer': '::ffff:203.0.113.11' }), none), '203.0.113.11');
  });

  test('a forged hop that is not an address makes the client unknown, and no peer is unknown', () => {
    assert.equal(clientAddress({ 'x-televisit-peer': '10.1.2.3', 'x-forwarded-for': 'not-an-ip' }, proxies), 'unknown');
    assert.equal(clientAddress({}, none), 'unknown');
  });

  test('TRUSTED_PROXIES refuses what is not an address or a range', () => {
    assert.throws(() => parseTrustedProxies('10.0.0.0/33'), /prefix/);
    assert.throws(() => parseTrustedProxies('proxy.internal'), /not an IP address/);
    assert.throws(() => parseTrustedProxies('10.0.0.1/8/2'), /not an IP address/);
  });
});

describe('rate limits', () => {
  test('a burst, then one per interval, per key', () => {
    const limiter = new RateLimiter({ burst: 3, perSecond: 1 });
    const start = 1_000_000;
    assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a', start)), [true, true, true, false]);
    assert.equal(limiter.take('b', start), true, 'another key has its own bucket');
    assert.equal(limiter.retryAfterSeconds('a', start), 1);
    assert.equal(limiter.take('a', start + 999), false);
    assert.equal(limiter.take('a', start + 2000), true);
  });

  test('a stranger inventing keys cannot grow the map past its bound', () => {
    const limiter = new RateLimiter({ burst: 1, perSecond: 1, maxKeys: 100 });
    for (let index = 0; index < 10_000; index++) limiter.take(`key-${index}`, 0);
    assert.equal((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size, 100);
    // The least recently used went first: the newest keys are still limited.
    assert.equal(limiter.take('key-9999', 0), false);
  });
});

describe('request bodies', () => {
  /** A chunked body (no Content-Length) of `total` bytes; counts how many bytes were pulled from it. */
  function chunkedRequest(total: number, chunk = 64 * 1024) {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        const size = Math.min(chunk, total - pulled);
        pulled += size;
        controller.enqueue(new Uint8Array(size).fill(0x20));
      },
    });
    const request = new Request('http://televisit.test/api', { method: 'POST', body, duplex: 'half' } as RequestInit);
    return { request, pulled: () => pulled };
  }

  test('a chunked body over the cap is refused with 413 as soon as the cap is passed, not read whole', async () => {
    const { request, pulled } = chunkedRequest(100 * 1024 * 1024);
    await assert.rejects(readJsonBody(request), (error) => error instanceof AppError && error.status === 413);
    assert.ok(pulled() <= JSON_BODY_MAX_BYTES + 2 * 64 * 1024, `read ${pulled()} bytes of 100 MB`);
  });

  test('a declared Content-Length over the cap is refused before reading anything', async () => {
    const request = new Request('http://televisit.test/api', { method: 'POST', body: 'x', headers: { 'Content-Length': String(JSON_BODY_MAX_BYTES + 1) } });
    await assert.rejects(readJsonBody(request), (error) => error instanceof AppError && error.status === 413);
  });

  test('JSON within the cap is read; anything else is a 400', async () => {
    assert.deepEqual(await readJsonBody(new Request('http://televisit.test/api', { method: 'POST', body: '{"a":[1,"é"]}' })), { a: [1, 'é'] });
    await assert.rejects(readJsonBody(new Request('http://televisit.test/api', { method: 'POST', body: '{"a":' })), (error) => error instanceof AppError && error.status === 400);
    await assert.rejects(readJsonBody(new Request('http://televisit.test/api', { method: 'POST' })), (error) => error instanceof AppError && error.status === 400);
  });
});

describe('proxy setting check', () => {
  const none = parseTrustedProxies('');
  test('a relayed request from a private address missing from TRUSTED_PROXIES gets a clear warning', () => {
    const warning = proxyWarning({ 'x-televisit-peer': '10.1.2.3', 'x-forwarded-for': '203.0.113.9' }, none);
    assert.match(warning ?? '', /TRUSTED_PROXIES does not include 10\.1\.2\.3/);
  });
  test('no warning for a trusted proxy, a direct request, or a public client that sets the header itself', () => {
    assert.equal(proxyWarning({ 'x-televisit-peer': '10.1.2.3', 'x-forwarded-for': '203.0.113.9' }, parseTrustedProxies('10.0.0.0/8')), null);
    assert.equal(proxyWarning({ 'x-televisit-peer': '10.1.2.3' }, none), null);
    assert.equal(proxyWarning({ 'x-televisit-peer': '198.51.100.4', 'x-forwarded-for': '10.1.2.3' }, none), null);
  });
});
