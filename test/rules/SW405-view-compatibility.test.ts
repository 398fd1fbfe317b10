import rule from '../../server/src/rules/SW405-view-compatibility';
import { ruleTester } from './ruleTester';

const history = `
  revision = "a1"
  down_revision = None
  def upgrade():
      op.execute("CREATE VIEW open_invoice AS SELECT id, number, total FROM invoice WHERE status = 'open'")
      op.execute("CREATE VIEW wide AS SELECT * FROM invoice")
`;

ruleTester(rule, {
  valid: [
    {
      name: 'replace adds a column at the end',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.execute("CREATE OR REPLACE VIEW open_invoice AS SELECT id, number, total, currency FROM invoice WHERE status = 'open'")
      `,
      others: { 'a1.py': history },
    },
    {
      name: 'drop and recreate with the same columns',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.execute("DROP VIEW IF EXISTS open_invoice")
          op.execute("CREATE VIEW open_invoice AS SELECT i.id, i.number, i.total AS total FROM invoice i WHERE i.status IN ('open', 'sent')")
      `,
      others: { 'a1.py': history },
    },
    {
      name: 'views selecting * are not compared',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.execute("DROP VIEW wide; CREATE VIEW wide AS SELECT id FROM invoice")
      `,
      others: { 'a1.py': history },
    },
    {
      name: 'drops in the downgrade undo this revision',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("CREATE VIEW report AS SELECT 1 AS x")
      def downgrade():
          op.execute("DROP VIEW report")
      `,
    },
  ],
  invalid: [
    {
      name: 'drop without recreate',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.execute("DROP VIEW open_invoice")
      `,
      others: { 'a1.py': history },
      errors: [
        {
          line: 4,
          message:
            /^DROP VIEW removes "open_invoice" \(columns id, number, total\) and this revision does not recreate it/,
        },
      ],
    },
    {
      name: 'recreate without a column, replace with a renamed column, rename',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.execute("DROP VIEW open_invoice")
          op.execute("CREATE VIEW open_invoice AS SELECT id, number FROM invoice")
          op.execute("CREATE OR REPLACE VIEW open_invoice AS SELECT id, invoice_number FROM invoice")
          op.execute("ALTER VIEW open_invoice RENAME TO invoice_open")
      `,
      others: { 'a1.py': history },
      errors: [
        { line: 5, message: /^View "open_invoice" is redefined without column "total"/ },
        {
          line: 6,
          message:
            /^View "open_invoice" is redefined and renames column "number" → "invoice_number".*PostgreSQL rejects this CREATE OR REPLACE/,
        },
        { line: 7, message: /^ALTER … RENAME on view "open_invoice" renames it to "invoice_open"/ },
      ],
    },
  ],
});
