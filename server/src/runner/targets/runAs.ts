// initdb and postgres refuse to run as root: as root we run them as the `postgres` system user
// through runuser; as anyone else, directly.
import * as fs from 'node:fs';
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
