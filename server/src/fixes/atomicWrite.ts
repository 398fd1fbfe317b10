import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes a file through a temp file in the same folder and a rename, so a crash never leaves half a file. */
export function writeFileAtomic(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let mode: number | undefined;
  try {
    mode = fs.statSync(file).mode;
  } catch {
    /* a new file */
  }
  try {
    fs.writeFileSync(temp, text, { mode });
    fs.renameSync(temp, file);
  } catch (err) {
    try {
      fs.unlinkSync(temp);
    } catch {
      /* already gone */
    }
    throw err;
  }
}
