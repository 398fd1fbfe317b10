import rule from '../../server/src/rules/SW606-foreign-key-without-index';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'create_table with index=True on the referencing column',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.UUID(), primary_key=True),
              sa.Column("customer_id", sa.UUID(), sa.ForeignKey("customer.id"), index=True),
          )
      `,
    },
    {
      name: 'foreign key added with its index in the same revision (Alembic and SQL)',
      code: `
      revision = "b1"
      def upgrade():
          op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"])
          op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"])
          op.execute("ALTER TABLE payment ADD CONSTRAINT fk_payment_invoice FOREIGN KEY (invoice_id) REFERENCES invoice (id)")
          op.execute("CREATE INDEX ix_payment_invoice ON payment (invoice_id, created_at)")
      `,
    },
    {
      name: 'a composite key led by the foreign key column, in another order',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table(
              "membership",
              sa.Column("team_id", sa.UUID(), nullable=False),
              sa.Column("user_id", sa.UUID(), nullable=False),
              sa.ForeignKeyConstraint(["user_id", "team_id"], ["team_user.user_id", "team_user.team_id"]),
              sa.PrimaryKeyConstraint("team_id", "user_id"),
          )
      `,
    },
    {
      name: 'an index the history already has',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"])
      `,
      others: {
        'a1.py': `
      revision = "a1"
      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True), sa.Column("customer_id", sa.UUID()))
          op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"])
      `,
      },
    },
    {
      name: 'a foreign key in another schema (source_schema=) and its index (schema=), either order',
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("invoice", sa.Column("customer_id", sa.Integer(), nullable=True), schema="billing")
          op.create_index(None, "invoice", ["customer_id"], schema="billing")
          op.create_foreign_key(None, "invoice", "customer", ["customer_id"], ["id"], source_schema="billing", referent_schema="crm")
          op.add_column("payment", sa.Column("invoice_id", sa.Integer(), nullable=True), schema="billing")
          op.create_foreign_key(None, "payment", "invoice", ["invoice_id"], ["id"], source_schema="billing", referent_schema="billing")
          op.create_index(None, "payment", ["invoice_id"], schema="billing")
      `,
    },
  ],
  invalid: [
    {
      name: 'sa.ForeignKey in an added column, no index',
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("invoice", sa.Column("customer_id", sa.UUID(), sa.ForeignKey("customer.id"), nullable=True))
      `,
      errors: [
        { line: 3, message: /Foreign key on "invoice" \(customer_id\) has no index on those columns.*concurrently/ },
      ],
    },
    {
      name: 'create_foreign_key and SQL REFERENCES without an index',
      code: `
      revision = "b1"
      def upgrade():
          op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"])
          op.execute("CREATE TABLE payment (id uuid PRIMARY KEY, invoice_id uuid REFERENCES invoice (id))")
      `,
      errors: [
        { line: 3, message: /"invoice" \(customer_id\)/ },
        {
          line: 4,
          message:
            /"payment" \(invoice_id\) has no index on those columns.*Create an index on payment \(invoice_id\) in this revision\./,
        },
      ],
    },
    {
      name: 'an index that does not lead with the key column',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.UUID(), primary_key=True),
              sa.Column("customer_id", sa.UUID(), sa.ForeignKey("customer.id")),
              sa.Column("issued_at", sa.DateTime(timezone=True)),
          )
          op.create_index("ix_invoice_issued", "invoice", ["issued_at", "customer_id"])
      `,
      errors: [{ line: 6 }],
    },
    {
      name: 'source_schema names the table: an index on a same-named table of another schema does not count',
      code: `
      revision = "b1"
      def upgrade():
          op.create_index(None, "invoice", ["customer_id"], schema="archive")
          op.create_foreign_key(None, "invoice", "customer", ["customer_id"], ["id"], source_schema="billing")
      `,
      errors: [{ line: 4, message: /Foreign key on "billing\.invoice" \(customer_id\)/ }],
    },
  ],
});
