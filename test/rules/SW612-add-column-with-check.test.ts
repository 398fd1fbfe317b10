import rule from '../../server/src/rules/SW612-add-column-with-check';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'the column alone, then the CHECK NOT VALID',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER TABLE invoice ADD COLUMN discount integer")
          op.execute("ALTER TABLE invoice ADD CONSTRAINT ck_discount CHECK (discount >= 0) NOT VALID")
      `,
    },
    {
      name: 'a table this revision creates',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True))
          op.execute("ALTER TABLE invoice ADD COLUMN discount integer CHECK (discount >= 0)")
      `,
    },
  ],
  invalid: [
    {
      name: 'SQL ADD COLUMN … CHECK on an existing table',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER TABLE invoice ADD COLUMN discount integer CHECK (discount >= 0)")
      `,
      errors: [{ line: 3, message: /ADD COLUMN "discount" with an inline CHECK on existing table "invoice"/ }],
    },
    {
      name: 'sa.CheckConstraint inside an added column',
      code: `
      revision = "b1"
      def upgrade():
          op.add_column("invoice", sa.Column("discount", sa.Integer(), sa.CheckConstraint("discount >= 0"), nullable=True))
      `,
      errors: [{ line: 3 }],
    },
  ],
});
