import rule from '../../server/src/rules/SW605-lock-held-across-statements';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'the backfill commits on its own: an autocommit block between the lock and the UPDATE',
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("account", sa.Column("tier", sa.Text(), nullable=True))
          with op.get_context().autocommit_block():
              op.execute("UPDATE account SET tier = 'free'")
      `,
    },
    {
      name: 'slow work before the lock is taken',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("UPDATE account SET tier = 'free' WHERE tier IS NULL")
          op.alter_column("account", "tier", server_default="free")
      `,
    },
    {
      name: 'brief changes to the same table, and work on a table this revision creates',
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("account", sa.Column("tier", sa.Text(), nullable=True))
          op.add_column("account", sa.Column("region", sa.Text(), nullable=True))
          op.create_table("tier", sa.Column("name", sa.Text(), primary_key=True))
          op.bulk_insert(sa.table("tier", sa.column("name")), [{"name": "free"}])
      `,
    },
    {
      name: 'a table created here, then filled: nobody waits on it',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("account_tier", sa.Column("id", sa.Integer(), primary_key=True))
          op.execute("INSERT INTO account_tier (id) VALUES (1)")
      `,
    },
    {
      name: 'brief schema changes to a second existing table (lock_timeout bounds that wait: SW603)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("""
              ALTER TABLE account DROP COLUMN legacy_flag;
              ALTER TABLE invoice ADD COLUMN note text;
          """)
      `,
    },
  ],
  invalid: [
    {
      name: 'a backfill after ADD COLUMN keeps the table locked for the whole UPDATE',
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("account", sa.Column("tier", sa.Text(), nullable=True))
          op.execute("UPDATE account SET tier = 'free'")
      `,
      errors: [
        {
          line: 4,
          message:
            /changes rows of "account" while the transaction still holds ACCESS EXCLUSIVE on "account" \(taken by add_column on line 3\)/,
        },
      ],
    },
    {
      name: 'validating an older constraint after an ACCESS EXCLUSIVE lock',
      code: `
      revision = "b1"
      def upgrade():
          op.drop_column("account", "legacy_flag")
          op.execute("ALTER TABLE invoice VALIDATE CONSTRAINT fk_invoice_customer")
      `,
      errors: [{ line: 4, message: /validates constraint "fk_invoice_customer"/ }],
    },
  ],
});
