import rule from '../../server/src/rules/SW602-not-valid-constraint';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'ALTER DOMAIN ADD CONSTRAINT NOT VALID, validated in a later revision (#17 safe twin)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0) NOT VALID")
      `,
      others: {
        'c1.py': `
        revision = "c1"
        down_revision = "b1"
        def upgrade():
            op.execute("ALTER DOMAIN amount VALIDATE CONSTRAINT amount_positive")
        `,
      },
    },
    {
      name: 'ALTER DOMAIN ADD CONSTRAINT on a domain the revision creates (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("CREATE DOMAIN amount AS integer")
          op.execute("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0)")
      `,
    },
    {
      name: 'constraints on a table created in the same revision',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True), sa.Column("customer_id", sa.UUID()))
          op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"])
          op.execute("ALTER TABLE invoice ADD CONSTRAINT ck_total CHECK (total >= 0)")
      `,
    },
    {
      name: 'NOT VALID then VALIDATE in the same revision (Alembic and SQL)',
      code: `
      revision = "b1"
      def upgrade():
          op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"], postgresql_not_valid=True)
          op.execute("ALTER TABLE invoice VALIDATE CONSTRAINT fk_invoice_customer")
          op.execute("""
              ALTER TABLE invoice ADD CONSTRAINT ck_total CHECK (total >= 0) NOT VALID;
              ALTER TABLE invoice VALIDATE CONSTRAINT ck_total;
          """)
      `,
    },
    {
      name: 'validated in a later revision',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.create_check_constraint("ck_total", "invoice", "total >= 0", postgresql_not_valid=True)
      `,
      others: {
        'c1.py': `
      revision = "c1"
      down_revision = "b1"
      def upgrade():
          op.execute(sa.text("ALTER TABLE invoice VALIDATE CONSTRAINT ck_total"))
      `,
      },
    },
    {
      name: 'unique constraints and downgrades are not this rule',
      code: `
      revision = "b1"
      def upgrade():
          op.create_unique_constraint("uq_invoice_number", "invoice", ["number"])
      def downgrade():
          op.create_foreign_key("fk_old", "invoice", "customer", ["customer_id"], ["id"])
      `,
    },
  ],
  invalid: [
    {
      name: 'create_foreign_key on an existing table',
      code: `
      revision = "b1"
      def upgrade():
          op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"])
      `,
      errors: [
        {
          line: 3,
          message:
            'create_foreign_key on existing table "invoice" checks every row while holding SHARE ROW ' +
            'EXCLUSIVE on "invoice" and "customer" (blocks writes). Pass postgresql_not_valid=True, ' +
            'then VALIDATE CONSTRAINT fk_invoice_customer in a later step.',
        },
      ],
      output: `
      revision = "b1"
      def upgrade():
          op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"], postgresql_not_valid=True)
      `,
    },
    {
      name: 'batch check constraint',
      code: `
      revision = "b1"
      def upgrade():
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.create_check_constraint("ck_total", "total >= 0")
      `,
      errors: [
        {
          line: 4,
          message:
            /create_check_constraint on existing table "invoice" checks every row while holding ACCESS EXCLUSIVE/,
        },
      ],
    },
    {
      name: 'NOT VALID never validated',
      code: `
      revision = "b1"
      def upgrade():
          op.create_check_constraint("ck_total", "invoice", "total >= 0", postgresql_not_valid=True)
      `,
      errors: [{ line: 3, message: /"ck_total" is added NOT VALID but never validated/ }],
    },
    {
      name: 'SQL foreign key and check',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("""
              ALTER TABLE invoice
                  ADD CONSTRAINT fk_invoice_customer FOREIGN KEY (customer_id) REFERENCES customer (id);
              ALTER TABLE invoice ADD CHECK (total >= 0) NOT VALID;
          """)
      `,
      errors: [
        {
          line: 5,
          message:
            /^ADD FOREIGN KEY on existing table "invoice" checks every row while holding SHARE ROW EXCLUSIVE on "invoice" and "customer"/,
        },
        { line: 6, message: /without a name, so it cannot be validated/ },
      ],
    },
    {
      name: 'ALTER DOMAIN ADD CONSTRAINT without NOT VALID scans every table using the domain (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0)")
      `,
      errors: [
        {
          line: 3,
          message:
            /ALTER DOMAIN amount ADD CONSTRAINT checks every value of every column using the domain while holding SHARE/,
        },
      ],
    },
    {
      name: 'ALTER DOMAIN ADD CONSTRAINT NOT VALID never validated (#17)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0) NOT VALID")
      `,
      errors: [{ line: 3, message: /Domain constraint "amount_positive" is added NOT VALID but never validated/ }],
    },
  ],
});
