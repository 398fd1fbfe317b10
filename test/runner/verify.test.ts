import * as assert from 'node:assert/strict';
import { AlembicHelper } from '../../server/src/runner/alembicHelper';
import { verifyRoundTrips, type VerifyResult } from '../../server/src/runner/verify';
import { takeSnapshot } from '../../server/src/runner/snapshot';
import { fixtureDir, PYTHONS, usePostgresCluster } from '../support/postgres';

describe('runner: round-trip verification (real PostgreSQL 15, real Alembic)', function () {
  this.timeout(120_000);
  const pg = usePostgresCluster();

  async function verify(
    fixture: string,
    python: string,
    range: { from?: string; to?: string } = {},
  ): Promise<{ result: VerifyResult; url: string }> {
    const db = await pg.freshDatabase();
    const helper = await AlembicHelper.start({ projectDir: fixtureDir(fixture), python, databaseUrl: db.url });
    try {
      const result = await verifyRoundTrips({ helper, databaseUrl: db.url, ...range });
      return { result, url: db.url };
    } finally {
      await helper.close();
    }
  }

  const statuses = (result: VerifyResult) => result.revisions.map((r) => `${r.revision}:${r.status}`);

  for (const { label, python } of PYTHONS) {
    describe(label, () => {
      it('clean history: every revision passes upgrade, downgrade, upgrade again', async () => {
        const { result } = await verify('clean', python());
        console.log(`      measured: round trip of 3 revisions in ${Math.round(result.durationMs)} ms`);
        assert.equal(result.ok, true);
        assert.deepEqual(statuses(result), ['1a2b3c4d5e6f:passed', '2b3c4d5e6f70:passed', '3c4d5e6f7081:passed']);
        for (const revision of result.revisions)
          assert.deepEqual(
            revision.steps.map((s) => `${s.step}:${s.status}`),
            ['upgrade:passed', 'downgrade:passed', 'upgrade again:passed'],
          );
        assert.deepEqual(
          result.revisions.map((r) => r.steps[1]?.command),
          ['downgrade base', 'downgrade 1a2b3c4d5e6f', 'downgrade 2b3c4d5e6f70'],
        );
      });

      it('leaky downgrade: reports exactly the index left behind, at the downgrade of that revision', async () => {
        const { result } = await verify('leaky-downgrade', python());
        assert.equal(result.ok, false);
        assert.deepEqual(statuses(result), ['aa0000000001:passed', 'aa0000000002:failed', 'aa0000000003:not run']);
        const failed = result.revisions[1]!.steps.find((s) => s.status === 'failed')!;
        assert.equal(failed.step, 'downgrade');
        assert.deepEqual(
          failed.differences?.map((d) => d.message),
          ['index ix_user_email is left behind'],
        );
        assert.equal(
          result.failure?.message,
          'downgrade of aa0000000002 does not restore the schema of aa0000000001: index ix_user_email is left behind',
        );
        assert.match(result.failure?.path ?? '', /aa0000000002_index_user_email\.py$/);
        assert.equal(result.failure?.line, 20, 'the line of def downgrade');
      });

      it('raising downgrade: surfaces the exception with its file and line', async () => {
        const { result } = await verify('raising-downgrade', python());
        assert.equal(result.ok, false);
        const failed = result.revisions[1]!.steps[1]!;
        assert.equal(failed.status, 'failed');
        assert.equal(failed.error?.type, 'RuntimeError');
        assert.equal(failed.error?.message, 'splitting names cannot be undone');
        assert.equal(result.failure?.line, 21);
      });

      it('upgrade failing halfway: Postgres error and SQL surfaced, database rolled back to the parent', async () => {
        const { result, url } = await verify('failing-upgrade', python());
        assert.deepEqual(statuses(result), ['cc0000000001:passed', 'cc0000000002:failed', 'cc0000000003:not run']);
        const failed = result.revisions[1]!.steps[0]!;
        assert.equal(failed.step, 'upgrade');
        assert.equal(failed.error?.pgcode, '42703');
        assert.equal(failed.error?.sql, 'INSERT INTO orders (customer_id) SELECT customer_ref FROM customers');
        assert.equal(failed.differences, undefined, 'no leftovers from the failed revision');
        assert.match(result.failure?.message ?? '', /rolled back to its parent/);
        const snapshot = await takeSnapshot(url);
        assert.deepEqual(Object.keys(snapshot.tables), ['customers'], 'orders (created before the failure) is gone');
        assert.deepEqual(Object.keys(snapshot.indexes), []);
      });

      it('branched history with a merge: every revision in graph order, each branch round-tripped alone', async () => {
        const { result } = await verify('branched', python());
        console.log(`      measured: round trip of 5 branched revisions in ${Math.round(result.durationMs)} ms`);
        assert.equal(result.ok, true, JSON.stringify(result.failure));
        assert.deepEqual(statuses(result), [
          'dd0000000001:passed',
          'dd00000000b1:passed',
          'dd00000000b2:passed',
          'dd00000000c1:passed',
          'dd00000000m1:passed',
        ]);
        const merge = result.revisions[4]!;
        assert.deepEqual(merge.parents, ['dd00000000b2', 'dd00000000c1']);
        assert.equal(merge.steps[1]?.command, 'downgrade dd00000000b2');
      });
    });
  }

  it('--from/--to limit the range; ancestors are applied unchecked', async () => {
    const { result } = await verify('branched', PYTHONS[0]!.python(), { from: 'dd00000000c1', to: 'heads' });
    assert.deepEqual(statuses(result), ['dd00000000c1:passed', 'dd00000000m1:passed']);
    const onlyBilling = await verify('branched', PYTHONS[0]!.python(), { to: 'dd00000000b2' });
    assert.deepEqual(statuses(onlyBilling.result), [
      'dd0000000001:passed',
      'dd00000000b1:passed',
      'dd00000000b2:passed',
    ]);
  });
});
