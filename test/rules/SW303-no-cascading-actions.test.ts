import rule from '../../server/src/rules/SW303-no-cascading-actions';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'foreign keys without actions, or RESTRICT / NO ACTION',
      code: `
      def upgrade():
          op.create_table(
              "order_line",
              sa.Column("id", sa.Uuid(), primary_key=True),
              sa.Column("order_id", sa.Uuid(), sa.ForeignKey("order.id"), nullable=False),
              sa.Column("product_id", sa.Uuid(), sa.ForeignKey("product.id", ondelete="RESTRICT"), nullable=False),
              sa.ForeignKeyConstraint(["order_id"], ["order.id"], ondelete="NO ACTION"),
          )
          op.create_foreign_key("fk_line_product", "order_line", "product", ["product_id"], ["id"], onupdate="restrict")
      `,
    },
    {
      name: 'SQL REFERENCES without actions, and DROP/TRUNCATE without CASCADE',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE IF NOT EXISTS shipment (
                  id uuid PRIMARY KEY,
                  order_id uuid NOT NULL REFERENCES "order" (id) ON DELETE RESTRICT
              );
              ALTER TABLE shipment ADD CONSTRAINT fk_carrier FOREIGN KEY (carrier_id) REFERENCES carrier (id) NOT VALID;
              TRUNCATE staging_import;
              DROP TABLE IF EXISTS legacy_shipment;
          """)
      `,
    },
    {
      name: 'a cascading foreign key re-created by the downgrade',
      code: `
      def upgrade():
          op.drop_constraint("fk_line_order", "order_line", type_="foreignkey")
          op.create_foreign_key("fk_line_order", "order_line", "order", ["order_id"], ["id"])

      def downgrade():
          op.drop_constraint("fk_line_order", "order_line", type_="foreignkey")
          op.create_foreign_key("fk_line_order", "order_line", "order", ["order_id"], ["id"], ondelete="CASCADE")
      `,
    },
    {
      name: 'DROP … CASCADE in the downgrade',
      code: `
      def upgrade():
          op.execute("CREATE VIEW active_account AS SELECT id FROM account WHERE active")

      def downgrade():
          op.execute("DROP VIEW active_account CASCADE")
      `,
    },
    {
      name: 'an ondelete held in a variable is not guessed',
      code: `
      def upgrade():
          op.create_foreign_key("fk", "a", "b", ["b_id"], ["id"], ondelete=ON_DELETE)
      `,
    },
  ],
  invalid: [
    {
      name: 'ondelete on sa.ForeignKey in create_table',
      code: `
      def upgrade():
          op.create_table(
              "order_line",
              sa.Column("id", sa.Uuid(), primary_key=True),
              sa.Column("order_id", sa.Uuid(), sa.ForeignKey("order.id", ondelete="CASCADE"), nullable=False),
          )
      `,
      errors: [
        {
          line: 5,
          message: /^`ondelete="CASCADE"`: deleting a referenced row silently deletes the rows that reference it/,
        },
      ],
      output: `
      def upgrade():
          op.create_table(
              "order_line",
              sa.Column("id", sa.Uuid(), primary_key=True),
              sa.Column("order_id", sa.Uuid(), sa.ForeignKey("order.id"), nullable=False),
          )
      `,
    },
    {
      name: 'ForeignKeyConstraint with set null, on its own line',
      code: `
      def upgrade():
          op.create_table(
              "comment",
              sa.Column("author_id", sa.Uuid()),
              sa.ForeignKeyConstraint(
                  ["author_id"], ["user.id"],
                  ondelete="set null",
                  name="fk_comment_author",
              ),
          )
      `,
      errors: [{ line: 7, message: /sets the referencing columns to NULL/ }],
      output: `
      def upgrade():
          op.create_table(
              "comment",
              sa.Column("author_id", sa.Uuid()),
              sa.ForeignKeyConstraint(
                  ["author_id"], ["user.id"],
                  name="fk_comment_author",
              ),
          )
      `,
    },
    {
      name: 'batch_op.create_foreign_key with onupdate and ondelete',
      code: `
      def upgrade():
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.create_foreign_key("fk_invoice_customer", "customer", ["customer_id"], ["id"], onupdate="CASCADE", ondelete="SET DEFAULT")
      `,
      errors: [
        { line: 3, message: /`onupdate="CASCADE"`: changing a referenced key silently rewrites/ },
        { line: 3, message: /`ondelete="SET DEFAULT"`: .*resets the referencing columns to their defaults/ },
      ],
    },
    {
      name: 'columns built in a helper at module level',
      code: `
      def _columns():
          return [
              sa.Column("id", sa.Uuid(), primary_key=True),
              sa.Column("account_id", sa.Uuid(), sa.ForeignKey("account.id", ondelete="CASCADE")),
          ]

      def upgrade():
          op.create_table("audit", *_columns())
      `,
      errors: [{ line: 4 }],
    },
    {
      name: 'SQL column and table constraints, ALTER TABLE ADD CONSTRAINT',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE shipment (
                  id uuid PRIMARY KEY,
                  order_id uuid NOT NULL REFERENCES "order" (id) ON DELETE CASCADE,
                  carrier_id uuid,
                  FOREIGN KEY (carrier_id) REFERENCES carrier (id) ON UPDATE SET NULL
              )
          """)
          op.execute(sa.text("ALTER TABLE invoice ADD CONSTRAINT fk_invoice_order FOREIGN KEY (order_id) REFERENCES \\"order\\" (id) on delete set default"))
      `,
      errors: [
        { line: 5, message: /^`ON DELETE CASCADE` on the foreign key to "order"/ },
        { line: 7, message: /^`ON UPDATE SET NULL` on the foreign key to "carrier"/ },
        { line: 10, message: /^`ON DELETE SET DEFAULT` on the foreign key to "order"/ },
      ],
    },
    {
      name: 'TRUNCATE … CASCADE and DROP … CASCADE in the upgrade',
      code: `
      def upgrade():
          op.execute("TRUNCATE session CASCADE")
          op.execute("DROP TABLE legacy_order CASCADE")
          op.execute("ALTER TABLE account DROP COLUMN legacy_code CASCADE")
      `,
      errors: [
        { line: 2, message: /^`TRUNCATE … CASCADE` also empties every table that references this one/ },
        { line: 3, message: /^`DROP TABLE … CASCADE` silently drops every object that depends on it/ },
        { line: 4, message: /^`DROP COLUMN … CASCADE`/ },
      ],
    },
  ],
});
