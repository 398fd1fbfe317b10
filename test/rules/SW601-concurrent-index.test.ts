import rule from '../../server/src/rules/SW601-concurrent-index';
import { ruleTester } from './ruleTester';

const base = `
  revision = "a1"
  down_revision = None

  def upgrade():
      op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True), sa.Column("customer_id", sa.UUID()))
      op.create_index("ix_invoice_old", "invoice", ["customer_id"])

  def downgrade():
      op.drop_table("invoice")
`;

ruleTester(rule, {
  valid: [
    {
      name: 'index on a table created in the same revision',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True), sa.Column("customer_id", sa.UUID()))
          op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"])
          op.execute("CREATE INDEX ix_invoice_id2 ON invoice (id)")
      `,
    },
    {
      name: 'concurrent index inside an autocommit block',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"], postgresql_concurrently=True)
              op.drop_index("ix_invoice_old", table_name="invoice", postgresql_concurrently=True)
              op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_b ON invoice (id)")
              op.execute(sa.text("DROP INDEX CONCURRENTLY ix_c"))
      `,
    },
    {
      name: 'dropping an index the same revision created',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("t", sa.Column("id", sa.UUID()))
          op.create_index("ix_t", "t", ["id"])
          op.drop_index("ix_t")
      `,
    },
    {
      name: 'downgrade is not checked',
      code: `
      revision = "b1"
      def upgrade():
          pass
      def downgrade():
          op.drop_index("ix_invoice_old", table_name="invoice")
      `,
    },
    {
      name: 'batch op inside an autocommit block',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              with op.batch_alter_table("invoice") as batch_op:
                  batch_op.create_index("ix_invoice_total", ["total"], postgresql_concurrently=True)
      `,
    },
    {
      name: 'an index built only on SQLite (the else of a PostgreSQL test) (#13)',
      code: `
      revision = "b1"
      def is_postgres():
          return op.get_bind().dialect.name == "postgresql"

      def upgrade():
          if is_postgres():
              with op.get_context().autocommit_block():
                  op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"], postgresql_concurrently=True)
          else:
              op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"])
      `,
    },
  ],
  invalid: [
    {
      name: 'an index dropped and built again under the same name is an existing index when dropped (#13)',
      code: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          op.drop_index("ix_invoice_old", table_name="invoice")
          op.create_index("ix_invoice_old", "invoice", ["customer_id", "id"])
      `,
      others: { 'a1.py': base },
      errors: [
        { line: 5, message: /drop_index "ix_invoice_old" on existing table "invoice"/ },
        { line: 6, message: /create_index on existing table "invoice"/ },
      ],
    },
    {
      name: 'plain create_index on an existing table (fix wraps it)',
      code: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          op.create_index(
              "ix_invoice_customer_id",
              "invoice",
              ["customer_id"],
          )
      `,
      others: { 'a1.py': base },
      errors: [{ line: 5, message: /create_index on existing table "invoice" takes a SHARE lock/ }],
      output: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          with op.get_context().autocommit_block():
              op.create_index(
                  "ix_invoice_customer_id",
                  "invoice",
                  ["customer_id"],
                  postgresql_concurrently=True,
              )
      `,
    },
    {
      name: 'drop_index of an index known from history',
      code: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          op.drop_index("ix_invoice_old")
      `,
      others: { 'a1.py': base },
      errors: [
        {
          line: 5,
          message:
            'drop_index "ix_invoice_old" on existing table "invoice" takes an ACCESS EXCLUSIVE lock, ' +
            'blocking reads and writes. Pass postgresql_concurrently=True and run it inside with ' +
            'op.get_context().autocommit_block():.',
        },
      ],
    },
    {
      name: 'concurrently outside an autocommit block (helper function)',
      code: `
      revision = "b1"

      def _indexes():
          op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"], postgresql_concurrently=True)

      def upgrade():
          _indexes()
      `,
      errors: [
        {
          line: 4,
          message: /outside an autocommit block: CREATE INDEX CONCURRENTLY cannot run inside a transaction block/,
        },
      ],
      output: `
      revision = "b1"

      def _indexes():
          with op.get_context().autocommit_block():
              op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"], postgresql_concurrently=True)

      def upgrade():
          _indexes()
      `,
    },
    {
      name: 'SQL index builds and drops',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("""
              CREATE UNIQUE INDEX ix_invoice_number ON invoice (number);
              DROP INDEX ix_invoice_legacy;
          """)
          op.execute("CREATE INDEX CONCURRENTLY ix_x ON invoice (x)")
      `,
      errors: [
        { line: 4, message: /^CREATE INDEX on existing table "invoice" takes a SHARE lock/ },
        { line: 5, message: /^DROP INDEX ix_invoice_legacy takes an ACCESS EXCLUSIVE lock on its table/ },
        { line: 7, message: /^CREATE INDEX CONCURRENTLY cannot run inside a transaction block/ },
      ],
    },
    {
      name: 'batch op create_index',
      code: `
      revision = "b1"
      def upgrade():
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.create_index("ix_invoice_total", ["total"])
      `,
      errors: [{ line: 4, message: /create_index on existing table "invoice"/ }],
      output: null,
    },
  ],
});
