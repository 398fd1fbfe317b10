// Measures the runner's performance budgets on this machine, for `npm run bench` (and by hand:
// node out/test/runner/roundTripBudget.js [REVISIONS]):
//  - ephemeral local cluster ready (budget ≤ 2 s);
//  - round trip of a synthetic history vs a bare `alembic upgrade head && alembic downgrade base
//    && alembic upgrade head` on the same cluster (budget ≤ 2×), with the locks traced (verify's
//    default) and without, to show what tracing costs.
import { execFileSync } from 'node:child_process';
import { AlembicHelper } from '../../server/src/runner/alembicHelper';
import { createScratchDatabase } from '../../server/src/runner/scratchDatabase';
import { LocalClusterTarget } from '../../server/src/runner/targets/localCluster';
import { verifyRoundTrips } from '../../server/src/runner/verify';
import { venvPython } from '../support/postgres';
import { syntheticProject } from './projectFactory';

export interface RoundTripBudget {
  revisions: number;
  clusterReadyMs: number;
  bareAlembicMs: number;
  /** With every revision's first upgrade lock-traced (verify's default). */
  roundTripMs: number;
  /** The same round trip with traceLocks: false. */
  untracedRoundTripMs: number;
  ratio: number;
  untracedRatio: number;
  ok: boolean;
}

export async function measureRoundTripBudget(revisions = 50, python = venvPython()): Promise<RoundTripBudget> {
  const cluster = new LocalClusterTarget();
  const project = syntheticProject(revisions);
  try {
    await cluster.start();
    const bareDb = await createScratchDatabase(cluster.url());
    // SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3: name the driver the venv has.
    const env = { ...process.env, DATABASE_URL: bareDb.url.replace(/^postgresql:/, 'postgresql+psycopg2:') };
    const began = performance.now();
    for (const args of [
      ['upgrade', 'head'],
      ['downgrade', 'base'],
      ['upgrade', 'head'],
    ]) {
      execFileSync(python, ['-m', 'alembic', ...args], { cwd: project.dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    }
    const bareAlembicMs = performance.now() - began;
    const roundTrip = async (traceLocks: boolean): Promise<{ ms: number; ok: boolean }> => {
      const db = await createScratchDatabase(cluster.url());
      const start = performance.now();
      const helper = await AlembicHelper.start({ projectDir: project.dir, python, databaseUrl: db.url });
      try {
        const ok = (await verifyRoundTrips({ helper, databaseUrl: db.url, traceLocks })).ok;
        return { ms: performance.now() - start, ok };
      } finally {
        await helper.close();
      }
    };
    const untraced = await roundTrip(false);
    const traced = await roundTrip(true);
    const roundTripMs = traced.ms;
    const ok = traced.ok && untraced.ok;
    return {
      revisions,
      clusterReadyMs: Math.round(cluster.timings.totalStartMs ?? 0),
      bareAlembicMs: Math.round(bareAlembicMs),
      roundTripMs: Math.round(roundTripMs),
      untracedRoundTripMs: Math.round(untraced.ms),
      ratio: Number((roundTripMs / bareAlembicMs).toFixed(2)),
      untracedRatio: Number((untraced.ms / bareAlembicMs).toFixed(2)),
      ok,
    };
  } finally {
    project.remove();
    await cluster.stop();
  }
}

if (require.main === module) {
  measureRoundTripBudget(Number(process.argv[2] ?? 50)).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
