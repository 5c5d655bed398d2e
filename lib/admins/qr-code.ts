import qrcode from 'qrcode-generator';

/**
 * A QR code as one SVG path (a 1×1 square per dark module), for an authenticator app's camera: drawn
 * by the page as an <svg>, no image file and no script. Error correction M, the version chosen by
 * the length of the text; `size` includes the quiet zone of 4 modules the standard asks for.
 */
export function qrCodePath(text: string): { size: number; path: string } {
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  const modules = code.getModuleCount();
  const quiet = 4;
  const squares: string[] = [];
  for (let row = 0; row < modules; row++) {
    for (let column = 0; column < modules; column++) {
      if (code.isDark(row, column)) squares.push(`M${column + quiet} ${row + quiet}h1v1h-1z`);
    }
  }
  return { size: modules + 2 * quiet, path: squares.join('') };
}
