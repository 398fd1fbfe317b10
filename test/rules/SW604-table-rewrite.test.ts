import rule from '../../server/src/rules/SW604-table-rewrite';
import { ruleTester } from './ruleTester';

const history = `
  revision = "a1"
  down_revision = None
  def upgrade():
      op.create_table(
          "invoice",
          sa.Column("id", sa.Integer(), primary_key=True),
          sa.Column("number", sa.String(20), nullable=False),
          sa.Column("total", sa.Numeric(10, 2)),
      )
`;

ruleTester(rule, {
  valid: [
    {
      name: "varchar → citext is binary-coercible, and a project's own type is no SQL type (#13)",
      code: `
      from myapp.types import LongText

      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.alter_column("invoice", "number", type_=postgresql.CITEXT())
          op.alter_column("invoice", "total", type_=LongText())
      `,
      others: { 'a1.py': history },
    },
    {
      name: 'stable and constant defaults do not rewrite on PG 15',
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("invoice", sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False))
          op.add_column("invoice", sa.Column("status", sa.Text(), server_default="open", nullable=False))
          op.execute("ALTER TABLE invoice ADD COLUMN flag boolean NOT NULL DEFAULT false")
      `,
    },
    {
      name: 'binary-coercible type changes',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.alter_column("invoice", "number", type_=sa.String(64))
          op.alter_column("invoice", "total", type_=sa.Numeric(12, 2))
          op.execute("ALTER TABLE invoice ALTER COLUMN number TYPE text")
      `,
      others: { 'a1.py': history },
    },
    {
      name: 'volatile default on a table created in the same revision',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("token", sa.Column("id", sa.Integer(), primary_key=True))
          op.add_column("token", sa.Column("value", sa.UUID(), server_default=sa.text("gen_random_uuid()")))
      `,
    },
    {
      name: 'unknown current type is not guessed',
      code: `
      revision = "b1"
      def upgrade():
          op.alter_column("invoice", "amount", type_=sa.BigInteger())
      `,
    },
    {
      name: 'another dialect type in that dialect branch is no PostgreSQL type change (#13)',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          if op.get_bind().dialect.name != "postgresql":
              op.alter_column("invoice", "number", type_=mysql.MEDIUMTEXT(), existing_type=sa.String(20))
      `,
      others: { 'a1.py': history },
    },
  ],
  invalid: [
    {
      name: 'volatile defaults and identity columns',
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("invoice", sa.Column("public_id", sa.UUID(), server_default=sa.text("gen_random_uuid()")))
          op.add_column("invoice", sa.Column("seq", sa.BigInteger(), sa.Identity()))
          op.execute("ALTER TABLE invoice ADD COLUMN jitter float8 DEFAULT random()")
      `,
      errors: [
        {
          line: 3,
          message:
            /^Adding column "public_id" to existing table "invoice" with a volatile default \(sa\.text\("gen_random_uuid\(\)"\)\)/,
        },
        { line: 4, message: /with an identity column/ },
        { line: 5, message: /^ADD COLUMN jitter on existing table "invoice" with a volatile default/ },
      ],
    },
    {
      name: 'any default before PostgreSQL 11',
      config: { postgresVersion: 10 },
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("invoice", sa.Column("status", sa.Text(), server_default="open"))
      `,
      errors: [{ line: 3, message: /before PostgreSQL 11 any non-null default rewrites the table/ }],
    },
    {
      name: 'type changes from existing_type and from the replayed schema',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.alter_column("invoice", "id", type_=sa.BigInteger(), existing_type=sa.Integer())
          op.alter_column("invoice", "number", type_=sa.String(10))
          op.execute("ALTER TABLE invoice ALTER COLUMN total TYPE integer, SET LOGGED")
      `,
      others: { 'a1.py': history },
      errors: [
        {
          line: 4,
          message: /^Changing "invoice"\."id" int4 → int8 is not binary-coercible: PostgreSQL rewrites the whole table/,
        },
        { line: 5, message: /varchar\(20\) → varchar\(10\) shortens or adds a length limit/ },
        { line: 6, message: /SET LOGGED/ },
        { line: 6, message: /^Changing "invoice"\."total" numeric\(10, 2\) → int4 is not binary-coercible/ },
      ],
    },
    {
      name: 'the same change outside a dialect test is analysed (#13)',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          if settings.widen_numbers:
              op.alter_column("invoice", "number", type_=sa.Integer(), existing_type=sa.String(20))
      `,
      others: { 'a1.py': history },
      errors: [{ line: 5 }],
    },
  ],
});
