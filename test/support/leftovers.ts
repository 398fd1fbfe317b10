// What a fault test checks was left behind: the user's project byte for byte, and processes still
// working in a folder of the test's own.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** SHA-256 over every entry under `dir` (relative path, kind, mode, content), in sorted order. */
export function hashTree(dir: string): string {
  const hash = createHash('sha256');
  const walk = (relative: string) => {
    const full = path.join(dir, relative);
    const stat = fs.lstatSync(full);
    hash.update(`${relative}\0${stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : 'f'}\0${stat.mode}\0`);
    if (stat.isDirectory()) for (const name of fs.readdirSync(full).sort()) walk(path.join(relative, name));
    else if (stat.isSymbolicLink()) hash.update(fs.readlinkSync(full));
    else hash.update(fs.readFileSync(full));
  };
  walk('.');
  return hash.digest('hex');
}

/** PIDs of processes whose working folder is `dir` or below (the Alembic helper runs in the project). */
export function processesWorkingIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}
