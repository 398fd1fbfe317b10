import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { AlembicHelper } from '../../server/src/runner/alembicHelper';
import { checkDrift } from '../../server/src/runner/drift';
import { fixtureDir, usePostgresCluster, venvPython } from '../support/postgres';

describe('runner: drift check (developer database vs a fresh one at the same revision)', function () {
  this.timeout(60_000);
  const pg = usePostgresCluster();

  it('finds a column and an index added by hand, and nothing on an untouched database', async () => {
    const developer = await pg.freshDatabase();
    const helper = await AlembicHelper.start({
      projectDir: fixtureDir('clean'),
      python: venvPython(),
      databaseUrl: developer.url,
    });
    try {
      await helper.upgrade('2b3c4d5e6f70');
      const clean = await checkDrift({ helper, developerUrl: developer.url, referenceServerUrl: pg.url() });
      assert.equal(clean.ok, true, JSON.stringify(clean.differences));
      assert.deepEqual(clean.revisions, ['2b3c4d5e6f70']);

      const client = new Client({ connectionString: developer.url });
      await client.connect();
      await client.query(
        'ALTER TABLE users ADD COLUMN nickname text; CREATE INDEX ix_posts_title ON posts (title); ALTER TABLE posts ALTER COLUMN title DROP NOT NULL',
      );
      await client.end();

      const drift = await checkDrift({ helper, developerUrl: developer.url, referenceServerUrl: pg.url() });
      assert.equal(drift.ok, false);
      assert.deepEqual(drift.differences.map((d) => d.message).sort(), [
        'column posts.title: nullability NOT NULL → NULL',
        'column users.nickname exists in the database but in no migration',
        'index ix_posts_title exists in the database but in no migration',
      ]);
      console.log(`      measured: drift check in ${Math.round(drift.durationMs)} ms`);
    } finally {
      await helper.close();
    }
  });
});
