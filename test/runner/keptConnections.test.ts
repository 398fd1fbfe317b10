// The helper keeps its driver connection from one command to the next while verify runs (three
// commands a revision). Each command must still start as a new `alembic` process would: no session
// state of the last one, a connection the server ended replaced, engines env.py disposes or leaves
// open handled, nothing left open once verify ends. Real PostgreSQL, real Alembic, both Pythons.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlembicHelper } from '../../server/src/runner/alembicHelper';
import { newPgClient } from '../../server/src/runner/pgClient';
import { verifyRoundTrips } from '../../server/src/runner/verify';
import { PYTHONS, usePostgresCluster } from '../support/postgres';
import { projectWithUpgrade, replaceEnvPy, type TempProject } from './projectFactory';

const REVISIONS = ['kc0000000001', 'kc0000000002', 'kc0000000003'];

/**
 * Three revisions, each creating a table. Every upgrade and downgrade first checks that its session
 * is fresh (no setting, statement_timeout or temporary table of an earlier command), writes its
 * backend's pid to $SW_TEST_PIDS, and then leaves exactly such state behind for the next command.
 */
function leakyProject(): TempProject {
  const project = projectWithUpgrade('pass');
  const versions = path.join(project.dir, 'migrations', 'versions');
  fs.rmSync(path.join(versions, 'ee0000000001_only.py'));
  REVISIONS.forEach((id, i) => {
    fs.writeFileSync(
      path.join(versions, `${id}_t${i}.py`),
      [
        `"""table kc${i}"""`,
        'import os',
        'from alembic import op',
        'import sqlalchemy as sa',
        '',
        `revision = "${id}"`,
        `down_revision = ${i > 0 ? `"${REVISIONS[i - 1]}"` : 'None'}`,
        'branch_labels = None',
        'depends_on = None',
        '',
        '',
        'def fresh_session_then_leave_state():',
        '    bind = op.get_bind()',
        '    row = bind.exec_driver_sql(',
        "        \"SELECT current_setting('schema_warden_test.leak', true), current_setting('statement_timeout'), \"",
        '        "to_regclass(\'pg_temp.leak_probe\')::text, pg_backend_pid(), txid_current()::text"',
        '    ).fetchone()',
        '    # One command runs its revisions in one transaction: state of that transaction is its own.',
        '    earlier = row[0] != row[4]',
        '    if earlier and ((row[0] or "") != "" or row[1] != "0" or row[2] is not None):',
        '        raise RuntimeError("session state of an earlier command: %r" % (tuple(row),))',
        '    with open(os.environ["SW_TEST_PIDS"], "a") as handle:',
        '        handle.write("%d\\n" % row[3])',
        '    bind.exec_driver_sql("SET SESSION schema_warden_test.leak = \'%s\'" % row[4])',
        '    bind.exec_driver_sql("SET SESSION statement_timeout = \'1h\'")',
        '    bind.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS leak_probe (x int)")',
        '',
        '',
        'def upgrade():',
        '    fresh_session_then_leave_state()',
        `    op.create_table("kc${i}", sa.Column("id", sa.Integer, primary_key=True))`,
        '',
        '',
        'def downgrade():',
        '    fresh_session_then_leave_state()',
        `    op.drop_table("kc${i}")`,
        '',
      ].join('\n'),
    );
  });
  return project;
}

/**
 * An env.py unlike the template: a pooled engine (QueuePool, not NullPool) it disposes itself, a
 * version table of its own, and a second connection it opens and never closes.
 */
const DISPOSING_ENV_PY = `import os
from alembic import context
from sqlalchemy import create_engine

config = context.config


def run_migrations_online():
    engine = create_engine(os.environ["DATABASE_URL"])
    forgotten = engine.connect()  # never closed: the command's end must close it
    forgotten.exec_driver_sql("SELECT 1")
    with engine.connect() as connection:
        context.configure(connection=connection, version_table="kc_versions")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
`;

/**
 * The template's env.py, plus a listener on its engine that writes this run's token for every
 * statement, and "end TOKEN" when the run is over: a listener of an earlier run still firing (an
 * engine reused with it) would write its old token after its "end".
 */
const LISTENING_ENV_PY = `import os
import uuid
from alembic import context
from sqlalchemy import engine_from_config, event, pool

config = context.config
token = uuid.uuid4().hex


def run_migrations_online():
    engine = engine_from_config({"sqlalchemy.url": os.environ["DATABASE_URL"]}, prefix="sqlalchemy.", poolclass=pool.NullPool)

    @event.listens_for(engine, "before_cursor_execute")
    def note(conn, cursor, statement, parameters, context_, executemany):
        with open(os.environ["SW_TEST_LISTENED"], "a") as handle:
            handle.write(token + "\\n")

    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    with open(os.environ["SW_TEST_LISTENED"], "a") as handle:
        handle.write("end " + token + "\\n")


run_migrations_online()
`;

describe('runner: the helper keeps its connection between commands during verify (real PostgreSQL, real Alembic)', function () {
  this.timeout(120_000);
  const pg = usePostgresCluster();

  /** Backends connected to the database `name`, seen from the cluster's `postgres` database. */
  async function backendsOn(name: string): Promise<number> {
    const client = newPgClient({ connectionString: pg.url() });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      return rows[0]?.n ?? -1;
    } finally {
      await client.end();
    }
  }

  async function terminateBackendsOn(name: string): Promise<void> {
    const client = newPgClient({ connectionString: pg.url() });
    await client.connect();
    try {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    } finally {
      await client.end();
    }
  }

  const pidsIn = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);

  for (const { label, python } of PYTHONS) {
    describe(label, () => {
      it('verify reuses the backend across its commands, each starting without the state the last one left; nothing is left open after', async () => {
        const project = leakyProject();
        const pids = path.join(project.dir, 'pids.txt');
        const db = await pg.freshDatabase();
        const helper = await AlembicHelper.start({
          projectDir: project.dir,
          python: python(),
          databaseUrl: db.url,
          env: { SW_TEST_PIDS: pids },
        });
        try {
          const result = await verifyRoundTrips({ helper, databaseUrl: db.url });
          assert.equal(result.ok, true, JSON.stringify(result.failure));
          const seen = pidsIn(pids);
          assert.equal(seen.length, 9, 'an upgrade, a downgrade and an upgrade again per revision');
          // The traced upgrade's relfilenode reader takes a kept connection too: at most two.
          assert.ok(new Set(seen).size <= 2, `backends used: ${seen.join(', ')}`);
          assert.equal(await backendsOn(db.name), 0, 'verify ended: the kept connections are closed');

          // Outside verify, every command has a connection of its own, as an alembic process would.
          fs.rmSync(pids);
          await helper.downgrade('base'); // verify left the database at the head
          await helper.upgrade('head');
          await helper.downgrade('base');
          assert.equal(pidsIn(pids).length, 9);
          assert.equal(new Set(pidsIn(pids)).size, 3, 'one backend per command');
          assert.equal(await backendsOn(db.name), 0);
        } finally {
          await helper.close();
          project.remove();
        }
      });

      it('an env.py with a pooled engine it disposes, a connection it never closes and its own version table works across commands', async () => {
        const project = replaceEnvPy(leakyProject(), DISPOSING_ENV_PY);
        const pids = path.join(project.dir, 'pids.txt');
        const db = await pg.freshDatabase();
        const helper = await AlembicHelper.start({
          projectDir: project.dir,
          python: python(),
          databaseUrl: db.url,
          env: { SW_TEST_PIDS: pids },
        });
        try {
          const result = await verifyRoundTrips({ helper, databaseUrl: db.url });
          assert.equal(result.ok, true, JSON.stringify(result.failure));
          assert.equal(helper.environment?.versionTable, 'kc_versions');
          assert.equal(await backendsOn(db.name), 0, 'the forgotten connections were closed, the kept ones too');
          await helper.downgrade('base');
          await helper.keepConnections(true);
          await helper.upgrade(REVISIONS[0] as string);
          assert.equal(await backendsOn(db.name), 1, 'one kept connection, the forgotten one closed');
          assert.deepEqual(await helper.current(), [REVISIONS[0]], 'current reads the version table env.py names');
          await helper.keepConnections(false);
          assert.equal(await backendsOn(db.name), 0);
        } finally {
          await helper.close();
        }
        // A new helper whose first command is current: env.py has not run yet, and names the table.
        const fresh = await AlembicHelper.start({ projectDir: project.dir, python: python(), databaseUrl: db.url });
        try {
          assert.deepEqual(await fresh.current(), [REVISIONS[0]]);
        } finally {
          await fresh.close();
          project.remove();
        }
      });

      it("an env.py adding a listener to its engine in every run: each listener hears only its own run's statements", async () => {
        const project = replaceEnvPy(leakyProject(), LISTENING_ENV_PY);
        const listened = path.join(project.dir, 'listened.txt');
        const db = await pg.freshDatabase();
        const helper = await AlembicHelper.start({
          projectDir: project.dir,
          python: python(),
          databaseUrl: db.url,
          env: { SW_TEST_PIDS: path.join(project.dir, 'pids.txt'), SW_TEST_LISTENED: listened },
        });
        try {
          const result = await verifyRoundTrips({ helper, databaseUrl: db.url });
          assert.equal(result.ok, true, JSON.stringify(result.failure));
        } finally {
          await helper.close();
        }
        const lines = fs.readFileSync(listened, 'utf8').trim().split('\n');
        project.remove();
        const ended = new Set<string>();
        let runs = 0;
        for (const line of lines) {
          if (line.startsWith('end ')) {
            ended.add(line.slice(4));
            runs++;
          } else assert.ok(!ended.has(line), `a listener of a finished run heard a later statement (${line})`);
        }
        assert.ok(runs >= 9, `env.py ran ${runs} times`);
      });

      it('a kept connection the server ended, or whose database was dropped and created again, is replaced', async () => {
        const project = leakyProject();
        const pids = path.join(project.dir, 'pids.txt');
        const db = await pg.freshDatabase();
        const helper = await AlembicHelper.start({
          projectDir: project.dir,
          python: python(),
          databaseUrl: db.url,
          env: { SW_TEST_PIDS: pids },
        });
        try {
          await helper.keepConnections(true);
          await helper.upgrade(REVISIONS[0] as string);
          assert.equal(await backendsOn(db.name), 1);
          await terminateBackendsOn(db.name);
          for (let waited = 0; (await backendsOn(db.name)) > 0 && waited < 100; waited++)
            await new Promise((resolve) => setTimeout(resolve, 50));
          await helper.upgrade(REVISIONS[1] as string);
          assert.deepEqual(await helper.current(), [REVISIONS[1]]);
          // What --keep-going does after a failure, here with the connection still kept.
          await db.recreate();
          assert.deepEqual(await helper.current(), []);
          await helper.upgrade('head');
          assert.deepEqual(await helper.current(), [REVISIONS[2]]);
          const seen = pidsIn(pids);
          assert.equal(seen.length, 5);
          assert.equal(new Set(seen).size, 3, `a new backend after each loss, then reused: ${seen.join(', ')}`);
        } finally {
          await helper.close();
          project.remove();
        }
      });
    });
  }
});
