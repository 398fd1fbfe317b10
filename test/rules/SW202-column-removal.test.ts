import rule from '../../server/src/rules/SW202-column-removal';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'drop_column in a downgrade undoes the upgrade',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text(), comment="free text"))

      def downgrade():
          op.drop_column("account", "note")
      `,
    },
    {
      name: 'a column added earlier in the same upgrade holds no data yet',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("tmp", sa.Text()))
          op.execute("UPDATE account SET email = lower(email)")
          op.drop_column("account", "tmp")
      `,
    },
    {
      name: 'a column of a table created in the same upgrade',
      code: `
      def upgrade():
          op.create_table("staging", sa.Column("id", sa.Integer()), sa.Column("raw", sa.Text()))
          with op.batch_alter_table("staging") as batch_op:
              batch_op.drop_column("raw")
      `,
    },
    {
      name: 'SQL DROP COLUMN in a downgrade',
      code: `
      def upgrade():
          op.execute("ALTER TABLE account ADD COLUMN note text")

      def downgrade():
          op.execute("ALTER TABLE account DROP COLUMN note")
      `,
    },
    {
      name: "drop_table is SW104's, not a column removal",
      code: `
      def upgrade():
          op.drop_table("legacy")
      `,
    },
  ],
  invalid: [
    {
      name: 'op.drop_column in an upgrade',
      code: `
      def upgrade():
          op.drop_column("account", "legacy_code")
      `,
      errors: [
        {
          line: 2,
          message:
            /Dropping column "account\.legacy_code" destroys its data.*deprecation window.*data-handling plan.*allow SW202 decision=NNNN/,
        },
      ],
    },
    {
      name: 'batch_op.drop_column and a helper function',
      code: `
      def _drop_legacy():
          op.drop_column("invoice", "legacy")

      def upgrade():
          with op.batch_alter_table("account", schema=None) as batch_op:
              batch_op.drop_column("legacy_code")
          _drop_legacy()
      `,
      errors: [
        { line: 2, message: /"invoice\.legacy"/ },
        { line: 6, message: /"account\.legacy_code"/ },
      ],
    },
    {
      name: 'SQL DROP COLUMN in a triple-quoted string and sa.text',
      code: `
      def upgrade():
          op.execute("""
              ALTER TABLE account
                  DROP COLUMN IF EXISTS legacy_code
          """)
          op.execute(sa.text("ALTER TABLE invoice DROP COLUMN note"))
      `,
      errors: [
        { line: 4, message: /DROP COLUMN "account\.legacy_code"/ },
        { line: 6, message: /DROP COLUMN "invoice\.note"/ },
      ],
    },
  ],
});
