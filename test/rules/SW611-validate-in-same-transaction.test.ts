import rule from '../../server/src/rules/SW611-validate-in-same-transaction';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'validated after a commit: an autocommit block',
      code: `
      revision = "b1"
      def upgrade():
          op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"], postgresql_not_valid=True)
          with op.get_context().autocommit_block():
              op.execute("ALTER TABLE invoice VALIDATE CONSTRAINT fk_invoice_customer")
      `,
    },
    {
      name: 'validating a constraint an earlier revision added',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER TABLE invoice VALIDATE CONSTRAINT fk_invoice_customer")
      `,
    },
  ],
  invalid: [
    {
      name: 'NOT VALID then VALIDATE in one transaction (Alembic op, then SQL)',
      code: `
      revision = "b1"
      def upgrade():
          op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"], postgresql_not_valid=True)
          op.execute("ALTER TABLE invoice VALIDATE CONSTRAINT fk_invoice_customer")
      `,
      errors: [
        {
          line: 4,
          message:
            /Constraint "fk_invoice_customer" is validated in the same transaction that added it NOT VALID \(line 3\)/,
        },
      ],
    },
    {
      name: 'both in one SQL string',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("""
              ALTER TABLE invoice ADD CONSTRAINT ck_total CHECK (total >= 0) NOT VALID;
              ALTER TABLE invoice VALIDATE CONSTRAINT ck_total;
          """)
      `,
      errors: [{ line: 5 }],
    },
  ],
});
