import rule from '../../server/src/rules/SW402-read-only-view';
import { ruleTester } from './ruleTester';

const viewHistory = `
  revision = "a1"
  down_revision = None
  def upgrade():
      op.execute("CREATE VIEW open_invoice AS SELECT id, total FROM invoice WHERE status = 'open'")
`;

ruleTester(rule, {
  valid: [
    {
      name: 'plain views and rules on tables',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("""
              CREATE VIEW open_invoice AS SELECT id, total FROM invoice WHERE status = 'open';
              CREATE MATERIALIZED VIEW invoice_total AS SELECT customer_id, sum(total) FROM invoice GROUP BY 1;
              CREATE RULE keep_audit AS ON DELETE TO audit_log DO INSTEAD NOTHING;
              CREATE TRIGGER t BEFORE INSERT ON invoice FOR EACH ROW EXECUTE FUNCTION f();
          """)
      `,
    },
  ],
  invalid: [
    {
      name: 'check options',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("CREATE VIEW open_invoice AS SELECT id, total FROM invoice WHERE status = 'open' WITH LOCAL CHECK OPTION")
          op.execute(sa.text("CREATE OR REPLACE VIEW big_invoice WITH (check_option = cascaded) AS SELECT * FROM invoice WHERE total > 100"))
          op.execute("ALTER VIEW open_invoice SET (check_option = local)")
      `,
      errors: [
        { line: 3, message: /^View "open_invoice" is created WITH LOCAL CHECK OPTION/ },
        { line: 4, message: /^View "big_invoice" is created WITH CASCADED CHECK OPTION/ },
        { line: 5, message: /^ALTER VIEW "open_invoice" sets check_option = local/ },
      ],
    },
    {
      name: 'rule on a view from history and INSTEAD OF trigger',
      code: `
      revision = "b1"
      down_revision = "a1"
      def upgrade():
          op.execute("CREATE RULE close_invoice AS ON UPDATE TO open_invoice DO INSTEAD UPDATE invoice SET status = 'closed' WHERE id = OLD.id")
          op.execute("""
              CREATE TRIGGER open_invoice_insert
                  INSTEAD OF INSERT ON open_invoice
                  FOR EACH ROW EXECUTE FUNCTION insert_invoice();
          """)
      `,
      others: { 'a1.py': viewHistory },
      errors: [
        { line: 4, message: /^Rule "close_invoice" on view "open_invoice" replaces UPDATE/ },
        { line: 7, message: /^INSTEAD OF trigger "open_invoice_insert"/ },
      ],
    },
  ],
});
