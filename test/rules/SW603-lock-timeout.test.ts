import rule from '../../server/src/rules/SW603-lock-timeout';
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
  ],
});
