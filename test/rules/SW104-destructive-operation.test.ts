import rule from '../../server/src/rules/SW104-destructive-operation';
import { ruleTester } from './ruleTester';

const BASE = `
  revision = "a1"
  down_revision = None

  def upgrade():
      op.create_table(
          "account",
          sa.Column("id", sa.BigInteger(), primary_key=True),
          sa.Column("code", sa.String(32)),
          sa.Column("note", sa.Text()),
          sa.Column("amount", sa.Numeric(12, 2)),
      )
  `;

ruleTester(rule, {
  valid: [
    {
      name: 'a temporary table dropped after use (#13)',
      code: `
      def upgrade():
          op.execute("CREATE TEMP TABLE id_map AS SELECT id FROM account")
          op.execute("DROP TABLE id_map")
      `,
    },
    {
      name: 'a change to text keeps every value, even with the previous type unknown (#13)',
      code: `
      def upgrade():
          op.alter_column("account", "code", type_=sa.Text())
          op.execute("ALTER TABLE account ALTER COLUMN note TYPE text")
      `,
    },
    {
      name: "a project's own type (TypeDecorator) is not an SQL type (#13)",
      code: `
      from myapp.db.types import LongText

      revision = "b1"
      down_revision = "a1"

      def upgrade():
          op.alter_column("account", "note", type_=LongText())
          op.alter_column("account", "code", type_=mysql.MEDIUMTEXT(), existing_type=sa.String(32))
      `,
      others: { 'a1.py': BASE },
    },
    {
      name: 'timestamp → timestamptz on a column an earlier revision declared is lossless (#13)',
      code: `
      revision = "c1"
      down_revision = "b1"

      def upgrade():
          op.execute("UPDATE event SET seen_at = now() WHERE seen_at IS NULL")
          op.alter_column("event", "seen_at", type_=sa.DateTime(timezone=True))
      `,
      others: {
        'b1.py': `
        revision = "b1"
        down_revision = None

        def upgrade():
            op.create_table("event", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("seen_at", sa.DateTime()))
        `,
      },
    },
    {
      name: 'drops in a downgrade undo the upgrade',
      code: `
      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.Integer(), primary_key=True))
          op.execute("CREATE TABLE report (id int)")

      def downgrade():
          op.execute("DROP TABLE report")
          op.drop_table("invoice")
      `,
    },
    {
      name: 'a table created earlier in the same upgrade (a temporary copy)',
      code: `
      def upgrade():
          op.create_table("account_tmp", sa.Column("id", sa.Integer()))
          op.execute("INSERT INTO account_tmp SELECT id FROM account")
          op.drop_table("account_tmp")
      `,
    },
    {
      name: 'widening type changes',
      code: `
      def upgrade():
          op.alter_column("account", "code", type_=sa.String(64), existing_type=sa.String(32))
          op.alter_column("account", "id", type_=sa.BigInteger(), existing_type=sa.Integer())
          op.alter_column("account", "note", type_=sa.Text(), existing_type=sa.String(200))
      `,
    },
    {
      name: "DELETE with WHERE, and drop_column (SW202's)",
      code: `
      def upgrade():
          op.execute("DELETE FROM account WHERE closed_at < now() - interval '7 years'")
          op.drop_column("account", "legacy")
      `,
    },
    {
      name: "a lossless conversion is SW105's",
      code: `
      def upgrade():
          op.alter_column("account", "id", type_=sa.Text(), existing_type=sa.Integer())
      `,
    },
  ],
  invalid: [
    {
      name: 'a narrowing change with the previous type unknown still fires (#13 twin)',
      code: `
      def upgrade():
          op.alter_column("account", "note", type_=sa.String(50))
      `,
      errors: [{ line: 2, message: /previous type is unknown/ }],
    },
    {
      name: 'drop_table',
      code: `
      def upgrade():
          op.drop_table("legacy_invoice")
      `,
      errors: [
        {
          line: 2,
          message:
            /`op\.drop_table` destroys table "legacy_invoice" and all its rows.*decision.*allow SW104 decision=NNNN/,
        },
      ],
    },
    {
      name: 'SQL DROP TABLE, DROP SCHEMA, TRUNCATE, DELETE without WHERE',
      code: `
      def upgrade():
          op.execute("DROP TABLE IF EXISTS legacy_invoice")
          op.execute(sa.text("DROP SCHEMA reporting CASCADE"))
          op.execute("""
              TRUNCATE audit_log;
              DELETE FROM session;
          """)
      `,
      errors: [
        { line: 2, message: /DROP TABLE "legacy_invoice"/ },
        { line: 3, message: /DROP SCHEMA "reporting"/ },
        { line: 5, message: /TRUNCATE empties table "audit_log"/ },
        { line: 6, message: /DELETE without WHERE empties table "session"/ },
      ],
    },
    {
      name: 'narrowing type changes from existing_type',
      code: `
      def upgrade():
          op.alter_column("account", "code", type_=sa.String(8), existing_type=sa.String(32))
          with op.batch_alter_table("account") as batch_op:
              batch_op.alter_column("amount", type_=sa.Integer(), existing_type=sa.Numeric(12, 2))
              batch_op.alter_column("note", type_=sa.String(100), existing_type=sa.Text())
      `,
      errors: [
        {
          line: 2,
          message: /"account\.code" \(varchar\(32\) → varchar\(8\)\) can lose data: values longer than 8 characters/,
        },
        { line: 4, message: /"account\.amount" \(numeric\(12, 2\) → int4\) can lose data: .*fractional part/ },
        { line: 5, message: /"account\.note" \(text → varchar\(100\)\) can lose data/ },
      ],
    },
    {
      name: 'the previous type is read from the history',
      code: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          op.alter_column("account", "id", type_=sa.Integer())
      `,
      others: { 'a1.py': BASE },
      errors: [{ line: 5, message: /"account\.id" \(int8 → int4\) can lose data/ }],
    },
    {
      name: 'an unknown previous type is said so',
      code: `
      def upgrade():
          op.alter_column("account", "code", type_=sa.String(8))
      `,
      errors: [{ line: 2, message: /may lose data: the previous type is unknown \(give `existing_type=`\)/ }],
    },
    {
      name: 'SQL ALTER COLUMN TYPE',
      code: `
      revision = "b1"
      down_revision = "a1"

      def upgrade():
          op.execute("ALTER TABLE account ALTER COLUMN code TYPE varchar(10)")
          op.execute("ALTER TABLE invoice ALTER COLUMN total TYPE integer USING total::integer")
      `,
      others: { 'a1.py': BASE },
      errors: [
        { line: 5, message: /"account\.code" \(varchar\(32\) → varchar\(10\)\) can lose data/ },
        { line: 6, message: /"invoice\.total" to int4 may lose data: the previous type is unknown/ },
      ],
    },
  ],
});
