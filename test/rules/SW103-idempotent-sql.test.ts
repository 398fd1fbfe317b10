import rule from '../../server/src/rules/SW103-idempotent-sql';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'a temporary table created, indexed and dropped in the same upgrade (#13)',
      code: `
      def upgrade():
          op.execute("CREATE TEMPORARY TABLE id_map AS SELECT id, legacy_id FROM account")
          op.execute("CREATE INDEX ix_id_map_legacy ON id_map (legacy_id)")
          op.execute("UPDATE invoice SET account_id = m.id FROM id_map m WHERE invoice.legacy_account = m.legacy_id")
          op.execute("DROP TABLE id_map")
      `,
    },
    {
      name: 'guarded DDL, and statements with no idempotent form',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE IF NOT EXISTS ledger_entry (id uuid PRIMARY KEY);
              CREATE UNIQUE INDEX IF NOT EXISTS ux_ledger_entry ON ledger_entry (id);
              CREATE INDEX ON ledger_entry (id);
              CREATE SCHEMA IF NOT EXISTS billing;
              CREATE TYPE invoice_status AS ENUM ('draft', 'sent');
              ALTER TYPE invoice_status ADD VALUE IF NOT EXISTS 'paid';
              ALTER TABLE ledger_entry ADD COLUMN IF NOT EXISTS memo text, ADD CONSTRAINT uq_memo UNIQUE (memo);
              ALTER TABLE ledger_entry DROP COLUMN IF EXISTS legacy, DROP CONSTRAINT IF EXISTS ck_old;
              CREATE OR REPLACE VIEW open_invoice AS SELECT 1;
              UPDATE ledger_entry SET memo = '' WHERE memo IS NULL;
          """)
          with op.get_context().autocommit_block():
              op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON a (b)")

      def downgrade():
          op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_a")
          op.execute(sa.text("DROP TABLE IF EXISTS ledger_entry"))
      `,
    },
    {
      name: 'DDL run only after the revision looked the index up in the catalogue (#13 review)',
      code: `
      def upgrade():
          insp = sa.inspect(op.get_bind())
          if "ix_invoice_paid" in [i["name"] for i in insp.get_indexes("invoice")]:
              op.execute("DROP INDEX ix_invoice_paid")
          existing = {i["name"] for i in insp.get_indexes("invoice")}
          if "ix_invoice_paid_at" not in existing:
              op.execute("CREATE INDEX ix_invoice_paid_at ON invoice (paid_at)")
          if not op.get_bind().execute(sa.text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_old'")).scalar():
              pass
          else:
              op.execute("DROP INDEX ix_old")
      `,
    },
    {
      name: 'a CREATE right after DROP … IF EXISTS of the same name is re-runnable (#13 review)',
      code: `
      def upgrade():
          op.execute("DROP INDEX IF EXISTS ix_notification_job_id")
          op.execute("CREATE INDEX ix_notification_job_id ON notification (job_id)")
          op.execute('DROP MATERIALIZED VIEW IF EXISTS "daily_totals"; CREATE MATERIALIZED VIEW daily_totals AS SELECT 1')
      `,
    },
    {
      name: 'Alembic operations are not SQL',
      code: `
      def upgrade():
          op.create_table("a", sa.Column("id", sa.Uuid(), primary_key=True))
      `,
    },
  ],
  invalid: [
    {
      name: 'a CREATE after dropping another name, or after it, still fires (#13 review twin)',
      code: `
      def upgrade():
          op.execute("DROP INDEX IF EXISTS ix_notification_job")
          op.execute("CREATE INDEX ix_notification_job_id ON notification (job_id)")
          op.execute("CREATE INDEX ix_notification_created ON notification (created_at)")
          op.execute("DROP INDEX IF EXISTS ix_notification_created")
      `,
      errors: [
        { line: 3, message: /CREATE INDEX ix_notification_job_id/ },
        { line: 4, message: /CREATE INDEX ix_notification_created/ },
      ],
    },
    {
      name: 'a test that does not read the catalogue guards nothing (#13 review twin)',
      code: `
      def upgrade():
          names = ["ix_invoice_paid"]
          if "ix_invoice_paid" in names:
              op.execute("DROP INDEX ix_invoice_paid")
      `,
      errors: [{ line: 4, message: /DROP INDEX ix_invoice_paid/ }],
    },
    {
      name: 'the same steps on a regular table are not idempotent (#13 twin)',
      code: `
      def upgrade():
          op.execute("CREATE TABLE id_map AS SELECT id, legacy_id FROM account")
          op.execute("DROP TABLE id_map")
      `,
      errors: [
        { line: 2, message: /CREATE TABLE id_map/ },
        { line: 3, message: /DROP TABLE id_map/ },
      ],
    },
    {
      name: 'CREATE and DROP without guards, upper and lower case',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE ledger_entry (id uuid PRIMARY KEY);
              create unique index ux_ledger on ledger_entry (id);
              CREATE EXTENSION citext;
              CREATE VIEW open_invoice AS SELECT 1;
          """)
          with op.get_context().autocommit_block():
              op.execute("CREATE INDEX CONCURRENTLY ix_a ON a (b)")

      def downgrade():
          op.execute("DROP INDEX CONCURRENTLY ix_a")
          op.execute(sa.text("DROP MATERIALIZED VIEW report"))
      `,
      errors: [
        {
          line: 3,
          message:
            'CREATE TABLE ledger_entry is not idempotent: re-running the revision after a failure half-way fails here. Write CREATE TABLE IF NOT EXISTS.',
        },
        { line: 4, message: /`CREATE INDEX ux_ledger` is not idempotent/ },
        { line: 5 },
        { line: 6, message: /Write `CREATE OR REPLACE VIEW`/ },
        { line: 9 },
        { line: 12, message: /`DROP INDEX ix_a` is not idempotent.*Write `DROP INDEX IF EXISTS`/ },
        { line: 13, message: /`DROP MATERIALIZED VIEW report`/ },
      ],
      output: `
      def upgrade():
          op.execute("""
              CREATE TABLE IF NOT EXISTS ledger_entry (id uuid PRIMARY KEY);
              create unique index if not exists ux_ledger on ledger_entry (id);
              CREATE EXTENSION IF NOT EXISTS citext;
              CREATE OR REPLACE VIEW open_invoice AS SELECT 1;
          """)
          with op.get_context().autocommit_block():
              op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON a (b)")

      def downgrade():
          op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_a")
          op.execute(sa.text("DROP MATERIALIZED VIEW IF EXISTS report"))
      `,
    },
    {
      name: 'ALTER TABLE commands, each at its own place',
      code: `
      def upgrade():
          op.execute("ALTER TABLE billing.ledger_entry ADD memo text, DROP COLUMN legacy, ADD CONSTRAINT uq UNIQUE (memo), DROP CONSTRAINT ck_old")
          op.execute("ALTER TYPE invoice_status ADD VALUE 'paid' AFTER 'sent'")
      `,
      errors: [
        { line: 2, message: /`ADD COLUMN memo`/ },
        { line: 2, message: /`DROP COLUMN legacy`/ },
        { line: 2, message: /`DROP CONSTRAINT ck_old`/ },
        { line: 3, message: /Write `ADD VALUE IF NOT EXISTS`/ },
      ],
      output:
        `
      def upgrade():
          op.execute("ALTER TABLE billing.ledger_entry ADD IF NOT ` +
        `EXISTS memo text, DROP COLUMN IF EXISTS legacy, ADD CONSTRAINT uq UNIQUE (memo), DROP ` +
        `CONSTRAINT IF EXISTS ck_old")
          op.execute("ALTER TYPE invoice_status ADD VALUE IF ` +
        `NOT EXISTS 'paid' AFTER 'sent'")
      `,
    },
    {
      name: 'a statement in a helper, and SQL held in a variable',
      code: `
      DROP_SQL = "DROP TABLE legacy"

      def _drop_legacy():
          op.execute(DROP_SQL)

      def upgrade():
          _drop_legacy()
      `,
      errors: [{ line: 1 }],
      output: `
      DROP_SQL = "DROP TABLE IF EXISTS legacy"

      def _drop_legacy():
          op.execute(DROP_SQL)

      def upgrade():
          _drop_legacy()
      `,
    },
    {
      name: 'no fix when the keyword is not written literally',
      code: `
      def upgrade():
          op.execute("CREATE TABL\\x45 ledger (id uuid)")
      `,
      errors: [{ line: 2 }],
      output: null,
    },
  ],
});
