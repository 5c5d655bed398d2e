import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EnvError, parseEnv } from '../lib/env.ts';

type Vars = Record<string, string | undefined>;

/** parseEnv on a plain record (Next.js types NODE_ENV as always present in ProcessEnv). */
function parse(vars: Vars) {
  return parseEnv(vars as NodeJS.ProcessEnv);
}

const MASTER_KEY = randomBytes(32).toString('base64');
const AUTH_SECRET = randomBytes(32).toString('base64');
const POSTGRES = {
  DATABASE_URL: 'postgres://televisit@db.example.org:5432/televisit',
  TELEVISIT_MASTER_KEY: MASTER_KEY,
  NEXTAUTH_SECRET: AUTH_SECRET,
  NEXTAUTH_URL: 'https://televisit.example.org',
};

/** The EnvError message parseEnv throws for this environment; fails the test if it parses. */
function problems(source: Vars): string {
  try {
    parse(source);
  } catch (error) {
    assert.ok(error instanceof EnvError, `expected EnvError, got ${String(error)}`);
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(source)} to be refused`);
}

describe('parseEnv', () => {
  test('an empty environment gets the embedded defaults', () => {
    const parsed = parse({});
    assert.equal(parsed.NODE_ENV, 'production');
    assert.equal(parsed.PORT, 3000);
    assert.equal(parsed.DATABASE_URL, undefined);
    assert.equal(parsed.DATA_DIR, './data');
    assert.equal(parsed.TELEVISIT_MASTER_KEY, undefined);
    assert.equal(parsed.NEXTAUTH_SECRET, undefined);
    assert.equal(parsed.ADMIN_SESSION_HOURS, 8);
    assert.deepEqual(parsed.ICE_SERVERS, []);
  });

  test('PORT and ADMIN_SESSION_HOURS are read as numbers', () => {
    const parsed = parse({ PORT: '8080', ADMIN_SESSION_HOURS: '12', NODE_ENV: 'development' });
    assert.equal(parsed.PORT, 8080);
    assert.equal(parsed.ADMIN_SESSION_HOURS, 12);
    assert.equal(parsed.NODE_ENV, 'development');
  });

  test('a PORT that is not a number from 1 to 65535 is refused', () => {
    for (const port of ['abc', '0', '65536', '80.5', '-1']) assert.match(problems({ PORT: port }), /- PORT: /, port);
    assert.equal(parse({ PORT: '65535' }).PORT, 65535);
    assert.equal(parse({ PORT: '1' }).PORT, 1);
  });


  test('ADMIN_SESSION_HOURS outside 1 to 720 is refused', () => {
    assert.match(problems({ ADMIN_SESSION_HOURS: '0' }), /ADMIN_SESSION_HOURS/);
    assert.match(problems({ ADMIN_SESSION_HOURS: '721' }), /ADMIN_SESSION_HOURS/);
  });

  test('DATABASE_URL must be a postgres:// or postgresql:// URL', () => {
    assert.equal(parse(POSTGRES).DATABASE_URL, POSTGRES.DATABASE_URL);
    assert.equal(parse({ ...POSTGRES, DATABASE_URL: 'postgresql://db/televisit' }).DATABASE_URL, 'postgresql://db/televisit');
    for (const url of ['mysql://db/televisit', 'db.example.org:5432', 'file:./data']) {
      assert.match(problems({ ...POSTGRES, DATABASE_URL: url }), /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
    }
  });

  test('DATABASE_URL without TELEVISIT_MASTER_KEY is refused naming the variable', () => {
    const message = problems({ ...POSTGRES, TELEVISIT_MASTER_KEY: undefined });
    assert.match(message, /TELEVISIT_MASTER_KEY is required with DATABASE_URL/);
    assert.doesNotMatch(message, /NEXTAUTH_SECRET/);
  });

  test('DATABASE_URL without NEXTAUTH_SECRET is refused naming the variable', () => {
    const message = problems({ ...POSTGRES, NEXTAUTH_SECRET: undefined });
    assert.match(message, /NEXTAUTH_SECRET is required with DATABASE_URL/);
    assert.doesNotMatch(message, /TELEVISIT_MASTER_KEY/);
  });

  test('DATABASE_URL without either secret names both', () => {
    const message = problems({ DATABASE_URL: POSTGRES.DATABASE_URL });
    assert.match(message, /TELEVISIT_MASTER_KEY is required/);
    assert.match(message, /NEXTAUTH_SECRET is required/);
  });

  test('a master key that is not base64 of 32 bytes is refused', () => {
    for (const key of [randomBytes(31).toString('base64'), randomBytes(33).toString('base64'), randomBytes(32).toString('hex')]) {
      assert.match(problems({ TELEVISIT_MASTER_KEY: key }), /TELEVISIT_MASTER_KEY must be base64 of exactly 32 bytes/);
    }
    assert.equal(parse({ TELEVISIT_MASTER_KEY: MASTER_KEY }).TELEVISIT_MASTER_KEY, MASTER_KEY);
  });

  test('a NEXTAUTH_SECRET shorter than 32 characters is refused', () => {
    assert.match(problems({ NEXTAUTH_SECRET: 'x'.repeat(31) }), /NEXTAUTH_SECRET must be at least 32 characters/);
    assert.equal(parse({ NEXTAUTH_SECRET: 'x'.repeat(32) }).NEXTAUTH_SECRET, 'x'.repeat(32));
  });

  test('NEXTAUTH_URL must be an absolute URL', () => {
    assert.match(problems({ NEXTAUTH_URL: '/admin' }), /NEXTAUTH_URL must be an absolute URL/);
    assert.equal(parse({ NEXTAUTH_URL: 'https://televisit.example.org' }).NEXTAUTH_URL, 'https://televisit.example.org');
  });

  test('ICE_SERVERS JSON is parsed into a list of servers', () => {
    const servers = [
      { urls: 'stun:stun.example.org:3478' },
      { urls: ['turn:turn.example.org:3478', 'turns:turn.example.org:5349'], username: 'u', credential: 'c' },
    ];
    assert.deepEqual(parse({ ICE_SERVERS: JSON.stringify(servers) }).ICE_SERVERS, servers);
  });

  test('ICE_SERVERS that is not JSON, not an array, or has a server without urls is refused', () => {
    for (const value of ['stun:stun.example.org', '{"urls":"stun:x"}', '[{"username":"u"}]', '[{"urls":[]}]', '[{"urls":""}]']) {
      assert.match(problems({ ICE_SERVERS: value }), /ICE_SERVERS must be a JSON array/, value);
    }
  });

  test('the error message lists every field problem, one line each', () => {
    const message = problems({ PORT: 'abc', DATABASE_URL: 'mysql://db', TELEVISIT_MASTER_KEY: 'short', ICE_SERVERS: 'nope' });
    assert.match(message, /^Televisit cannot start/);
    assert.match(message, /\n {2}- PORT: /);
    assert.match(message, /\n {2}- DATABASE_URL: /);
    assert.match(message, /\n {2}- TELEVISIT_MASTER_KEY: /);
    assert.match(message, /\n {2}- ICE_SERVERS: /);
    // The four field problems, and the missing NEXTAUTH_SECRET and NEXTAUTH_URL that DATABASE_URL needs.
    assert.equal(message.split('\n').length, 7);
  });

  test(
    'the error message also lists the missing secrets when another setting is wrong',
    () => {
      const message = problems({ PORT: 'abc', DATABASE_URL: POSTGRES.DATABASE_URL });
      assert.match(message, /- PORT: /);
      assert.match(message, /TELEVISIT_MASTER_KEY is required/);
      assert.match(message, /NEXTAUTH_SECRET is required/);
    },
  );

  test('production (DATABASE_URL) needs NEXTAUTH_URL: cookies, sign-in redirects and OAuth come from it', () => {
    const { NEXTAUTH_URL: _url, ...withoutUrl } = POSTGRES;
    assert.match(problems(withoutUrl), /NEXTAUTH_URL is required with DATABASE_URL/);
    assert.match(problems({ NEXTAUTH_URL: 'ftp://televisit.example.org' }), /NEXTAUTH_URL must start with https:\/\//);
    // The embedded default (no DATABASE_URL) runs without it.
    assert.equal(parse({}).NEXTAUTH_URL, undefined);
  });

  test('JANUS_URL is the WebSocket URL of Janus\' API; its API secret alone is refused', () => {
    assert.equal(parse({ JANUS_URL: 'ws://127.0.0.1:8188', JANUS_API_SECRET: 's' }).JANUS_URL, 'ws://127.0.0.1:8188');
    assert.equal(parse({ JANUS_URL: 'wss://janus.hospital.org/ws' }).JANUS_URL, 'wss://janus.hospital.org/ws');
    assert.match(problems({ JANUS_URL: 'http://127.0.0.1:8088/janus' }), /JANUS_URL must start with ws:\/\/ or wss:\/\//);
    assert.match(problems({ JANUS_URL: '127.0.0.1:8188' }), /JANUS_URL must be the WebSocket URL/);
    assert.match(problems({ JANUS_API_SECRET: 's' }), /JANUS_URL is required with JANUS_API_SECRET/);
  });

  test('TRUSTED_PROXIES is a list of addresses and ranges; anything else stops the server', () => {
    assert.equal(parse({ TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).TRUSTED_PROXIES, '10.0.0.0/8, ::1');
    assert.match(problems({ TRUSTED_PROXIES: 'proxy.internal' }), /TRUSTED_PROXIES: "proxy.internal" is not an IP address/);
  });
});
