import rule from '../../server/src/rules/SW614-transaction-control-in-execute';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'an autocommit block, and savepoints',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              op.execute("CREATE INDEX CONCURRENTLY ix_invoice_customer_id ON invoice (customer_id)")
          op.execute("SAVEPOINT before_backfill")
      `,
    },
  ],
  invalid: [
    {
      name: 'COMMIT to get out of the transaction, BEGIN and ROLLBACK',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("COMMIT")
          op.execute("CREATE INDEX CONCURRENTLY ix_invoice_customer_id ON invoice (customer_id)")
      def downgrade():
          op.execute("BEGIN; DROP INDEX ix_invoice_customer_id; ROLLBACK")
      `,
      errors: [
        { line: 3, message: /COMMIT inside op.execute ends the transaction Alembic runs this revision in/ },
        { line: 6, message: /BEGIN inside op.execute nests inside/ },
        { line: 6, message: /ROLLBACK inside op.execute ends/ },
      ],
    },
    {
      name: 'a helper called twice is reported once',
      code: `
      revision = "b1"
      def commit():
          op.execute(sa.text("commit"))
      def upgrade():
          op.add_column("account", sa.Column("tier", sa.Text(), nullable=True))
          commit()
          op.add_column("invoice", sa.Column("tier", sa.Text(), nullable=True))
          commit()
      `,
      errors: [{ line: 3, message: /COMMIT inside op.execute ends/ }],
    },
  ],
});
