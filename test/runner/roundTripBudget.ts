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
import { verifyRoundTrips, type VerifyTimings } from '../../server/src/runner/verify';
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
  /** Where each round trip's time went (milliseconds), traced and untraced. */
  breakdown: { traced: RoundTripBreakdown; untraced: RoundTripBreakdown };
}

/**
 * One round trip's time split by phase (ms). helper* is inside the helper's commands:
 * script = reading alembic.ini and the (cached) ScriptDirectory; sql = the statements SQLAlchemy
 * sent (migrations and Alembic's bookkeeping, dialect set-up queries excepted); connect = the
 * driver's connection to PostgreSQL; dialectSetup = SQLAlchemy's first-connect queries on each new
 * engine; envOther = the rest of running env.py (env.py's own code, logging set-up, Alembic's context); traceStatements = reading pg_locks after statements;
 * traceSetup = the relfilenode reads before and after a traced upgrade; helperOther = the rest of
 * the command (the redirection's end-of-command cleanup, JSON). transport = the requests' wall
 * time not spent in the helper (pipes, Node's event loop). snapshots, versionReads = verify's own
 * catalog queries; other = what is left of the total (the history request, the helper's start).
 */
export interface RoundTripBreakdown {
  totalMs: number;
  requests: number;
  script: number;
  sql: number;
  connect: number;
  dialectSetup: number;
  envOther: number;
  traceStatements: number;
  traceSetup: number;
  helperOther: number;
  transport: number;
  snapshots: number;
  snapshotMs: number;
  versionReads: number;
  versionReadMs: number;
  other: number;
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
    const roundTrip = async (
      traceLocks: boolean,
    ): Promise<{ ms: number; ok: boolean; breakdown: RoundTripBreakdown }> => {
      const db = await createScratchDatabase(cluster.url());
      const start = performance.now();
      // The helper times its phases (a few clock reads per statement: lost in the noise).
      const helper = await AlembicHelper.start({
        projectDir: project.dir,
        python,
        databaseUrl: db.url,
        env: { SCHEMA_WARDEN_PHASES: '1' },
      });
      const timings: VerifyTimings = { snapshots: 0, snapshotMs: 0, versionReads: 0, versionReadMs: 0, rebuildMs: 0 };
      try {
        const ok = (await verifyRoundTrips({ helper, databaseUrl: db.url, traceLocks, timings })).ok;
        const ms = performance.now() - start;
        return { ms, ok, breakdown: breakdownOf(ms, helper.timings, timings) };
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
      breakdown: { traced: traced.breakdown, untraced: untraced.breakdown },
    };
  } finally {
    project.remove();
    await cluster.stop();
  }
}

function breakdownOf(totalMs: number, helper: AlembicHelper['timings'], verify: VerifyTimings): RoundTripBreakdown {
  const phase = (name: string) => helper.phasesMs[name] ?? 0;
  const round = (ms: number) => Math.round(ms);
  const env = phase('env');
  const inHelper = phase('script') + env + phase('traceSetup');
  return {
    totalMs: round(totalMs),
    requests: helper.requests,
    script: round(phase('script')),
    sql: round(phase('sql')),
    connect: round(phase('connect')),
    dialectSetup: round(phase('dialectSetup')),
    envOther: round(env - phase('sql') - phase('traceStatements') - phase('connect') - phase('dialectSetup')),
    traceStatements: round(phase('traceStatements')),
    traceSetup: round(phase('traceSetup')),
    helperOther: round(helper.helperMs - inHelper),
    transport: round(helper.requestMs - helper.helperMs),
    snapshots: verify.snapshots,
    snapshotMs: round(verify.snapshotMs),
    versionReads: verify.versionReads,
    versionReadMs: round(verify.versionReadMs),
    other: round(totalMs - helper.requestMs - verify.snapshotMs - verify.versionReadMs - verify.rebuildMs),
  };
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
