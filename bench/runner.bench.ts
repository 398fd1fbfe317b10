import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { DockerTarget } from '../server/src/runner/targets/docker';
import { measureRoundTripBudget } from '../test/runner/roundTripBudget';
import { startPrivateDockerd } from '../test/runner/privateDockerd';
import { figure, type Figure } from './figures';

const ROOT = path.resolve(__dirname, '../..');
const IMAGE = 'schema-warden-test/postgres:15';

/**
 * The runner budgets of issue 5: an ephemeral local cluster ready, a Docker container ready (on a
 * private dockerd with the test image built from Debian's packages, as test/runner/docker.test.ts
 * does; no registry is reachable here), and the round trip of a 50-revision history against bare
 * Alembic on the same cluster (test/runner/roundTripBudget.ts).
 */
export async function benchmarks(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const trip = await measureRoundTripBudget(50);
  figures.push(
    figure(
      'runner: ephemeral local cluster ready',
      trip.clusterReadyMs,
      'ms',
      2000,
      'initdb + pg_ctl start + first connection',
    ),
    figure(
      `runner: round trip of ${trip.revisions} revisions`,
      trip.roundTripMs,
      'ms',
      null,
      'upgrade (locks traced), snapshot, downgrade, compare, upgrade, compare — every revision',
    ),
    figure(
      `runner: round trip of ${trip.revisions} revisions, locks not traced`,
      trip.untracedRoundTripMs,
      'ms',
      null,
      'the same round trip with traceLocks: false, beside the traced one',
    ),
    figure(
      `runner: bare alembic upgrade head && downgrade base && upgrade head, ${trip.revisions} revisions`,
      trip.bareAlembicMs,
      'ms',
      null,
      'three alembic processes on the same cluster',
    ),
    figure(
      'runner: round trip / bare alembic',
      trip.ratio,
      '×',
      2,
      trip.ok ? 'with lock tracing; the round trip passed' : 'the round trip reported a failure',
    ),
    figure(
      'runner: round trip without lock tracing / bare alembic',
      trip.untracedRatio,
      '×',
      null,
      'what the lock tracing costs: compare with the traced ratio above',
    ),
    figure(
      'runner: lock tracing overhead (traced / untraced round trip)',
      trip.untracedRoundTripMs > 0 ? Math.round((trip.roundTripMs / trip.untracedRoundTripMs) * 100) / 100 : 0,
      '×',
      null,
      'one pg_locks read per migration statement of each first upgrade, two relfilenode reads per revision',
    ),
  );
  if (process.env.BENCH_DOCKER !== '0') figures.push(...(await dockerReady()));
  return figures;
}

async function dockerReady(): Promise<Figure[]> {
  const started = await startPrivateDockerd();
  if (!started.ok) throw new Error(`Docker: ${started.reason}`);
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = started.dockerd.host;
  try {
    execFileSync('bash', [path.join(ROOT, 'test', 'runner', 'docker', 'build-postgres-image.sh'), IMAGE], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const target = new DockerTarget({ image: IMAGE });
    await target.start();
    try {
      return [
        figure(
          'runner: Docker container ready (image present)',
          target.timings.startMs ?? NaN,
          'ms',
          5000,
          'docker run on tmpfs → first successful connection, private dockerd',
        ),
      ];
    } finally {
      await target.stop();
    }
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
    await started.dockerd.stop();
  }
}
