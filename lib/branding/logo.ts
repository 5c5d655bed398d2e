import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';
import { LOGO_MAX_BYTES, LOGO_MAX_HEIGHT, LOGO_MAX_WIDTH } from '@/lib/settings/schema';

export interface ProcessedLogo {
  hash: string;
  contentType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  bytes: Buffer;
}

export class LogoError extends Error {}

/**
 * Proves the upload is a PNG or JPEG by its content (not its name or MIME type), enforces the
 * size and dimension limits, and re-encodes it so no metadata (GPS, camera) is served to patients.
 */
export async function processLogo(input: Buffer): Promise<ProcessedLogo> {
  if (input.length === 0) throw new LogoError('The logo file is empty');
  if (input.length > LOGO_MAX_BYTES) throw new LogoError('The logo must be at most 2 MB');

  // metadata() reads only the header, so a decompression bomb is refused by its stated size
  // before any pixel is decoded.
  let metadata: Metadata;
  try {
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    throw new LogoError('The logo must be a PNG or JPEG image');
  }
  if (metadata.format !== 'png' && metadata.format !== 'jpeg') {
    throw new LogoError('The logo must be a PNG or JPEG image');
  }
  // A phone photo stored sideways is shown upright, so its upright size is what counts.
  const sideways = (metadata.orientation ?? 1) >= 5;
  const width = sideways ? metadata.height : metadata.width;
  const height = sideways ? metadata.width : metadata.height;
  if (!width || !height) throw new LogoError('The logo must be a PNG or JPEG image');
  if (width > LOGO_MAX_WIDTH || height > LOGO_MAX_HEIGHT) {
    throw new LogoError(
      `The logo is ${width}x${height} pixels; the maximum is ${LOGO_MAX_WIDTH}x${LOGO_MAX_HEIGHT}`,
    );
  }

  let bytes: Buffer;
  try {
    // The pixel limit also guards the full decode, should the header have lied.
    const image = sharp(input, { limitInputPixels: LOGO_MAX_WIDTH * LOGO_MAX_HEIGHT, failOn: 'error' }).rotate();
    bytes = metadata.format === 'png'
      ? await image.png({ compressionLevel: 9 }).toBuffer()
      : await image.jpeg({ quality: 90, mozjpeg: true }).toBuffer();
  } catch {
    throw new LogoError('The logo image is damaged and cannot be read');
  }
  return {
    hash: createHash('sha256').update(bytes).digest('hex'),
    contentType: metadata.format === 'png' ? 'image/png' : 'image/jpeg',
    width,
    height,
    bytes,
  };
}

export function logoUrl(hash: string): string {
  return `/branding/logo/${hash}`;
}
