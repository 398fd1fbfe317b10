// Lock tracing during verify: the locks the migration's own backend holds, read on a real
// PostgreSQL 15 while real Alembic upgrades a revision, and the tables whose relfilenode changed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { runVerifyCommand } from '../../server/src/cli/commands/verify';
import { AlembicHelper } from '../../server/src/runner/alembicHelper';
import type { TracedLock } from '../../server/src/runner/helperProtocol';
import { verifyRoundTrips, type RevisionVerifyResult } from '../../server/src/runner/verify';
import { PYTHONS, usePostgresCluster, venvPython } from '../support/postgres';
import { projectWithUpgrade, replaceEnvPy, type TempProject } from './projectFactory';

/** The revision every traced one follows: an `account` table with a few rows. */
const SETUP = [
  'op.create_table("account", sa.Column("id", sa.Integer, primary_key=True), sa.Column("balance", sa.Integer), sa.Column("email", sa.Text))',
  "op.execute(\"INSERT INTO account (balance, email) SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 2000) g\")",
].join('\n');

/**
 * A project of two revisions: ff0000000001 (SETUP) and ff0000000002, whose upgrade is `body`
 * (Python, one statement a line, indented by 4) and whose downgrade is `downgrade`.
 */
function tracedProject(
  body: string,
  downgrade = 'pass',
  setup = { upgrade: SETUP, downgrade: 'op.drop_table("account")' },
): TempProject & { file: string; lineOf(text: string): number } {
  const project = projectWithUpgrade('pass');
  const versions = path.join(project.dir, 'migrations', 'versions');
  fs.rmSync(path.join(versions, 'ee0000000001_only.py'));
  const write = (id: string, parent: string | null, upgrade: string, down: string) => {
    const file = path.join(versions, `${id}_rev.py`);
    const indent = (text: string) =>
      text
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n');
    fs.writeFileSync(
      file,
      [
        `"""revision ${id}"""`,
        'from alembic import op',
        'import sqlalchemy as sa',
        '',
        `revision = "${id}"`,
        `down_revision = ${parent ? `"${parent}"` : 'None'}`,
        'branch_labels = None',
        'depends_on = None',
        '',
        '',
        'def upgrade():',
        indent(upgrade),
        '',
        '',
        'def downgrade():',
        indent(down),
        '',
      ].join('\n'),
    );
    return file;
  };
  write('ff0000000001', null, setup.upgrade, setup.downgrade);
  const file = write('ff0000000002', 'ff0000000001', body, downgrade);
  return {
    ...project,
    file,
    lineOf(text: string) {
      const index = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((line) => line.includes(text));
      assert.ok(index >= 0, `"${text}" is in the revision`);
      return index + 1;
    },
  };
}

describe('runner: lock tracing during verify (real PostgreSQL 15, real Alembic)', function () {
  this.timeout(120_000);
  const pg = usePostgresCluster();

  async function verifyTraced(
    project: TempProject,
    python: string = venvPython(),
  ): Promise<{ traced: RevisionVerifyResult }> {
    const db = await pg.freshDatabase();
    const helper = await AlembicHelper.start({ projectDir: project.dir, python, databaseUrl: db.url });
    try {
      const result = await verifyRoundTrips({ helper, databaseUrl: db.url });
      assert.equal(result.ok, true, JSON.stringify(result.failure));
      const second = result.revisions[1];
      assert.equal(second?.traceError, undefined, 'the trace is complete');
      return { traced: second as RevisionVerifyResult };
    } finally {
      await helper.close();
      project.remove();
    }
  }

  /**
   * Verifies a project whose second revision's upgrade is expected to fail; `inspect` runs on
   * the scratch database (and with the helper) after the failure, before they are dropped.
   */
  async function verifyFailing(
    project: TempProject,
    inspect: (databaseUrl: string, helper: AlembicHelper) => Promise<void> = async () => undefined,
  ): Promise<{ result: Awaited<ReturnType<typeof verifyRoundTrips>>; upgrade: RevisionVerifyResult['steps'][0] }> {
    const db = await pg.freshDatabase();
    const helper = await AlembicHelper.start({ projectDir: project.dir, python: venvPython(), databaseUrl: db.url });
    try {
      const result = await verifyRoundTrips({ helper, databaseUrl: db.url });
      assert.equal(result.ok, false, 'the revision fails on PostgreSQL');
      assert.equal(result.failure?.revision, 'ff0000000002', JSON.stringify(result.failure));
      assert.equal(result.failure?.step, 'upgrade');
      const upgrade = result.revisions[1]?.steps[0];
      assert.ok(upgrade?.error, 'the failed upgrade carries its error');
      await inspect(db.url, helper);
      return { result, upgrade };
    } finally {
      await helper.close();
      project.remove();
    }
  }

  /** The rows `sql` returns on `databaseUrl`. */
  async function query(databaseUrl: string, sql: string): Promise<Array<Record<string, unknown>>> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  const on = (locks: TracedLock[] | undefined, table: string) =>
    (locks ?? []).filter((lock) => lock.table === table && lock.index === undefined);
  const modes = (locks: TracedLock[] | undefined, table: string) => on(locks, table).map((lock) => lock.mode);

  for (const { label, python } of PYTHONS) {
    describe(label, () => {
      it('alter_column integer → bigint: AccessExclusiveLock on the table, from that line, and a rewrite', async () => {
        const project = tracedProject(
          'op.alter_column("account", "balance", type_=sa.BigInteger(), existing_type=sa.Integer())',
          'op.alter_column("account", "balance", type_=sa.Integer(), existing_type=sa.BigInteger())',
        );
        const line = project.lineOf('op.alter_column');
        const { traced } = await verifyTraced(project, python());
        const strongest = on(traced.locks, 'account').find((lock) => lock.mode === 'AccessExclusiveLock');
        assert.ok(strongest, `AccessExclusiveLock on account among ${JSON.stringify(traced.locks)}`);
        assert.match(strongest.statement, /^ALTER TABLE account ALTER COLUMN balance TYPE BIGINT/);
        assert.equal(strongest.line, line);
        assert.equal(strongest.new, undefined);
        assert.ok(strongest.heldMs >= 0);
        assert.deepEqual(traced.rewrites, ['account']);
        assert.ok(
          !(traced.locks ?? []).some((lock) => lock.table === 'alembic_version'),
          "Alembic's version table is left out",
        );
      });

      it('SW601 concurrent-index: plain create_index holds ShareLock on the table, the new index marked new, no rewrite', async () => {
        const project = tracedProject(
          'op.create_index("ix_account_email", "account", ["email"])',
          'op.drop_index("ix_account_email", table_name="account")',
        );
        const line = project.lineOf('op.create_index');
        const { traced } = await verifyTraced(project, python());
        assert.deepEqual(modes(traced.locks, 'account'), ['ShareLock']);
        assert.equal(on(traced.locks, 'account')[0]?.line, line);
        const onIndex = (traced.locks ?? []).filter((lock) => lock.index === 'ix_account_email');
        assert.ok(onIndex.length > 0 && onIndex.every((lock) => lock.new === true), JSON.stringify(onIndex));
        assert.deepEqual(traced.rewrites, []);
      });

      it("SW601's safe twin: CREATE INDEX CONCURRENTLY in an autocommit block: ShareUpdateExclusiveLock, no rewrite", async () => {
        const project = tracedProject(
          [
            'with op.get_context().autocommit_block():',
            '    op.create_index("ix_account_email", "account", ["email"], postgresql_concurrently=True)',
          ].join('\n'),
          'op.drop_index("ix_account_email", table_name="account")',
        );
        const line = project.lineOf('postgresql_concurrently');
        const { traced } = await verifyTraced(project, python());
        assert.deepEqual(modes(traced.locks, 'account'), ['ShareUpdateExclusiveLock']);
        const lock = on(traced.locks, 'account')[0] as TracedLock;
        assert.match(lock.statement, /CREATE INDEX CONCURRENTLY ix_account_email/);
        assert.equal(lock.line, line);
        assert.deepEqual(traced.rewrites, []);
      });

      it('a table created in the same revision is marked new, an existing one is not', async () => {
        const project = tracedProject(
          [
            'op.create_table("ledger", sa.Column("id", sa.Integer, primary_key=True), sa.Column("account_id", sa.Integer))',
            'op.add_column("account", sa.Column("note", sa.Text))',
          ].join('\n'),
          ['op.drop_column("account", "note")', 'op.drop_table("ledger")'].join('\n'),
        );
        const { traced } = await verifyTraced(project, python());
        const ledger = on(traced.locks, 'ledger');
        assert.ok(ledger.length > 0, JSON.stringify(traced.locks));
        assert.ok(
          ledger.every((lock) => lock.new === true),
          'every lock on ledger is new',
        );
        assert.ok(on(traced.locks, 'account').every((lock) => lock.new === undefined));
        assert.deepEqual(traced.rewrites, [], 'neither a new table nor ADD COLUMN without a default rewrites');
      });
    });
  }

  describe('the static SW60x rules, confirmed by the trace (Alembic 1.20)', () => {
    it('SW605: ADD COLUMN takes AccessExclusiveLock and holds it across the slow UPDATE after it', async () => {
      const project = tracedProject(
        [
          'op.add_column("account", sa.Column("status", sa.Text))',
          'op.execute("UPDATE account SET status = \'active\' WHERE id = 1 AND pg_sleep(0.5) IS NOT NULL")',
          '# The transaction commits here: the lock ends.',
          'with op.get_context().autocommit_block():',
          '    op.execute("SELECT pg_sleep(1.5)")',
        ].join('\n'),
        'op.drop_column("account", "status")',
      );
      const addLine = project.lineOf('op.add_column');
      const updateLine = project.lineOf('UPDATE account');
      const { traced } = await verifyTraced(project);
      const exclusive = on(traced.locks, 'account').find((lock) => lock.mode === 'AccessExclusiveLock');
      assert.ok(exclusive, JSON.stringify(traced.locks));
      assert.equal(exclusive.line, addLine, 'taken by the ADD COLUMN');
      const update = on(traced.locks, 'account').find((lock) => lock.mode === 'RowExclusiveLock');
      assert.ok(update, 'the UPDATE takes its own RowExclusiveLock');
      assert.equal(update.line, updateLine);
      // The UPDATE sleeps 0.5 s: it and the ADD COLUMN's lock last at least that long.
      assert.ok(update.heldMs >= 500, `the UPDATE's lock held ${update.heldMs} ms`);
      assert.ok(exclusive.heldMs >= update.heldMs, `held ${exclusive.heldMs} ms, at least the UPDATE's time`);
      // The autocommit block's 1.5 s of sleep come after the commit: not counted.
      const upgradeMs = traced.steps[0]?.durationMs ?? 0;
      assert.ok(
        exclusive.heldMs <= upgradeMs - 1000,
        `held ${exclusive.heldMs} ms of the ${Math.round(upgradeMs)} ms upgrade: it ended at the commit`,
      );
    });

    it('SW609: create_unique_constraint on an existing table takes AccessExclusiveLock', async () => {
      const project = tracedProject(
        'op.create_unique_constraint("uq_account_email", "account", ["email"])',
        'op.drop_constraint("uq_account_email", "account", type_="unique")',
      );
      const line = project.lineOf('create_unique_constraint');
      const { traced } = await verifyTraced(project);
      assert.ok(modes(traced.locks, 'account').includes('AccessExclusiveLock'), JSON.stringify(traced.locks));
      assert.equal(on(traced.locks, 'account')[0]?.line, line);
    });

    it('SW610: SET NOT NULL on an existing table takes AccessExclusiveLock (without a rewrite)', async () => {
      const project = tracedProject(
        'op.alter_column("account", "email", nullable=False, existing_type=sa.Text())',
        'op.alter_column("account", "email", nullable=True, existing_type=sa.Text())',
      );
      const { traced } = await verifyTraced(project);
      assert.deepEqual(modes(traced.locks, 'account'), ['AccessExclusiveLock']);
      assert.deepEqual(traced.rewrites, []);
    });

    it('SW611: VALIDATE in the same transaction: the ADD … NOT VALID lock is held through the validation', async () => {
      const project = tracedProject(
        [
          'op.execute("ALTER TABLE account ADD CONSTRAINT ck_balance CHECK (balance >= 0) NOT VALID")',
          'op.execute("ALTER TABLE account VALIDATE CONSTRAINT ck_balance")',
        ].join('\n'),
        'op.drop_constraint("ck_balance", "account", type_="check")',
      );
      const { traced } = await verifyTraced(project);
      const exclusive = on(traced.locks, 'account').find((lock) => lock.mode === 'AccessExclusiveLock');
      assert.ok(exclusive, JSON.stringify(traced.locks));
      assert.match(exclusive.statement, /NOT VALID/);
    });

    it('SW604: ADD COLUMN with a volatile default rewrites the table', async () => {
      const project = tracedProject(
        'op.add_column("account", sa.Column("token", sa.Text, server_default=sa.text("md5(random()::text)")))',
        'op.drop_column("account", "token")',
      );
      const { traced } = await verifyTraced(project);
      assert.ok(modes(traced.locks, 'account').includes('AccessExclusiveLock'));
      assert.deepEqual(traced.rewrites, ['account']);
    });

    it('SW613: REINDEX without CONCURRENTLY locks the table against writes (ShareLock)', async () => {
      const project = tracedProject('op.execute("REINDEX TABLE account")');
      const { traced } = await verifyTraced(project);
      assert.deepEqual(modes(traced.locks, 'account'), ['ShareLock']);
    });

    it('SW612: ADD COLUMN … CHECK on an existing table takes AccessExclusiveLock, without a rewrite', async () => {
      const project = tracedProject(
        'op.execute("ALTER TABLE account ADD COLUMN discount integer CHECK (discount >= 0)")',
        'op.drop_column("account", "discount")',
      );
      const line = project.lineOf('ADD COLUMN discount');
      const { traced } = await verifyTraced(project);
      assert.deepEqual(modes(traced.locks, 'account'), ['AccessExclusiveLock']);
      assert.equal(on(traced.locks, 'account')[0]?.line, line);
      assert.deepEqual(traced.rewrites, []);
    });

    it('SW612: … and the inline CHECK is checked against every existing row (a scan, under that lock)', async () => {
      // The new column is NULL in the 2000 existing rows: a CHECK they fail shows each was read.
      const project = tracedProject(
        'op.execute("ALTER TABLE account ADD COLUMN discount integer CHECK (discount IS NOT NULL)")',
      );
      const { upgrade } = await verifyFailing(project);
      assert.equal(upgrade.error?.pgcode, '23514', JSON.stringify(upgrade.error));
      assert.match(upgrade.error?.message ?? '', /violated by some row/);
    });

    it('SW603: DROP INDEX without CONCURRENTLY takes AccessExclusiveLock on the table', async () => {
      const project = tracedProject(
        'op.drop_index("ix_account_email", table_name="account")',
        'op.create_index("ix_account_email", "account", ["email"])',
        {
          upgrade: `${SETUP}\nop.create_index("ix_account_email", "account", ["email"])`,
          downgrade: 'op.drop_table("account")',
        },
      );
      const line = project.lineOf('op.drop_index');
      const { traced } = await verifyTraced(project);
      assert.deepEqual(modes(traced.locks, 'account'), ['AccessExclusiveLock']);
      assert.equal(on(traced.locks, 'account')[0]?.line, line);
      assert.match(on(traced.locks, 'account')[0]?.statement ?? '', /^DROP INDEX ix_account_email/);
    });

    it('SW606: adding the foreign key takes ShareRowExclusiveLock on both existing tables', async () => {
      const project = tracedProject(
        'op.create_foreign_key("fk_invoice_account", "invoice", "account", ["account_id"], ["id"])',
        'op.drop_constraint("fk_invoice_account", "invoice", type_="foreignkey")',
        {
          upgrade: [
            SETUP,
            'op.create_table("invoice", sa.Column("id", sa.Integer, primary_key=True), sa.Column("account_id", sa.Integer))',
            'op.execute("INSERT INTO invoice (account_id) SELECT g FROM generate_series(1, 2000) g")',
          ].join('\n'),
          downgrade: 'op.drop_table("invoice")\nop.drop_table("account")',
        },
      );
      const line = project.lineOf('op.create_foreign_key');
      const { traced } = await verifyTraced(project);
      for (const table of ['invoice', 'account']) {
        const lock = on(traced.locks, table).find((l) => l.mode === 'ShareRowExclusiveLock');
        assert.ok(lock, `ShareRowExclusiveLock on ${table} among ${JSON.stringify(traced.locks)}`);
        assert.equal(lock.line, line);
        assert.equal(lock.new, undefined);
      }
      assert.ok(!modes(traced.locks, 'invoice').includes('AccessExclusiveLock'), 'nothing stronger on the child');
      assert.deepEqual(traced.rewrites, []);
    });
  });

  describe('the transaction rules, confirmed by verify on PostgreSQL (Alembic 1.20)', () => {
    const withEnum = {
      upgrade: [
        "op.execute(\"CREATE TYPE account_state AS ENUM ('open', 'closed')\")",
        SETUP,
        'op.execute("ALTER TABLE account ADD COLUMN state account_state")',
      ].join('\n'),
      downgrade: 'op.drop_table("account")\nop.execute("DROP TYPE account_state")',
    };

    it('SW608: a value added by ALTER TYPE … ADD VALUE, used in the same transaction, fails the revision', async () => {
      const project = tracedProject(
        [
          'op.execute("ALTER TYPE account_state ADD VALUE \'frozen\'")',
          'op.execute("UPDATE account SET state = \'frozen\' WHERE id = 1")',
        ].join('\n'),
        'pass',
        withEnum,
      );
      const line = project.lineOf('UPDATE account');
      const { result, upgrade } = await verifyFailing(project);
      assert.equal(upgrade.error?.pgcode, '55P04', JSON.stringify(upgrade.error));
      assert.match(upgrade.error?.message ?? '', /unsafe use of new value "frozen" of enum type account_state/);
      assert.equal(result.failure?.line, line, 'the failure points at the statement using the value');
    });

    it("SW608's safe twin: ADD VALUE in an autocommit block, then the value is usable", async () => {
      const project = tracedProject(
        [
          'with op.get_context().autocommit_block():',
          '    op.execute("ALTER TYPE account_state ADD VALUE \'frozen\'")',
          'op.execute("UPDATE account SET state = \'frozen\' WHERE id = 1")',
        ].join('\n'),
        [
          // An enum value cannot be dropped: the type is re-created without it.
          'op.execute("UPDATE account SET state = NULL WHERE state = \'frozen\'")',
          'op.execute("ALTER TYPE account_state RENAME TO account_state_old")',
          "op.execute(\"CREATE TYPE account_state AS ENUM ('open', 'closed')\")",
          'op.execute("ALTER TABLE account ALTER COLUMN state TYPE account_state USING state::text::account_state")',
          'op.execute("DROP TYPE account_state_old")',
        ].join('\n'),
        withEnum,
      );
      await verifyTraced(project);
    });

    it('SW608 (plugin): the statements sync_enum_values issues lock and rewrite every table using the type', async () => {
      // alembic-postgresql-enum is not on the package index these machines reach, so the test runs
      // the four statements its sync_enum_values issues for one changed enum: rename the type,
      // create the new one, convert each column through text, drop the old type. SW608 reports the
      // plugin call because of what these statements do to every table using the type.
      const usingTheType = {
        upgrade: [
          withEnum.upgrade,
          'op.create_table("ledger", sa.Column("id", sa.Integer, primary_key=True), sa.Column("state", sa.Text))',
          'op.execute("ALTER TABLE ledger ALTER COLUMN state TYPE account_state USING state::account_state")',
        ].join('\n'),
        downgrade: 'op.drop_table("ledger")\nop.drop_table("account")\nop.execute("DROP TYPE account_state")',
      };
      const project = tracedProject(
        [
          'op.execute("ALTER TYPE account_state RENAME TO account_state_old")',
          "op.execute(\"CREATE TYPE account_state AS ENUM ('open', 'closed', 'frozen')\")",
          'op.execute("ALTER TABLE account ALTER COLUMN state TYPE account_state USING state::text::account_state")',
          'op.execute("ALTER TABLE ledger ALTER COLUMN state TYPE account_state USING state::text::account_state")',
          'op.execute("DROP TYPE account_state_old")',
        ].join('\n'),
        [
          'op.execute("ALTER TYPE account_state RENAME TO account_state_old")',
          "op.execute(\"CREATE TYPE account_state AS ENUM ('open', 'closed')\")",
          'op.execute("ALTER TABLE account ALTER COLUMN state TYPE account_state USING state::text::account_state")',
          'op.execute("ALTER TABLE ledger ALTER COLUMN state TYPE account_state USING state::text::account_state")',
          'op.execute("DROP TYPE account_state_old")',
        ].join('\n'),
        usingTheType,
      );
      const lines = { account: project.lineOf('ALTER TABLE account'), ledger: project.lineOf('ALTER TABLE ledger') };
      const { traced } = await verifyTraced(project);
      for (const table of ['account', 'ledger'] as const) {
        const exclusive = on(traced.locks, table).find((lock) => lock.mode === 'AccessExclusiveLock');
        assert.ok(exclusive, `AccessExclusiveLock on ${table} among ${JSON.stringify(traced.locks)}`);
        assert.equal(exclusive.line, lines[table]);
        assert.equal(exclusive.new, undefined, `${table} existed before the revision`);
      }
      assert.deepEqual(
        [...(traced.rewrites ?? [])].sort(),
        ['account', 'ledger'],
        'each table using the type is rewritten',
      );
    });

    it('SW607: env.py runs the migrations inside connection.begin(): an autocommit_block() fails the revision', async () => {
      const project = tracedProject(
        [
          'with op.get_context().autocommit_block():',
          '    op.create_index("ix_account_email", "account", ["email"], postgresql_concurrently=True)',
        ].join('\n'),
        'op.drop_index("ix_account_email", table_name="account")',
      );
      const envFile = path.join(project.dir, 'migrations', 'env.py');
      const ownTransaction = fs
        .readFileSync(envFile, 'utf8')
        .replace('        with context.begin_transaction():\n', '        with connection.begin():\n');
      assert.match(ownTransaction, /with connection\.begin\(\):\n\s+context\.run_migrations\(\)/);
      replaceEnvPy(project, ownTransaction);
      const line = project.lineOf('autocommit_block');
      const { result, upgrade } = await verifyFailing(project, async (url) => {
        const indexes = await query(url, "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_account_email'");
        assert.equal(indexes.length, 0, 'the index was never built');
      });
      // Alembic 1.20 cannot commit a transaction it did not begin: autocommit_block() stops at its
      // entry (an assertion in MigrationContext.autocommit_block), before the index build is sent.
      assert.equal(upgrade.error?.type, 'AssertionError', JSON.stringify(upgrade.error));
      assert.equal(upgrade.error?.sql, undefined, 'no statement of the block reached PostgreSQL');
      assert.equal(result.failure?.line, line);
    });

    it('SW614: a COMMIT inside op.execute ends the transaction part-way: a later failure leaves the first part applied', async () => {
      const project = tracedProject(
        [
          'op.add_column("account", sa.Column("note", sa.Text))',
          'op.execute("COMMIT")',
          'op.execute("ALTER TABLE account ADD COLUMN owner_id integer REFERENCES missing_owner (id)")',
        ].join('\n'),
        'op.drop_column("account", "note")',
      );
      await verifyFailing(project, async (url, helper) => {
        const note = await query(
          url,
          "SELECT 1 FROM information_schema.columns WHERE table_name = 'account' AND column_name = 'note'",
        );
        assert.equal(note.length, 1, 'the column added before the COMMIT stayed');
        const version = await query(url, 'SELECT version_num FROM alembic_version');
        assert.deepEqual(version, [{ version_num: 'ff0000000001' }], 'alembic_version still names the parent');
        // So the next run repeats the first part, and fails on it.
        await assert.rejects(helper.upgrade('ff0000000002'), /column "note" of relation "account" already exists/);
      });
    });
  });

  describe('ALTER DOMAIN … ADD CONSTRAINT, confirmed by the trace (SW602, SW603)', () => {
    // account.amount uses the domain: a validated domain constraint reads it under ShareLock.
    const withDomain = {
      upgrade: [
        'op.execute("CREATE DOMAIN amount AS integer")',
        SETUP,
        'op.execute("ALTER TABLE account ADD COLUMN amount amount")',
      ].join('\n'),
      downgrade: 'op.drop_table("account")\nop.execute("DROP DOMAIN amount")',
    };

    it('without NOT VALID: ShareLock on every table using the domain', async () => {
      const project = tracedProject(
        'op.execute("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0)")',
        'op.execute("ALTER DOMAIN amount DROP CONSTRAINT amount_positive")',
        withDomain,
      );
      const { traced } = await verifyTraced(project);
      assert.deepEqual(modes(traced.locks, 'account'), ['ShareLock']);
      assert.deepEqual(traced.rewrites, []);
    });

    it('the safe twin, NOT VALID: no lock on the table', async () => {
      const project = tracedProject(
        'op.execute("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0) NOT VALID")',
        'op.execute("ALTER DOMAIN amount DROP CONSTRAINT amount_positive")',
        withDomain,
      );
      const { traced } = await verifyTraced(project);
      assert.deepEqual(modes(traced.locks, 'account'), []);
    });
  });

  describe('schema-warden verify', () => {
    const body = [
      'op.create_table("ledger", sa.Column("id", sa.Integer, primary_key=True))',
      'op.alter_column("account", "balance", type_=sa.BigInteger(), existing_type=sa.Integer())',
    ].join('\n');
    const down = [
      'op.alter_column("account", "balance", type_=sa.Integer(), existing_type=sa.BigInteger())',
      'op.drop_table("ledger")',
    ].join('\n');

    async function cli(format: 'json' | 'text'): Promise<string> {
      const project = tracedProject(body, down);
      let stdout = '';
      let stderr = '';
      try {
        const code = await runVerifyCommand(
          ['--target', 'url', '--url', pg.url(), '--format', format, '--python', venvPython(), project.dir],
          { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd: project.dir },
        );
        assert.equal(code, 0, stderr + stdout);
        return stdout;
      } finally {
        project.remove();
      }
    }

    it('--format json: result.revisions[].locks and .rewrites, new tables flagged', async () => {
      const report = JSON.parse(await cli('json')) as {
        result: {
          postgresVersion?: string;
          revisions: Array<{
            revision: string;
            status: string;
            locks: TracedLock[];
            rewrites: string[];
            fileSha256?: string;
            path: string;
          }>;
        };
      };
      const traced = report.result.revisions.find((r) => r.revision === 'ff0000000002');
      assert.ok(traced, 'the second revision is reported');
      assert.equal(traced.status, 'passed', 'existing fields are kept');
      // The server's version, read once (SHOW server_version, its number only), and the hash of
      // the file whose lines the trace names (the editor uses a trace only for that text).
      const direct = new Client({ connectionString: pg.url() });
      await direct.connect();
      const shown = (await direct.query<{ server_version: string }>('SHOW server_version').finally(() => direct.end()))
        .rows[0].server_version;
      assert.match(report.result.postgresVersion ?? '', /^\d+\.\d+$/);
      assert.ok(shown.startsWith(report.result.postgresVersion ?? '?'), `${shown} vs ${report.result.postgresVersion}`);
      assert.match(traced.fileSha256 ?? '', /^[0-9a-f]{64}$/);
      // The table's own lock (its indexes' locks carry `index` too, in whatever order they were taken).
      const account = traced.locks.find(
        (lock) => lock.table === 'account' && lock.mode === 'AccessExclusiveLock' && !('index' in lock),
      );
      assert.ok(account, JSON.stringify(traced.locks));
      assert.deepEqual(Object.keys(account).sort(), ['heldMs', 'line', 'mode', 'statement', 'table']);
      assert.equal(account.line, 13);
      assert.ok(traced.locks.some((lock) => lock.table === 'ledger' && lock.new === true));
      assert.deepEqual(traced.rewrites, ['account']);
    });

    it('text: one line per existing table with its strongest lock, new tables left out', async () => {
      const stdout = await cli('text');
      const lockLines = stdout.split('\n').filter((line) => /^\s+lock /.test(line));
      assert.deepEqual(
        lockLines.map((line) => line.replace(/held [\d.]+ m?s/, 'held …')),
        ['      lock account: AccessExclusiveLock, held … (line 13), table rewritten'],
        stdout,
      );
    });
  });
});
