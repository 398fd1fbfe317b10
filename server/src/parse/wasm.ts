import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Finds a WASM file shipped beside the bundle (dist/, where scripts/bundle.mjs copies them) or,
 * when running from the type-checked output during tests, inside its npm package.
 */
export function locateWasm(fileName: string, packageFile: string): string {
  const besideBundle = path.join(__dirname, fileName);
  if (fs.existsSync(besideBundle)) return besideBundle;
  return require.resolve(packageFile);
}
