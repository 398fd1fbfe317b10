import rule from '../../server/src/rules/SW101-require-downgrade';
import { ruleTester } from './ruleTester';

/** The revision the tested ones build on: it defines the tables they drop and re-create. */
const BASE = `
  from alembic import op
  import sqlalchemy as sa
  from sqlalchemy.dialects import postgresql

  revision = "a1"
  down_revision = None


  def upgrade():
      op.create_table(
          "account",
          sa.Column("id", sa.Integer(), primary_key=True),
          sa.Column("legacy", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
      )
      op.create_index("ix_account_id", "account", ["id"])
      op.create_table("audit_log", sa.Column("id", sa.Integer(), primary_key=True))


  def downgrade():
      op.drop_table("audit_log")
      op.drop_index("ix_account_id", table_name="account")
      op.drop_table("account")
  `;

ruleTester(rule, {
  valid: [
    {
      name: 'downgrade reverses the upgrade',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text()))

      def downgrade():
          op.drop_column("account", "note")
      `,
    },
    {
      name: 'merge revision with empty upgrade and downgrade',
      code: `
      revision = "m1"
      down_revision = ("a1", "b1")

      def upgrade():
          pass

      def downgrade():
          pass
      `,
    },
    {
      name: 'not a revision file',
      code: `
      def helper():
          pass
      `,
    },
    {
      name: 'a no-op upgrade behind a guard is empty (#13)',
      code: `
      def upgrade():
          if already_applied(op, __name__):
              return
          pass

      def downgrade():
          pass
      `,
    },
    {
      name: 'maintenance statements have nothing to undo (#13)',
      code: `
      def upgrade():
          op.execute("REINDEX INDEX ix_account_email")
          op.execute("ANALYZE account")
          with op.get_context().autocommit_block():
              op.execute("VACUUM (ANALYZE) account")

      def downgrade():
          pass
      `,
    },
    {
      name: "session settings before the maintenance (SW603's fix) leave nothing to undo either",
      code: `
      def upgrade():
          op.execute("SET lock_timeout = '5s'")
          op.execute("SET statement_timeout = '15min'")
          op.execute("REINDEX INDEX ix_account_email")
          op.execute("ALTER TABLE invoice VALIDATE CONSTRAINT ck_invoice_total_positive")

      def downgrade():
          pass
      `,
    },
    {
      name: 'validating constraints added NOT VALID earlier has nothing to undo (#13 review)',
      code: `
      def upgrade():
          # only a SHARE UPDATE EXCLUSIVE lock while the rows are checked
          op.execute("ALTER TABLE invoice VALIDATE CONSTRAINT ck_invoice_total_positive")
          op.execute('ALTER TABLE invoice VALIDATE CONSTRAINT "fk_invoice_account", VALIDATE CONSTRAINT ck_invoice_due')

      def downgrade():
          pass
      `,
    },
    {
      name: 'an upgrade whose batch block and try only act on another database is empty on PostgreSQL (#13)',
      code: `
      def upgrade():
          with op.batch_alter_table("account") as batch_op:
              if op.get_bind().engine.name == "mysql":
                  batch_op.drop_constraint("account_ibfk_1", type_="foreignkey")
          try:
              if op.get_bind().engine.name == "mysql":
                  op.alter_column("account", "note", type_=mysql.MEDIUMTEXT(), existing_type=sa.Text())
          except Exception as e:
              log.warning("could not widen: %s", e)

      def downgrade():
          pass
      `,
    },
  ],
  invalid: [
    {
      name: 'downgrade is pass',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text()))

      def downgrade():
          pass
      `,
      errors: [{ line: 4, message: /only `pass`/ }],
    },
    {
      name: 'downgrade is missing',
      code: `
      revision = "a1"
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text()))
      `,
      errors: [{ line: 2, message: /no downgrade/ }],
    },
    {
      name: 'downgrade only raises',
      code: `
      def upgrade():
          op.drop_index("ix_a")

      def downgrade():
          raise NotImplementedError("irreversible")
      `,
      errors: [
        {
          line: 4,
          message:
            /only raises.*No fix is offered: `op\.drop_index` at line 2 cannot be reversed automatically: the definition of index "ix_a" is not in the revision history/,
        },
      ],
      output: null,
    },
    {
      name: 'downgrade has only a docstring',
      code: `
      def upgrade():
          op.drop_index("ix_a")

      def downgrade():
          """Nothing to do."""
      `,
      errors: [{ line: 4, message: /only a docstring/ }],
    },
    {
      name: 'autogenerate shape: the fix writes the inverse between the Alembic comments',
      code: `
        from alembic import op
        import sqlalchemy as sa

        revision = "b2"
        down_revision = "a1"


        def upgrade() -> None:
            # ### commands auto generated by Alembic - please adjust! ###
            op.create_table(
                "invoice",
                sa.Column("id", sa.Integer(), primary_key=True),
                schema="billing",
            )
            op.create_index(op.f("ix_invoice_id"), "invoice", ["id"], unique=True, schema="billing")
            op.add_column("account", sa.Column("note", sa.Text(), nullable=True))
            op.create_foreign_key("fk_account_invoice", "account", "invoice", ["invoice_id"], ["id"])
            # ### end Alembic commands ###


        def downgrade() -> None:
            # ### commands auto generated by Alembic - please adjust! ###
            pass
            # ### end Alembic commands ###
        `,
      others: { 'a1.py': BASE },
      errors: [{ line: 21, message: /only `pass`/ }],
      output: `
        from alembic import op
        import sqlalchemy as sa

        revision = "b2"
        down_revision = "a1"


        def upgrade() -> None:
            # ### commands auto generated by Alembic - please adjust! ###
            op.create_table(
                "invoice",
                sa.Column("id", sa.Integer(), primary_key=True),
                schema="billing",
            )
            op.create_index(op.f("ix_invoice_id"), "invoice", ["id"], unique=True, schema="billing")
            op.add_column("account", sa.Column("note", sa.Text(), nullable=True))
            op.create_foreign_key("fk_account_invoice", "account", "invoice", ["invoice_id"], ["id"])
            # ### end Alembic commands ###


        def downgrade() -> None:
            # ### commands auto generated by Alembic - please adjust! ###
            op.drop_constraint("fk_account_invoice", "account", type_="foreignkey")
            op.drop_column("account", "note")
            op.drop_index(op.f("ix_invoice_id"), table_name="invoice", schema="billing")
            op.drop_table("invoice", schema="billing")
            # ### end Alembic commands ###
        `,
    },
    {
      name: 'missing downgrade: appended in the style of upgrade, re-creating a dropped table and column from the history',
      code: `
        """drop the audit log and the legacy column"""
        from alembic import op

        revision = "b3"
        down_revision = "a1"


        def upgrade():
            op.drop_table("audit_log")
            op.drop_column("account", "legacy")
        `,
      others: { 'a1.py': BASE },
      errors: [{ line: 8, message: /no downgrade/ }],
      output: `
        """drop the audit log and the legacy column"""
        from alembic import op
        import sqlalchemy as sa
        from sqlalchemy.dialects import postgresql

        revision = "b3"
        down_revision = "a1"


        def upgrade():
            op.drop_table("audit_log")
            op.drop_column("account", "legacy")


        def downgrade():
            op.add_column("account", sa.Column("legacy", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False))
            op.create_table("audit_log", sa.Column("id", sa.Integer(), primary_key=True))
        `,
    },
    {
      name: 'batch operations are reversed inside the same batch block, tabs kept',
      code:
        'revision = "b4"\ndown_revision = "a1"\n\ndef upgrade():\n\twith ' +
        'op.batch_alter_table("account") as batch_op:\n\t\tbatch_op.alter_column("name", ' +
        'new_column_name="full_name", ' +
        'existing_type=sa.String(50))\n\t\tbatch_op.alter_column("email", ' +
        'nullable=False)\n\t\tbatch_op.create_unique_constraint("uq_account_email", ' +
        '["email"])\n\top.rename_table("old_name", "new_name")\n\ndef downgrade():\n\tpass\n',
      others: { 'a1.py': BASE },
      errors: [{ line: 11, message: /only `pass`/ }],
      output:
        'from alembic import op\nrevision = "b4"\ndown_revision = "a1"\n\ndef upgrade():\n\twith ' +
        'op.batch_alter_table("account") as batch_op:\n\t\tbatch_op.alter_column("name", ' +
        'new_column_name="full_name", ' +
        'existing_type=sa.String(50))\n\t\tbatch_op.alter_column("email", ' +
        'nullable=False)\n\t\tbatch_op.create_unique_constraint("uq_account_email", ' +
        '["email"])\n\top.rename_table("old_name", "new_name")\n\ndef ' +
        'downgrade():\n\top.rename_table("new_name", "old_name")\n\twith ' +
        'op.batch_alter_table("account") as ' +
        'batch_op:\n\t\tbatch_op.drop_constraint("uq_account_email", ' +
        'type_="unique")\n\t\tbatch_op.alter_column("email", ' +
        'nullable=True)\n\t\tbatch_op.alter_column("full_name", new_column_name="name", ' +
        'existing_type=sa.String(50))\n',
    },
    {
      name: 'CRLF file stays CRLF; a one-line `def downgrade(): pass` gets a real body',
      code:
        'import sqlalchemy as sa\r\nfrom alembic import op\r\n\r\ndef ' +
        'upgrade():\r\n  op.create_index("ix_a_b", "a", ["b"], ' +
        'postgresql_concurrently=True)\r\n\r\ndef downgrade(): pass\r\n',
      errors: [{ line: 7, message: /only `pass`/ }],
      output:
        'import sqlalchemy as sa\r\nfrom alembic import op\r\n\r\ndef ' +
        'upgrade():\r\n  op.create_index("ix_a_b", "a", ["b"], ' +
        'postgresql_concurrently=True)\r\n\r\ndef downgrade():\r\n  op.drop_index("ix_a_b", ' +
        'table_name="a", postgresql_concurrently=True)\r\n',
    },
    {
      name: 'an autocommit block is kept around the inverse; from alembic import op is added when missing',
      code: `
        import sqlalchemy as sa

        def upgrade():
            with op.get_context().autocommit_block():
                op.create_index("ix_a_b", "a", ["b"], postgresql_concurrently=True)

        def downgrade():
            """Reverse it."""
        `,
      errors: [{ line: 7, message: /only a docstring/ }],
      output: `
        import sqlalchemy as sa
        from alembic import op

        def upgrade():
            with op.get_context().autocommit_block():
                op.create_index("ix_a_b", "a", ["b"], postgresql_concurrently=True)

        def downgrade():
            """Reverse it."""
            with op.get_context().autocommit_block():
                op.drop_index("ix_a_b", table_name="a", postgresql_concurrently=True)
        `,
    },
    {
      name: 'raw SQL blocks the fix and the message names it',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text()))
          op.execute("UPDATE account SET note = ''")

      def downgrade():
          pass
      `,
      errors: [
        { line: 5, message: /No fix is offered: `op\.execute` at line 3 cannot be reversed automatically: raw SQL/ },
      ],
      output: null,
    },
    {
      name: 'an op inside if blocks the fix',
      code: `
      def upgrade():
          if True:
              op.add_column("account", sa.Column("note", sa.Text()))

      def downgrade():
          pass
      `,
      errors: [{ line: 5, message: /`op\.add_column` at line 3 is inside an `if` statement/ }],
      output: null,
    },
    {
      name: 'an op reached through a helper blocks the fix',
      code: `
      def _add_note(table):
          op.add_column(table, sa.Column("note", sa.Text()))

      def upgrade():
          _add_note("account")

      def downgrade():
          pass
      `,
      errors: [{ line: 7, message: /`op\.add_column` at line 2 runs inside the helper `_add_note\(\)`/ }],
      output: null,
    },
    {
      name: 'a table drop whose definition changed later blocks the fix',
      code: `
      revision = "c1"
      down_revision = "b1"

      def upgrade():
          op.drop_table("account")

      def downgrade():
          pass
      `,
      others: {
        'a1.py': BASE,
        'b1.py': `
        revision = "b1"
        down_revision = "a1"
        def upgrade():
            op.add_column("account", sa.Column("note", sa.Text()))
        def downgrade():
            op.drop_column("account", "note")
        `,
      },
      errors: [
        { line: 7, message: /table "account" was changed after it was created \(`op\.add_column` at revision b1\)/ },
      ],
      output: null,
    },
    {
      name: 'an unnamed constraint blocks the fix',
      code: `
      def upgrade():
          op.create_unique_constraint(None, "account", ["email"])

      def downgrade():
          pass
      `,
      errors: [{ line: 4, message: /constraint has no literal name/ }],
      output: null,
    },
    {
      name: 'a type change without existing_type blocks the fix',
      code: `
      def upgrade():
          op.alter_column("account", "code", type_=sa.String(8))

      def downgrade():
          pass
      `,
      errors: [{ line: 4, message: /without `existing_type=`/ }],
      output: null,
    },
    {
      name: 'code that is not an Alembic operation blocks the fix',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("status", sa.Enum("a", name="status")))
          sa.Enum("a", name="status").create(op.get_bind())

      def downgrade():
          pass
      `,
      errors: [
        {
          line: 5,
          message:
            /`sa\.Enum\("a",name="status"\)\.create\(…\)` at line 3 is not an Alembic operation|at line 3 is not an Alembic operation/,
        },
      ],
      output: null,
    },
    {
      name: 'a guard before real work is no empty upgrade (#13)',
      code: `
      def upgrade():
          if already_applied(op, __name__):
              return
          op.add_column("account", sa.Column("note", sa.Text()))

      def downgrade():
          pass
      `,
      errors: [{ line: 6, message: /only `pass`/ }],
    },
    {
      name: 'adding the constraint NOT VALID and validating it still needs a downgrade (#13 review twin)',
      code: `
      def upgrade():
          op.execute("ALTER TABLE invoice ADD CONSTRAINT ck_invoice_total_positive CHECK (total > 0) NOT VALID")
          op.execute("ALTER TABLE invoice VALIDATE CONSTRAINT ck_invoice_total_positive")

      def downgrade():
          pass
      `,
      errors: [{ line: 5, message: /only `pass`/ }],
    },
    {
      name: 'maintenance next to a schema change still needs a downgrade (#13)',
      code: `
      def upgrade():
          op.execute("ANALYZE account")
          op.add_column("account", sa.Column("note", sa.Text()))

      def downgrade():
          pass
      `,
      errors: [{ line: 5, message: /only `pass`/ }],
    },
    {
      name: 'a try around an operation PostgreSQL runs still needs a downgrade (#13)',
      code: `
      def upgrade():
          try:
              op.add_column("account", sa.Column("note", sa.Text()))
          except Exception as e:
              log.warning("could not add: %s", e)

      def downgrade():
          pass
      `,
      errors: [{ line: 7, message: /only `pass`/ }],
    },
  ],
});
