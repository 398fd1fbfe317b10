import * as fs from 'node:fs';

/** Reads a file as UTF-8 text; undecodable bytes become U+FFFD rather than an exception. */
export function readText(file: string): string {
  return fs.readFileSync(file).toString('utf8');
}
