import rule from '../../server/src/rules/SW105-backward-compatible-change';
import { ruleTester } from './ruleTester';

const BASE = `
  revision = "a1"
  down_revision = None

  def upgrade():
      op.create_table(
          "account",
          sa.Column("id", sa.Integer(), primary_key=True),
          sa.Column("status", sa.Text(), server_default="active"),
          sa.Column("email", sa.Text()),
      )
  `;

ruleTester(rule, {
  valid: [
    {
      name: 'a serial column added to an existing table has a default: its sequence (#13 review)',
      code: `
      def upgrade():
          op.execute("ALTER TABLE case_link ADD COLUMN id SERIAL PRIMARY KEY")
          op.execute("ALTER TABLE case_note ADD COLUMN seq bigserial NOT NULL")
      `,
    },
    {
      name: 'restated nullability: the history already made the column NOT NULL (#13)',
      code: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          op.alter_column("account", "id", existing_type=sa.Integer(), nullable=False)
          op.alter_column("account", "code", nullable=False)
          op.execute("ALTER TABLE account ALTER COLUMN code SET NOT NULL")
      `,
      others: {
        'a1.py': `
        revision = "a1"
        down_revision = None

        def upgrade():
            op.create_table(
                "account",
                sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("code", sa.Text(), nullable=False),
            )
        `,
      },
    },
    {
      name: 'renames in a downgrade undo the upgrade',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text()))

      def downgrade():
          op.rename_table("account_v2", "account")
          op.alter_column("account", "email_address", new_column_name="email")
      `,
    },
    {
      name: 'changes to a table created in the same revision',
      code: `
      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.Integer()), sa.Column("total", sa.Integer()))
          op.alter_column("invoice", "total", nullable=False, type_=sa.BigInteger())
          op.rename_table("invoice", "bill")
          op.execute("ALTER TABLE invoice ALTER COLUMN total DROP DEFAULT")
      `,
    },
    {
      name: 'NOT NULL with a server default',
      code: `
      def upgrade():
          op.alter_column("account", "email", nullable=False, server_default="")
          op.alter_column("account", "kind", nullable=False, existing_server_default=sa.text("'user'"))
          op.add_column("account", sa.Column("tier", sa.Text(), nullable=False, server_default="free"))
          op.execute("ALTER TABLE account ALTER COLUMN region SET DEFAULT 'eu', ALTER COLUMN region SET NOT NULL")
      `,
    },
    {
      name: 'NOT NULL on a column whose history gives it a server default',
      code: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          op.alter_column("account", "status", nullable=False)
      `,
      others: { 'a1.py': BASE },
    },
    {
      name: 'widening a type within its family is invisible to the application',
      code: `
      def upgrade():
          op.alter_column("account", "email", type_=sa.String(320), existing_type=sa.String(255))
      `,
    },
    {
      name: "a lossy type change is SW104's, an unknown one too",
      code: `
      def upgrade():
          op.alter_column("account", "email", type_=sa.String(10), existing_type=sa.Text())
          op.alter_column("account", "code", type_=sa.String(10))
      `,
    },
    {
      name: 'a nullable add_column',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text(), nullable=True))
      `,
    },
    {
      name: 'a loop over literal names adds NOT NULL columns to tables created in the same revision (#13)',
      code: `
      def upgrade():
          for name in ("invoice", "payment"):
              op.create_table(name, sa.Column("id", sa.Integer(), primary_key=True))
          for table in ("invoice", "payment"):
              op.add_column(table, sa.Column("kind", sa.Text(), nullable=False))
      `,
    },
  ],
  invalid: [
    {
      name: 'an integer key added the same way has none (#13 review twin)',
      code: `
      def upgrade():
          op.execute("ALTER TABLE case_link ADD COLUMN id integer PRIMARY KEY")
      `,
      errors: [{ line: 2, message: /Adding NOT NULL column "case_link.id" without a default/ }],
    },
    {
      name: 'a nullable column made NOT NULL still fires (#13 twin)',
      code: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          op.alter_column("account", "email", nullable=False)
      `,
      others: { 'a1.py': BASE },
      errors: [{ line: 5, message: /"account\.email" NOT NULL/ }],
    },
    {
      name: 'rename_table and alter_column(new_column_name=)',
      code: `
      def upgrade():
          op.rename_table("account", "customer")
          with op.batch_alter_table("customer") as batch_op:
              batch_op.alter_column("email", new_column_name="email_address")
      `,
      errors: [
        {
          line: 2,
          message:
            /Renaming table "account" to "customer" breaks the running application, which still uses "account"\. Roll it out in stages \(expand\/contract/,
        },
        { line: 4, message: /Renaming column "customer\.email" to "email_address"/ },
      ],
    },
    {
      name: 'SQL renames',
      code: `
      def upgrade():
          op.execute("ALTER TABLE account RENAME TO customer")
          op.execute("ALTER TABLE invoice RENAME COLUMN total TO amount")
      `,
      errors: [
        { line: 2, message: /Renaming table "account" to "customer"/ },
        { line: 3, message: /Renaming column "invoice\.total" to "amount"/ },
      ],
    },
    {
      name: 'NOT NULL without a server default',
      code: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          op.alter_column("account", "email", nullable=False)
          op.execute("ALTER TABLE account ALTER COLUMN email SET NOT NULL")
          op.add_column("account", sa.Column("tier", sa.Text(), nullable=False))
      `,
      others: { 'a1.py': BASE },
      errors: [
        { line: 5, message: /Making "account\.email" NOT NULL without a server default/ },
        { line: 6, message: /Making "account\.email" NOT NULL/ },
        { line: 7, message: /Adding NOT NULL column "account\.tier" without a server default/ },
      ],
    },
    {
      name: 'type changes the application notices',
      code: `
      def upgrade():
          op.alter_column("account", "id", type_=sa.Text(), existing_type=sa.Integer())
          op.alter_column("event", "at", type_=sa.DateTime(timezone=True), existing_type=sa.DateTime())
      `,
      errors: [
        { line: 2, message: /"account\.id" \(int4 → text\)/ },
        { line: 3, message: /"event\.at" \(timestamp → timestamptz\) .*session time zone/ },
      ],
    },
    {
      name: 'dropping a server default',
      code: `
      def upgrade():
          op.alter_column("account", "status", server_default=None, existing_type=sa.Text())
          op.execute("ALTER TABLE account ALTER COLUMN kind DROP DEFAULT")
      `,
      errors: [
        { line: 2, message: /Dropping the server default of "account\.status"/ },
        { line: 3, message: /Dropping the server default of "account\.kind"/ },
      ],
    },
    {
      name: 'a loop over literal names is unrolled: each table is named (#13)',
      code: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          for table, column in (("account", "kind"), ("account", "tier")):
              op.add_column(table, sa.Column(column, sa.Text(), nullable=False))
      `,
      others: { 'a1.py': BASE },
      errors: [
        { line: 6, message: /^Adding NOT NULL column "account\.kind"/ },
        { line: 6, message: /^Adding NOT NULL column "account\.tier"/ },
      ],
    },
  ],
});
