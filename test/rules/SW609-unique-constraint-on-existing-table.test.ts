import rule from '../../server/src/rules/SW609-unique-constraint-on-existing-table';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'unique index built concurrently, then the constraint USING INDEX',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              op.create_index("uq_account_email", "account", ["email"], unique=True, postgresql_concurrently=True)
          op.execute("ALTER TABLE account ADD CONSTRAINT uq_account_email UNIQUE USING INDEX uq_account_email")
      `,
    },
    {
      name: 'constraints on a table this revision creates',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("account", sa.Column("id", sa.UUID()), sa.Column("email", sa.Text()))
          op.create_unique_constraint("uq_account_email", "account", ["email"])
          op.create_primary_key("pk_account", "account", ["id"])
          op.execute("ALTER TABLE account ADD COLUMN handle text UNIQUE")
      `,
    },
    {
      name: 'a plain column and a CHECK are not this rule',
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("account", sa.Column("handle", sa.Text(), nullable=True))
          op.execute("ALTER TABLE account ADD CONSTRAINT ck_handle CHECK (handle <> '') NOT VALID")
      `,
    },
  ],
  invalid: [
    {
      name: 'create_unique_constraint and create_primary_key on an existing table',
      code: `
      revision = "b1"
      def upgrade():
          op.create_unique_constraint("uq_account_email", "account", ["email"])
          op.create_primary_key("pk_session", "session", ["id"])
      `,
      errors: [
        {
          line: 3,
          message:
            /create_unique_constraint on existing table "account" builds its index while holding ACCESS EXCLUSIVE/,
        },
        { line: 4, message: /create_primary_key on existing table "session"/ },
      ],
    },
    {
      name: 'SQL ADD CONSTRAINT UNIQUE, and ADD COLUMN … UNIQUE',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER TABLE account ADD CONSTRAINT uq_account_email UNIQUE (email)")
          op.execute("ALTER TABLE account ADD COLUMN handle text UNIQUE")
      `,
      errors: [
        { line: 3, message: /ADD UNIQUE on existing table "account"/ },
        { line: 4, message: /ADD COLUMN … UNIQUE on existing table "account"/ },
      ],
    },
    {
      name: 'add_column with unique=True',
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("account", sa.Column("handle", sa.Text(), unique=True, nullable=True))
      `,
      errors: [{ line: 3, message: /add_column "handle" with unique=True on existing table "account"/ }],
    },
  ],
});
