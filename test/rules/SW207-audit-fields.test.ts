import rule from '../../server/src/rules/SW207-audit-fields';
import { ruleTester } from './ruleTester';

const audit = `sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
              sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),`;

const customer = `
  import sqlalchemy as sa
  from alembic import op
  revision = "a1"
  down_revision = None
  def upgrade():
      op.create_table(
          "customer",
          sa.Column("id", sa.UUID(), primary_key=True),
          sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
          sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
      )
      op.execute("""
          CREATE TABLE payment (
              id uuid PRIMARY KEY,
              created_at timestamptz NOT NULL DEFAULT now(),
              updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
          )
      """)
`;

ruleTester(rule, {
  valid: [
    {
      name: 'audit columns declared alike (Alembic and SQL)',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.UUID(), primary_key=True),
              ${audit}
          )
      `,
      others: { 'a1.py': customer },
    },
    {
      name: 'columns added by a later revision count (schema at head)',
      code: `
      revision = "b1"
      down_revision = None
      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True))
      `,
      others: {
        'c1.py': `
      revision = "c1"
      down_revision = "b1"
      def upgrade():
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")))
              batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")))
      `,
      },
    },
    {
      name: 'dropped tables and partitions are not checked',
      code:
        `
      revision = "b1"
      def upgrade():
          op.create_table("scratch", ` +
        `sa.Column("id", sa.UUID(), primary_key=True))
          op.execute("CREATE TABLE event (id ` +
        `uuid, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL ` +
        `DEFAULT now()) PARTITION BY RANGE (created_at)")
          op.execute("CREATE TABLE ` +
        `event_2024 PARTITION OF event FOR VALUES FROM ('2024-01-01') TO ` +
        `('2025-01-01')")
          op.drop_table("scratch")
      `,
    },
    {
      name: 'temporary tables are work tables of one migration, not entities (#13)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("CREATE TEMP TABLE moved_rows ON COMMIT DROP AS SELECT id FROM customer")
          op.execute("CREATE TEMPORARY TABLE id_map (old_id integer, new_id uuid)")
      `,
    },
  ],
  invalid: [
    {
      name: 'missing audit columns: the fix copies the majority declaration',
      code: `
      import sqlalchemy as sa
      from alembic import op
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.UUID(), primary_key=True),
              sa.Column("total", sa.Numeric(12, 2), nullable=False),
              sa.PrimaryKeyConstraint("id"),
          )
      `,
      others: {
        'a1.py': customer,
        'c1.py':
          `
      import sqlalchemy as sa
      revision = "c1"
      down_revision = "b1"
      def ` +
          `upgrade():
          op.create_table("refund", sa.Column("id", sa.UUID(), ` +
          `primary_key=True), sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, ` +
          `server_default=sa.func.now()), sa.Column("updated_at", sa.DateTime(timezone=True), ` +
          `nullable=False, server_default=sa.func.now()))
      `,
      },
      errors: [
        {
          line: 7,
          message:
            'Table "invoice" has no created_at and updated_at audit columns, which every table needs. ' +
            'Add created_at and updated_at: timestamptz (sa.DateTime(timezone=True)), NOT NULL, with ' +
            'server_default=sa.text("now()").',
        },
      ],
      output: `
      import sqlalchemy as sa
      from alembic import op
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.UUID(), primary_key=True),
              sa.Column("total", sa.Numeric(12, 2), nullable=False),
              sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
              sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
              sa.PrimaryKeyConstraint("id"),
          )
      `,
    },
    {
      name: 'one missing column, one-line create_table, default declaration',
      code:
        `
      revision = "b1"
      def upgrade():
          op.create_table("invoice", ` +
        `sa.Column("id", sa.UUID(), primary_key=True), sa.Column("created_at", ` +
        `sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")))
      `,
      errors: [{ line: 3, message: /^Table "invoice" has no updated_at audit column, which every table needs/ }],
      output:
        `
      revision = "b1"
      def upgrade():
          op.create_table("invoice", ` +
        `sa.Column("id", sa.UUID(), primary_key=True), sa.Column("created_at", ` +
        `sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")), ` +
        `sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, ` +
        `server_default=sa.text("now()")))
      `,
    },
    {
      name: 'wrong declarations',
      code:
        `
      revision = "b1"
      def ` +
        `upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", ` +
        `sa.UUID(), primary_key=True),
              sa.Column("created_at", sa.DateTime(), ` +
        `nullable=True, default=datetime.utcnow),
              sa.Column("updated_at", ` +
        `sa.DateTime(timezone=True), nullable=False, ` +
        `server_default="now()"),
          )
          op.execute("CREATE TABLE payment (id uuid ` +
        `PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT timezone('utc', now()), updated_at ` +
        `timestamptz NOT NULL DEFAULT now())")
      `,
      errors: [
        {
          line: 6,
          message:
            'Audit column "invoice"."created_at" is a timestamp without time zone, is nullable, has ' +
            'only a Python-side default= (Alembic never writes it to the database). Declare it ' +
            'timestamptz (sa.DateTime(timezone=True)), NOT NULL, with server_default=sa.text("now()").',
        },
        { line: 7, message: /^Audit column "invoice"."updated_at" has the quoted string "now\(\)" as default/ },
        {
          line: 9,
          message:
            /^Audit column "payment"."created_at" has default timezone\(\), now\(\), which yields a timestamp without time zone/,
        },
      ],
    },
    {
      name: 'declared differently from the majority',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.UUID(), primary_key=True),
              sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("clock_timestamp()")),
              sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
          )
      `,
      others: { 'a1.py': customer },
      errors: [
        {
          line: 7,
          message:
            'Audit column "invoice"."created_at" is declared differently from 2 of 3 tables: default ' +
            'clock_timestamp() instead of now(). Declare it as the other tables do: timestamptz, ' +
            'default now().',
        },
      ],
    },
    {
      name: 'an unlogged table outlives the migration: it is checked (#13)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("CREATE UNLOGGED TABLE id_map (old_id integer, new_id uuid)")
      `,
      errors: [{ line: 3, message: /Table "id_map" has no created_at and updated_at audit columns/ }],
    },
  ],
});
