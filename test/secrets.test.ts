import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openSecret, sameSecret, sealSecret } from '../lib/secrets.ts';

const KEY = randomBytes(32);
const PLAINTEXT = 'epic-shared-secret-Ünïcode-😀';

/** Flips one bit of one base64 part (1 = IV, 2 = tag, 3 = ciphertext) of a sealed value. */
function tamper(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[part]!, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64');
  return parts.join(':');
}

describe('sealSecret and openSecret', () => {
  test('a sealed secret opens to the same text with the same field and key', () => {
    const sealed = sealSecret(PLAINTEXT, 'encryptionSecret', KEY);
    assert.equal(openSecret(sealed, 'encryptionSecret', KEY), PLAINTEXT);
  });

  test('an empty secret round-trips', () => {
    assert.equal(openSecret(sealSecret('', 'authPassword', KEY), 'authPassword', KEY), '');
  });

  test('the sealed value is versioned and has IV, tag and ciphertext parts', () => {
    const [version, iv, tag, body, ...rest] = sealSecret(PLAINTEXT, 'encryptionSecret', KEY).split(':');
    assert.equal(version, 'v1');
    assert.equal(Buffer.from(iv!, 'base64').length, 12);
    assert.equal(Buffer.from(tag!, 'base64').length, 16);
    assert.equal(Buffer.from(body!, 'base64').length, Buffer.byteLength(PLAINTEXT));
    assert.deepEqual(rest, []);
  });

  test('sealing the same text twice gives different values (random IV)', () => {
    const first = sealSecret(PLAINTEXT, 'encryptionSecret', KEY);
    const second = sealSecret(PLAINTEXT, 'encryptionSecret', KEY);
    assert.notEqual(first, second);
    assert.notEqual(first.split(':')[1], second.split(':')[1]);
    assert.equal(openSecret(second, 'encryptionSecret', KEY), PLAINTEXT);
  });

  test('a value sealed for one field does not open as another field', () => {
    const sealed = sealSecret(PLAINTEXT, 'encryptionSecret', KEY);
    assert.throws(() => openSecret(sealed, 'authPassword', KEY));
  });

  test('a value does not open with a different master key', () => {
    const sealed = sealSecret(PLAINTEXT, 'encryptionSecret', KEY);
    assert.throws(() => openSecret(sealed, 'encryptionSecret', randomBytes(32)));
  });

  test('a tampered ciphertext, tag or IV does not open', () => {
    const sealed = sealSecret(PLAINTEXT, 'encryptionSecret', KEY);
    for (const part of [3, 2, 1] as const) {
      assert.throws(() => openSecret(tamper(sealed, part), 'encryptionSecret', KEY), `part ${part}`);
    }
  });

  test('a value in an unknown format is refused naming the field', () => {
    assert.throws(() => openSecret('plain-text-secret', 'oauthClientSecret', KEY), /sealed oauthClientSecret has an unknown format/);
    const sealed = sealSecret(PLAINTEXT, 'encryptionSecret', KEY);
    assert.throws(() => openSecret(sealed.replace(/^v1:/, 'v2:'), 'encryptionSecret', KEY), /unknown format/);
  });

  test('the sealed text contains neither the plaintext nor its base64', () => {
    const secret = 'AAAAAAAAAAAAAAAA-very-recognisable-secret';
    const sealed = sealSecret(secret, 'encryptionSecret', KEY);
    assert.ok(!sealed.includes(secret));
    assert.ok(!sealed.includes('very-recognisable'));
    assert.ok(!sealed.includes(Buffer.from(secret).toString('base64').slice(0, 16)));
  });
});

describe('sameSecret', () => {
  test('accepts only the same token, whatever the lengths, and never throws on a length mismatch', () => {
    const token = 'e2e-metrics-token-0123456789';
    assert.equal(sameSecret(token, token), true);
    for (const wrong of ['', 'e', token.slice(0, -1), `${token}0`, token.toUpperCase(), 'x'.repeat(10_000)]) assert.equal(sameSecret(wrong, token), false);
  });
});
