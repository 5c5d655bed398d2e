import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { LogoError, logoUrl, processLogo } from '../lib/branding/logo.ts';
import { gif, jpeg, jpegWithExif, png, pngBomb, pngOfExactSize, svg, textFile } from './fixtures/images.ts';

const TWO_MB = 2 * 1024 * 1024;
const PNG_OR_JPEG = /The logo must be a PNG or JPEG image/;

async function refusal(input: Buffer): Promise<LogoError> {
  try {
    await processLogo(input);
  } catch (error) {
    assert.ok(error instanceof LogoError, `expected LogoError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the logo to be refused');
}

describe('processLogo', () => {
  test('an 800x600 PNG is accepted as image/png', async () => {
    const logo = await processLogo(await png(800, 600));
    assert.equal(logo.contentType, 'image/png');
    assert.equal(logo.width, 800);
    assert.equal(logo.height, 600);
    const metadata = await sharp(logo.bytes).metadata();
    assert.equal(metadata.format, 'png');
    assert.equal(metadata.width, 800);
    assert.equal(metadata.height, 600);
  });

  test('an 800x600 JPEG is accepted as image/jpeg', async () => {
    const logo = await processLogo(await jpeg(800, 600));
    assert.equal(logo.contentType, 'image/jpeg');
    assert.equal(logo.width, 800);
    assert.equal(logo.height, 600);
    assert.equal((await sharp(logo.bytes).metadata()).format, 'jpeg');
  });

  test('the content decides the type: PNG bytes are image/png whatever the file was called', async () => {
    // processLogo never sees the name or the browser's MIME type, only these bytes.
    const logo = await processLogo(await png(40, 30));
    assert.equal(logo.contentType, 'image/png');
  });

  test('a small logo is accepted at its own size', async () => {
    const logo = await processLogo(await jpeg(1, 1));
    assert.equal(logo.width, 1);
    assert.equal(logo.height, 1);
  });

  test('GIF, SVG and plain text are refused as not PNG or JPEG', async () => {
    for (const input of [await gif(100, 100), svg(100, 100), textFile()]) {
      assert.match((await refusal(input)).message, PNG_OR_JPEG);
    }
  });

  test('an empty file is refused', async () => {
    assert.match((await refusal(Buffer.alloc(0))).message, /empty/);
  });

  test('a PNG or JPEG cut off halfway through its pixels is refused as damaged', async () => {
    const noise = await pngOfExactSize(1_500_000); // 800x600 stored uncompressed: 1.44 MB of pixel rows
    assert.match((await refusal(noise.subarray(0, 700_000))).message, /damaged/);
    const photo = await jpeg(800, 600);
    assert.match((await refusal(photo.subarray(0, Math.floor(photo.length / 2)))).message, /damaged/);
  });

  test('a logo wider than 800 pixels is refused naming both sizes', async () => {
    // 1000x400 has fewer pixels than 800x600, so only the width check can refuse it.
    const { message } = await refusal(await png(1000, 400));
    assert.match(message, /1000x400/);
    assert.match(message, /800x600/);
  });

  test('a logo taller than 600 pixels is refused naming both sizes', async () => {
    const { message } = await refusal(await jpeg(300, 700));
    assert.match(message, /300x700/);
    assert.match(message, /800x600/);
  });

  test('801x600 is refused with a message naming 801x600 and 800x600', async () => {
    const { message } = await refusal(await png(801, 600));
    assert.match(message, /801x600/);
    assert.match(message, /800x600/);
  });

  test('800x601 is refused with a message naming 800x601 and 800x600', async () => {
    const { message } = await refusal(await jpeg(800, 601));
    assert.match(message, /800x601/);
    assert.match(message, /800x600/);
  });

  test('801x600 and 800x601 are refused', async () => {
    await refusal(await png(801, 600));
    await refusal(await jpeg(800, 601));
  });

  test('a valid PNG of exactly 2 MB is accepted', async () => {
    const input = await pngOfExactSize(TWO_MB);
    assert.equal(input.length, TWO_MB);
    const logo = await processLogo(input);
    assert.equal(logo.contentType, 'image/png');
    assert.equal(logo.width, 800);
    assert.equal(logo.height, 600);
  });

  test('a valid PNG of 2 MB + 1 byte is refused naming 2 MB', async () => {
    const input = await pngOfExactSize(TWO_MB + 1);
    assert.equal(input.length, TWO_MB + 1);
    assert.match((await refusal(input)).message, /2 MB/);
  });

  test('a decompression bomb (20000x20000 in a small file) is refused in under a second', async () => {
    const bomb = pngBomb();
    assert.ok(bomb.length < 100_000, `the bomb should be small, is ${bomb.length} bytes`);
    const started = performance.now();
    await refusal(bomb);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `took ${Math.round(elapsed)} ms`);
  });

  test('re-encoding strips EXIF metadata', async () => {
    const input = await jpegWithExif(200, 100, 'secret-gps');
    assert.ok((await sharp(input).metadata()).exif, 'the fixture should carry EXIF');
    assert.ok(input.includes('secret-gps'));
    const logo = await processLogo(input);
    const metadata = await sharp(logo.bytes).metadata();
    assert.equal(metadata.exif, undefined);
    assert.ok(!logo.bytes.includes('secret-gps'));
  });

  test(
    'a JPEG with an EXIF orientation keeps looking upright after re-encoding',
    async () => {
      // Stored 200x100, displayed 100x200 because of Orientation 6 (rotate 90° clockwise).
      const input = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#2060a0' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer();
      const logo = await processLogo(input);
      const output = await sharp(logo.bytes).metadata();
      const turned = (output.orientation ?? 1) >= 5;
      assert.deepEqual(turned ? [output.height, output.width] : [output.width, output.height], [100, 200]);
    },
  );

  test('the hash is the sha256 of the output bytes, and the URL is built from it', async () => {
    const logo = await processLogo(await png(64, 48));
    assert.equal(logo.hash, createHash('sha256').update(logo.bytes).digest('hex'));
    assert.match(logo.hash, /^[0-9a-f]{64}$/);
    assert.equal(logoUrl(logo.hash), `/branding/logo/${logo.hash}`);
  });

  test('the same image gives the same hash', async () => {
    const input = await png(64, 48);
    assert.equal((await processLogo(input)).hash, (await processLogo(Buffer.from(input))).hash);
  });
});
