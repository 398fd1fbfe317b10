import rule from '../../server/src/rules/SW204-timezone-aware-timestamp';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'timezone-aware columns in create_table, add_column and alter_column',
      code: `
      import sqlalchemy as sa
      from alembic import op
      from sqlalchemy.dialects import postgresql

      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.Uuid(), primary_key=True),
              sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
              sa.Column("sent_at", postgresql.TIMESTAMP(timezone=True, precision=3)),
              sa.Column("paid_at", sa.TIMESTAMP(True)),
              comment="invoices sent to customers",
          )
          op.add_column("invoice", sa.Column("due_on", sa.Date(), comment="payment due date"))
          op.alter_column("invoice", "paid_at", type_=sa.DateTime(timezone=True), existing_type=sa.DateTime())
      `,
    },
    {
      name: 'SQL timestamptz and timestamp with time zone',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE IF NOT EXISTS audit_entry (
                  id uuid PRIMARY KEY,
                  at timestamptz(3) NOT NULL,
                  seen timestamp with time zone
              );
              ALTER TABLE audit_entry ADD COLUMN IF NOT EXISTS tags timestamptz[];
          """)
      `,
    },
    {
      name: 'a downgrade that restores the naive column is not reported',
      code: `
      def upgrade():
          op.alter_column("invoice", "paid_at", type_=sa.DateTime(timezone=True), existing_type=sa.DateTime())

      def downgrade():
          op.alter_column("invoice", "paid_at", type_=sa.DateTime(), existing_type=sa.DateTime(timezone=True))
      `,
    },
    {
      name: 'timezone given as an expression is not guessed',
      code: `
      TZ = True
      def upgrade():
          op.add_column("invoice", sa.Column("paid_at", sa.DateTime(timezone=TZ)))
      `,
    },
    {
      name: 'lightweight sa.table() for a data migration is no DDL',
      code: `
      def upgrade():
          invoice = sa.table("invoice", sa.column("paid_at", sa.DateTime()))
          op.execute(invoice.update().values(paid_at=None))
      `,
    },
  ],
  invalid: [
    {
      name: 'sa.DateTime() in create_table',
      code: `
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("created_at", sa.DateTime(), nullable=False),
          )
      `,
      errors: [{ line: 4, message: /Column "created_at" is `sa.DateTime\(\)` without a time zone/ }],
      output: `
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
          )
      `,
    },
    {
      name: 'bare type name, timezone=False, positional False, postgresql.TIMESTAMP(precision=)',
      code: `
      from sqlalchemy import DateTime
      def upgrade():
          op.add_column("a", sa.Column("x", sa.DateTime, comment="x"))
          op.add_column("a", sa.Column("y", DateTime))
          op.add_column("a", sa.Column("z", sa.TIMESTAMP(timezone=False)))
          op.add_column("a", sa.Column("w", sa.DateTime(False)))
          op.add_column("a", sa.Column("v", postgresql.TIMESTAMP(precision=3)))
      `,
      errors: [{ line: 3 }, { line: 4 }, { line: 5 }, { line: 6 }, { line: 7 }],
      output: `
      from sqlalchemy import DateTime
      def upgrade():
          op.add_column("a", sa.Column("x", sa.DateTime(timezone=True), comment="x"))
          op.add_column("a", sa.Column("y", DateTime(timezone=True)))
          op.add_column("a", sa.Column("z", sa.TIMESTAMP(timezone=True)))
          op.add_column("a", sa.Column("w", sa.DateTime(True)))
          op.add_column("a", sa.Column("v", postgresql.TIMESTAMP(precision=3, timezone=True)))
      `,
    },
    {
      name: 'batch alter_column type_ and helper function',
      code: `
      def _add_stamp(table):
          op.add_column(table, sa.Column("stamped_at", sa.DateTime()))

      def upgrade():
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.alter_column("paid_at", type_=sa.DateTime(), existing_type=sa.Date())
          _add_stamp("invoice")
      `,
      errors: [{ line: 2 }, { line: 6, message: /Column "paid_at"/ }],
      output: `
      def _add_stamp(table):
          op.add_column(table, sa.Column("stamped_at", sa.DateTime(timezone=True)))

      def upgrade():
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.alter_column("paid_at", type_=sa.DateTime(timezone=True), existing_type=sa.Date())
          _add_stamp("invoice")
      `,
    },
    {
      name: 'a UTC wall-clock default becomes now() with the type',
      code: `
      def upgrade():
          op.add_column("a", sa.Column("at", sa.DateTime(), server_default=sa.text("timezone('utc', now())")))
          op.add_column("a", sa.Column("bt", sa.DateTime(), server_default=sa.func.timezone("UTC", sa.func.now())))
      `,
      errors: [{ line: 2 }, { line: 3 }],
      output: `
      def upgrade():
          op.add_column("a", sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()")))
          op.add_column("a", sa.Column("bt", sa.DateTime(timezone=True), server_default=sa.func.now()))
      `,
    },
    {
      name: 'SQL timestamp, precision and WITHOUT TIME ZONE in a triple-quoted string',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE audit_entry (
                  id uuid PRIMARY KEY,
                  at timestamp(3) NOT NULL,
                  seen TIMESTAMP WITHOUT TIME ZONE,
                  logged timestamp DEFAULT (now() AT TIME ZONE 'utc')
              )
          """)
          op.execute(sa.text("ALTER TABLE audit_entry ALTER COLUMN seen TYPE timestamp USING seen"))
      `,
      errors: [{ line: 5 }, { line: 6 }, { line: 7 }, { line: 10 }],
      output: `
      def upgrade():
          op.execute("""
              CREATE TABLE audit_entry (
                  id uuid PRIMARY KEY,
                  at timestamptz(3) NOT NULL,
                  seen TIMESTAMPTZ,
                  logged timestamptz DEFAULT now()
              )
          """)
          op.execute(sa.text("ALTER TABLE audit_entry ALTER COLUMN seen TYPE timestamptz USING seen"))
      `,
    },
    {
      name: 'no fix when the type is split by a string boundary',
      code: `
      def upgrade():
          op.execute("ALTER TABLE a ADD COLUMN b time" "stamp")
      `,
      errors: [{ line: 2, message: /Column "b" is `timestamp`/ }],
      output: null,
    },
  ],
});
