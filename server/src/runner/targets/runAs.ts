// initdb and postgres refuse to run as root: as root we run them as the `postgres` system user
// through runuser; as anyone else, directly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunnerSetupError } from '../errors';

export interface RunAs {
  /** Wraps a command so it runs as the server's user. */
  command(file: string, args: readonly string[]): { file: string; args: string[] };
  /** uid/gid the cluster's folder must belong to, when it must change owner. */
  owner?: { uid: number; gid: number };
}

export function runAsForCurrentUser(serverUser = 'postgres'): RunAs {
  if (process.getuid?.() !== 0) return { command: (file, args) => ({ file, args: [...args] }) };
  const owner = lookupUser(serverUser);
  if (!owner) {
    throw new RunnerSetupError(
      `PostgreSQL refuses to run as root and there is no '${serverUser}' user to run it as.`,
      `Install postgresql-15 (it creates the user), or create a '${serverUser}' system user, or run as a regular user.`,
    );
  }
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => fs.existsSync(p)) ?? 'runuser';
  return { command: (file, args) => ({ file: runuser, args: ['-u', serverUser, '--', file, ...args] }), owner };
}

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  let passwd: string;
  try {
    passwd = fs.readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * The first folder from `dir` up to / that `owner` may not pass through (no search permission),
 * else undefined. As root the cluster runs as `postgres`: a TMPDIR such as a mkdtemp folder
 * (mode 0700, root's) would make initdb fail with a bare "Permission denied".
 */
export function closedAncestor(dir: string, owner: { uid: number; gid: number }): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(current);
    } catch {
      return undefined; // reported by whatever touches it first
    }
    const bit = stat.uid === owner.uid ? 0o100 : stat.gid === owner.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return current;
    if (path.dirname(current) === current) return undefined;
  }
}
