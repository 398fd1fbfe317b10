// "No space left on device" reaches the runner in several shapes: ENOSPC from Node's fs, initdb's
// or pg_ctl's stderr, a PANIC in PostgreSQL's log (it could not write WAL, so every connection
// dropped) or SQLSTATE 53100 from a migration. Raw, each reads like a crash of Schema Warden or a
// broken migration; all of them become one message saying the disk is full, where, and what to do.
import * as fs from 'node:fs';
import { RunnerSetupError } from './errors';

// Case-sensitive ENOSPC: a folder may well be called "enospc-test".
const NO_SPACE = /No space left on device|\bENOSPC\b/;

/** PostgreSQL's SQLSTATE for disk_full. */
export const PG_DISK_FULL = '53100';

/** True when an error or a piece of output (stderr, a server log) says the disk is full. */
export function saysDiskFull(errorOrText: unknown): boolean {
  if (typeof errorOrText === 'string') return NO_SPACE.test(errorOrText);
  if (!(errorOrText instanceof Error)) return false;
  if ((errorOrText as NodeJS.ErrnoException).code === 'ENOSPC') return true;
  return NO_SPACE.test(errorOrText.message);
}

/** The disk under `where` is full. */
export class DiskFullError extends RunnerSetupError {
  constructor(
    readonly where: string,
    doing: string,
    detail: string,
  ) {
    super(
      `The disk is full: no space left on the file system holding ${where}${freeSpace(where)} while ${doing}${detail ? ` (${oneLine(detail)})` : ''}.`,
      "Free some space there, or point the runner's temporary folder at a disk with room " +
        '(TMPDIR=/path/with/space, at least 100 MB free), or use --target docker or --target url. ' +
        'Nothing was left running and your project was not changed.',
    );
    this.name = 'DiskFullError';
  }
}

function freeSpace(where: string): string {
  try {
    const stats = fs.statfsSync(where);
    const mb = (blocks: number) => `${Math.round((blocks * stats.bsize) / (1024 * 1024))} MB`;
    return ` (${mb(stats.bavail)} free of ${mb(stats.blocks)})`;
  } catch {
    return '';
  }
}

/** The line of `text` that says so, without PostgreSQL's log prefix; else its first line. */
function oneLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const line = lines.find((l) => NO_SPACE.test(l)) ?? lines[0] ?? '';
  return line.replace(/^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] /, '').slice(0, 300);
}
