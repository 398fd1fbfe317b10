// Test harness for the runner: ONE real ephemeral PostgreSQL cluster per test file (started with
// the runner's own local-binaries target, torn down in after()), fresh databases on it per test,
// and the real Pythons with Alembic. No mocks of Postgres or Alembic.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createScratchDatabase, type ScratchDatabase } from '../../server/src/runner/scratchDatabase';
import { LocalClusterTarget } from '../../server/src/runner/targets/localCluster';

/** The repository root, from out/test/support (compiled) or test/support (source). */
export const REPO_ROOT = findRepoRoot(__dirname);

export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'runner');

export function fixtureDir(name: string): string {
  return path.join(FIXTURES, name);
}

/** <repo>/.venv/bin/python (Alembic 1.20 / SQLAlchemy 2.x), made by scripts/setup-python.sh. */
export function venvPython(): string {
  const python = path.join(REPO_ROOT, '.venv', 'bin', 'python');
  if (!fs.existsSync(python)) {
    throw new Error(
      `The runner tests need ${python} with Alembic: run scripts/setup-python.sh (python3 -m venv .venv && .venv/bin/pip install alembic psycopg2-binary).`,
    );
  }
  return python;
}

/** Debian's /usr/bin/python3 with python3-alembic (Alembic 1.8 / SQLAlchemy 1.4). */
export function debianPython(): string {
  const python = '/usr/bin/python3';
  if (!fs.existsSync('/usr/lib/python3/dist-packages/alembic')) {
    throw new Error(
      "The runner tests need Debian's Alembic for /usr/bin/python3: run scripts/setup-python.sh " +
        '(apt-get install python3-alembic python3-sqlalchemy python3-psycopg2).',
    );
  }
  return python;
}

/** Both interpreters the helper must work with, labelled for test titles. */
export const PYTHONS: Array<{ label: string; python: () => string }> = [
  { label: 'Alembic 1.20 / SQLAlchemy 2 (venv)', python: venvPython },
  { label: 'Alembic 1.8 / SQLAlchemy 1.4 (Debian)', python: debianPython },
];

export interface PostgresHarness {
  /** The file's cluster (started in before()). */
  readonly cluster: LocalClusterTarget;
  /** URL of the cluster's `postgres` database. */
  url(): string;
  /** A new empty database, dropped in after(). */
  freshDatabase(): Promise<ScratchDatabase>;
}

/**
 * Registers before()/after() hooks in the calling describe() that start one real cluster and tear
 * it down. Fails with a clear message when the PostgreSQL binaries are missing.
 */
export function usePostgresCluster(): PostgresHarness {
  const cluster = new LocalClusterTarget();
  const databases: ScratchDatabase[] = [];
  before(async function () {
    this.timeout(60_000);
    try {
      await cluster.start();
    } catch (error) {
      throw new Error(
        `Could not start the test's PostgreSQL cluster (run scripts/setup-postgres.sh): ${(error as Error).message}`,
      );
    }
  });
  after(async function () {
    this.timeout(30_000);
    for (const database of databases) await database.drop().catch(() => undefined);
    await cluster.stop();
  });
  return {
    cluster,
    url: () => cluster.url(),
    async freshDatabase() {
      const database = await createScratchDatabase(cluster.url(), 'test');
      databases.push(database);
      return database;
    },
  };
}

/** PIDs of processes whose command line mentions `needle` (e.g. a cluster's data folder). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Waits until `condition` holds (processes take a moment to go away after SIGKILL). */
export async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'test', 'fixtures'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start, '..', '..', '..');
    dir = parent;
  }
}
