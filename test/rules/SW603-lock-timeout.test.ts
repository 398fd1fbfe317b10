import * as assert from 'node:assert/strict';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { lintProject } from '../../server/src/engine/lint';
import { envScriptSettingsOf } from '../../server/src/model/envScript';
import { createProjectModel } from '../../server/src/model/project';
import { defaultConfig } from '../../server/src/config/config';
import rule from '../../server/src/rules/SW603-lock-timeout';
import { dedent, engineReady } from '../support/engine';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'only CONCURRENTLY index builds in an autocommit block (#13)',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              op.create_index("ix_invoice_note", "invoice", ["note"], postgresql_concurrently=True)
              op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_invoice_old")
      `,
    },
    {
      name: 'CONCURRENTLY index work written as SQL in an autocommit block (#13 review)',
      code: `
      revision = "b1"
      def upgrade():
          ctx = op.get_context()
          with ctx.autocommit_block():
              op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_invoice_note")
              op.execute("""
                  CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_invoice_note
                  ON invoice (note)
              """)
      `,
    },
    {
      name: 'only new tables',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True))
          op.add_column("invoice", sa.Column("note", sa.Text()))
          op.create_index("ix_invoice_note", "invoice", ["note"])
      `,
    },
    {
      name: 'SET lock_timeout first',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("SET lock_timeout = '5s'")
          op.add_column("invoice", sa.Column("note", sa.Text()))
      `,
    },
    {
      name: 'SET LOCAL and set_config count',
      code: `
      revision = "b1"
      def upgrade():
          op.execute(sa.text("SET LOCAL lock_timeout TO '3s'; ALTER TABLE invoice ADD COLUMN note text"))
      `,
    },
    {
      name: 'set_config',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("SELECT set_config('lock_timeout', '2s', false)")
          op.drop_column("invoice", "note")
      `,
    },
    {
      name: 'data-only revision',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("UPDATE invoice SET note = '' WHERE note IS NULL")
      `,
    },
    {
      name: 'REINDEX CONCURRENTLY and plain VACUUM in an autocommit block (#17)',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              op.execute("REINDEX INDEX CONCURRENTLY ix_invoice_note")
              op.execute("VACUUM (ANALYZE) invoice")
      `,
    },
    {
      name: 'VACUUM FULL, CLUSTER and REINDEX of a table this revision creates (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("ledger", sa.Column("id", sa.UUID(), primary_key=True))
          op.execute("CLUSTER ledger USING ledger_pkey")
          op.execute("REINDEX TABLE ledger")
      `,
    },
    {
      name: 'DROP INDEX of an index this revision creates (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("ledger", sa.Column("id", sa.UUID(), primary_key=True), sa.Column("note", sa.Text()))
          op.create_index("ix_ledger_note", "ledger", ["note"])
          op.execute("DROP INDEX ix_ledger_note")
      `,
    },
    {
      name: 'ALTER DOMAIN on a domain this revision creates; ADD CONSTRAINT NOT VALID locks no table (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("CREATE DOMAIN amount AS integer")
          op.execute("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0)")
          op.execute("ALTER DOMAIN money_amount ADD CONSTRAINT money_positive CHECK (VALUE > 0) NOT VALID")
      `,
    },
    {
      name: 'a scan with both lock_timeout and statement_timeout set (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("SET lock_timeout = '5s'")
          op.execute("SET statement_timeout = '10min'")
          op.create_index("ix_invoice_total", "invoice", ["total"])
          op.execute("VACUUM FULL invoice")
      `,
    },
  ],
  invalid: [
    {
      name: 'a plain SQL index build in an autocommit block still fires (#13 review twin)',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              op.execute("CREATE INDEX IF NOT EXISTS ix_invoice_note ON invoice (note)")
      `,
      errors: [{ line: 4, message: /locks existing table "invoice" \(CREATE INDEX\)/ }],
    },
    {
      name: 'a plain index build beside the concurrent one still fires (#13 twin)',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              op.create_index("ix_invoice_note", "invoice", ["note"], postgresql_concurrently=True)
          op.create_index("ix_invoice_total", "invoice", ["total"])
      `,
      errors: [{ line: 5, message: /create_index/ }],
    },
    {
      name: 'add_column on an existing table',
      code: `
      revision = "b1"

      def upgrade():
          """Add a note."""
          op.add_column("invoice", sa.Column("note", sa.Text()))
          op.drop_column("invoice", "legacy")
      `,
      errors: [{ line: 5, message: /locks existing table "invoice" \(add_column\) without a lock_timeout/ }],
      output: `
      revision = "b1"

      def upgrade():
          op.execute("SET lock_timeout = '5s'")
          """Add a note."""
          op.add_column("invoice", sa.Column("note", sa.Text()))
          op.drop_column("invoice", "legacy")
      `,
    },
    {
      name: 'SQL ALTER TABLE in a helper',
      code: `
      revision = "b1"

      def _alter():
          op.execute("ALTER TABLE invoice ALTER COLUMN note SET NOT NULL")

      def upgrade():
          _alter()
      `,
      errors: [{ line: 4, message: /locks existing table "invoice" \(ALTER TABLE\)/ }],
    },
    {
      name: 'statement_timeout is not lock_timeout',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("SET statement_timeout = '60s'")
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.alter_column("note", nullable=False)
      `,
      errors: [{ line: 5, message: /locks existing table "invoice" \(alter_column\)/ }],
    },
    {
      name: 'SQL DROP INDEX of an index on an existing table (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("DROP INDEX ix_invoice_note")
      `,
      errors: [
        {
          line: 3,
          message: /locks the existing table of index "ix_invoice_note" \(DROP INDEX\) without a lock_timeout/,
        },
      ],
    },
    {
      name: 'REINDEX asks statement_timeout beside lock_timeout (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("REINDEX TABLE invoice")
      `,
      errors: [
        {
          line: 3,
          message:
            /locks existing table "invoice" \(REINDEX\) without a lock_timeout.* It also reads the whole table while holding its lock, and no statement_timeout/,
        },
      ],
      output: `
      revision = "b1"
      def upgrade():
          op.execute("SET lock_timeout = '5s'")
          op.execute("SET statement_timeout = '15min'")
          op.execute("REINDEX TABLE invoice")
      `,
    },
    {
      name: 'VACUUM FULL in an autocommit block (#17)',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              op.execute("VACUUM FULL invoice")
      `,
      errors: [{ line: 4, message: /locks existing table "invoice" \(VACUUM FULL\)/ }],
    },
    {
      name: 'CLUSTER without a table clusters every table clustered before (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("CLUSTER")
      `,
      errors: [{ line: 3, message: /locks every table clustered before \(CLUSTER\)/ }],
    },
    {
      name: 'ALTER DOMAIN ADD CONSTRAINT locks every table using the domain (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0)")
      `,
      errors: [{ line: 3, message: /every table using domain "amount" \(ALTER DOMAIN\).*statement_timeout/ }],
    },
    {
      name: 'lock_timeout set, but a validation scans with no statement_timeout (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("SET lock_timeout = '5s'")
          op.add_column("invoice", sa.Column("note", sa.Text()))
          op.execute("ALTER TABLE invoice VALIDATE CONSTRAINT ck_invoice_total")
      `,
      errors: [
        {
          line: 5,
          message:
            /ALTER TABLE reads the whole of existing table "invoice" while holding its lock, and no statement_timeout bounds it/,
        },
      ],
      output: `
      revision = "b1"
      def upgrade():
          op.execute("SET statement_timeout = '15min'")
          op.execute("SET lock_timeout = '5s'")
          op.add_column("invoice", sa.Column("note", sa.Text()))
          op.execute("ALTER TABLE invoice VALIDATE CONSTRAINT ck_invoice_total")
      `,
    },
    {
      name: 'a brief lock first, a plain create_index later: one finding asking both (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.drop_column("invoice", "legacy")
          op.create_index("ix_invoice_total", "invoice", ["total"])
      `,
      errors: [
        { line: 3, message: /\(drop_column\) without a lock_timeout.*create_index \(line 4\) also reads the whole/ },
      ],
    },
  ],
});

const SCANNING_REVISION = `
revision = "b1"
def upgrade():
    op.create_index("ix_invoice_total", "invoice", ["total"])
    op.execute("REINDEX TABLE invoice")
`;

function findingsWithEnv(envText: string): string[] {
  const root = '/project';
  const migration = analyzeOnce(`${root}/alembic/versions/b1.py`, dedent(SCANNING_REVISION));
  const alembic = {
    root: `${root}/alembic`,
    configFile: `${root}/alembic.ini`,
    kind: 'ini' as const,
    projectRoot: root,
    scriptLocation: `${root}/alembic`,
    versionLocations: [`${root}/alembic/versions`],
    recursive: false,
    problems: [],
    env: envScriptSettingsOf(envText),
  };
  const project = createProjectModel(root, defaultConfig(root), [migration], alembic);
  return (lintProject(project, { rules: [rule] }).get(migration.path) ?? []).map(
    (f) => `${f.range.start.line + 1}: ${f.message}`,
  );
}

describe('SW603 lock-timeout with the project’s env.py (#17)', () => {
  before(() => engineReady);

  it('env.py sets lock_timeout: quiet, whole-table scans included (precision)', () => {
    assert.deepEqual(
      findingsWithEnv(`connection.execute(text("SET lock_timeout = '4s'"))\ncontext.run_migrations()\n`),
      [],
    );
  });

  it('env.py sets statement_timeout only: lock_timeout is still asked, statement_timeout is not', () => {
    const findings = findingsWithEnv(`connection.execute(text("SET statement_timeout = '10min'"))\n`);
    assert.equal(findings.length, 1, findings.join('\n'));
    assert.match(
      findings[0],
      /^3: This revision locks existing table "invoice" \(create_index\) without a lock_timeout/,
    );
    assert.doesNotMatch(findings[0], /statement_timeout/);
  });

  it('reads statement_timeout in env.py as it reads lock_timeout', () => {
    assert.equal(envScriptSettingsOf(`SET statement_timeout = 0`).setsStatementTimeout, true);
    assert.equal(
      envScriptSettingsOf(`connect_args={"options": "-c statement_timeout=60000"}`).setsStatementTimeout,
      true,
    );
    assert.equal(envScriptSettingsOf(`# SET statement_timeout = 0`).setsStatementTimeout, false);
    assert.equal(envScriptSettingsOf(`SET lock_timeout = '4s'`).setsStatementTimeout, false);
  });
});
