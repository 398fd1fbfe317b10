import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { isProcessAlive } from '../../server/src/runner/exec';
import { withRunSession } from '../../server/src/runner/runSession';
import { LocalClusterTarget } from '../../server/src/runner/targets/localCluster';
import { TargetLostError, verifyRoundTrips } from '../../server/src/runner/verify';
import { eventually, fixtureDir, processesMentioning, usePostgresCluster, venvPython } from '../support/postgres';

describe('runner: faults leave nothing running', function () {
  this.timeout(120_000);
  // This file's cluster is the one killed mid-run: the harness must still tear it down cleanly.
  const pg = usePostgresCluster();

  it('PostgreSQL killed mid-run: a clear error, then no postgres, no helper, no folder', async () => {
    const cluster: LocalClusterTarget = pg.cluster;
    const dir = cluster.dir as string;
    let helperPid: number | undefined;
    const error = await withRunSession({ projectDir: fixtureDir('clean'), target: cluster, python: { python: venvPython(), source: 'test' } }, async (session) => {
      helperPid = session.helper.pid;
      return verifyRoundTrips({
        helper: session.helper,
        databaseUrl: session.database.url,
        onStep: (revision, step) => {
          if (revision.revision === '2b3c4d5e6f70' && step.step === 'upgrade') process.kill(cluster.postmasterPid as number, 'SIGKILL');
        },
      });
    }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof Error, 'the run fails');
    assert.ok(error instanceof TargetLostError, `a clear message: ${error.message}`);
    assert.match(error.message, /^the database server stopped answering (while taking a schema snapshot|during alembic)/);
    assert.equal(fs.existsSync(dir), false, 'cluster folder removed');
    assert.ok(await eventually(() => processesMentioning(dir).length === 0), 'no postgres process from its data dir');
    assert.ok(helperPid !== undefined && (await eventually(() => !isProcessAlive(helperPid as number))), 'helper gone');
  });
});
