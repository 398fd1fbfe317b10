// Finds PostgreSQL server binaries on this machine (Debian/Ubuntu layout: /usr/lib/postgresql/<major>/bin),
// preferring the major version the project targets.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunnerSetupError } from '../errors';

export interface PostgresBinaries {
  major: number;
  binDir: string;
  initdb: string;
  pgCtl: string;
}

const REQUIRED = ['initdb', 'pg_ctl', 'postgres'];

export function findPostgresBinaries(
  preferredMajor: number,
  searchRoot = '/usr/lib/postgresql',
  binDir?: string,
): PostgresBinaries {
  if (binDir) {
    const found = binariesIn(binDir, majorFromPath(binDir) ?? preferredMajor);
    if (!found) throw missingBinaries(preferredMajor, `no initdb/pg_ctl/postgres in ${binDir}`);
    return found;
  }
  const candidates: PostgresBinaries[] = [];
  for (const entry of safeReaddir(searchRoot)) {
    const major = Number(entry);
    if (!Number.isInteger(major)) continue;
    const found = binariesIn(path.join(searchRoot, entry, 'bin'), major);
    if (found) candidates.push(found);
  }
  const preferred = candidates.find((c) => c.major === preferredMajor);
  if (preferred) return preferred;
  // Any other installed major still proves migrations run; the newest is the closest to production.
  const newest = candidates.sort((a, b) => b.major - a.major)[0];
  if (newest) return newest;
  throw missingBinaries(preferredMajor, `no PostgreSQL server binaries in ${searchRoot}/*/bin`);
}

function missingBinaries(major: number, detail: string): RunnerSetupError {
  return new RunnerSetupError(
    `Cannot start a local PostgreSQL cluster: ${detail}.`,
    `Install postgresql-${major} (apt-get install -y postgresql-${major}), or start a Docker ` +
      `engine (--target docker), or give a database URL (--target url --url postgresql://…).`,
  );
}

function binariesIn(dir: string, major: number): PostgresBinaries | undefined {
  const ok = REQUIRED.every((name) => isExecutable(path.join(dir, name)));
  return ok ? { major, binDir: dir, initdb: path.join(dir, 'initdb'), pgCtl: path.join(dir, 'pg_ctl') } : undefined;
}

function majorFromPath(dir: string): number | undefined {
  const match = /postgresql\/(\d+)\//.exec(dir + '/');
  return match ? Number(match[1]) : undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
