import rule from '../../server/src/rules/SW610-not-null-without-check';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'a CHECK (col IS NOT NULL) validated in an earlier revision',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.alter_column("account", "email", existing_type=sa.Text(), nullable=False)
      `,
      others: {
        'a1.py': `
      revision = "a1"
      def upgrade():
          op.execute("ALTER TABLE account ADD CONSTRAINT ck_email_nn CHECK (email IS NOT NULL) NOT VALID")
          with op.get_context().autocommit_block():
              op.execute("ALTER TABLE account VALIDATE CONSTRAINT ck_email_nn")
      `,
      },
    },
    {
      name: 'the check added earlier in the same SQL string, validated, then SET NOT NULL',
      code: `
      revision = "b1"
      def upgrade():
          op.create_check_constraint("ck_email_nn", "account", "email IS NOT NULL")
          op.execute("ALTER TABLE account ALTER COLUMN email SET NOT NULL")
      `,
    },
    {
      name: 'restated nullability of a column the history made NOT NULL, and a table created here',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.alter_column("account", "id", existing_type=sa.Integer(), nullable=False)
          op.create_table("note", sa.Column("body", sa.Text(), nullable=True))
          op.alter_column("note", "body", nullable=False)
      `,
      others: {
        'a1.py': `
      revision = "a1"
      def upgrade():
          op.create_table("account", sa.Column("id", sa.Integer(), primary_key=True))
      `,
      },
    },
  ],
  invalid: [
    {
      name: 'alter_column nullable=False with no check',
      code: `
      revision = "b1"
      def upgrade():
          op.alter_column("account", "email", existing_type=sa.Text(), nullable=False)
      `,
      errors: [
        { line: 3, message: /SET NOT NULL on "account.email" scans the whole existing table under ACCESS EXCLUSIVE/ },
      ],
    },
    {
      name: 'SQL SET NOT NULL, also when the column has a default; a NOT VALID check alone is not enough',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER TABLE account ADD CONSTRAINT ck_email_nn CHECK (email IS NOT NULL) NOT VALID")
          op.execute("ALTER TABLE account ALTER COLUMN email SET DEFAULT '', ALTER COLUMN email SET NOT NULL")
      `,
      errors: [{ line: 4 }],
    },
  ],
});
