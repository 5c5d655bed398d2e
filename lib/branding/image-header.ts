// What an image file says about itself in its first bytes: PNG or JPEG, and its stated size.
// Pure, so the settings page can refuse a GIF, an SVG, a text file named .png or an oversized
// image before uploading it, without decoding a single pixel (a decompression bomb costs nothing).
// The server decides again with sharp (lib/branding/logo.ts).

export type ImageHeader = { format: 'png' | 'jpeg'; width: number; height: number } | { format: 'other' };

/** How many leading bytes to read: a JPEG's size can follow a large EXIF block. */
export const IMAGE_HEADER_BYTES = 128 * 1024;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// Start-of-frame markers carry the size; C4 (Huffman tables), C8 and CC are not frames.
const JPEG_FRAME_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && PNG_SIGNATURE.every((value, index) => bytes[index] === value)) {
    // The first chunk is IHDR: width and height, big-endian, at bytes 16 and 20.
    if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return { format: 'other' };
    return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return { format: 'other' };
      const marker = bytes[offset + 1]!;
      if (marker === 0xff) {
        offset++;
        continue;
      }
      if (JPEG_FRAME_MARKERS.has(marker)) return { format: 'jpeg', height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
      offset += 2 + view.getUint16(offset + 2);
    }
  }
  return { format: 'other' };
}
