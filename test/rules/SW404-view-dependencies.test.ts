import rule from '../../server/src/rules/SW404-view-dependencies';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'mapping matches the SQL (CTE names excluded, subqueries included)',
      code: `
      """Add open_invoice.

      Depends on: invoice, public.customer, billing.payment
      """
      revision = "b1"
      def upgrade():
          op.execute("""
              CREATE VIEW open_invoice AS
              WITH paid AS (SELECT invoice_id FROM billing.payment)
              SELECT i.id, c.name FROM invoice i JOIN customer c ON c.id = i.customer_id
              WHERE i.id NOT IN (SELECT invoice_id FROM paid)
          """)
      `,
    },
    {
      name: 'several views with qualified lines',
      code: `
      """Two reporting views.

      - open_invoice depends on: invoice
      - invoice_total depends on: invoice, customer
      """
      revision = "b1"
      def upgrade():
          op.execute("CREATE VIEW open_invoice AS SELECT id FROM invoice")
          op.execute("CREATE MATERIALIZED VIEW invoice_total AS SELECT c.id, sum(i.total) FROM customer c JOIN invoice i ON i.customer_id = c.id GROUP BY c.id")
      `,
    },
    {
      name: 'no views',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True))
      `,
    },
  ],
  invalid: [
    {
      name: 'missing mapping: added before Revision ID',
      code: `
      """Add open_invoice

      Revision ID: b1
      Revises: a1
      """
      revision = "b1"
      def upgrade():
          op.execute("CREATE VIEW open_invoice AS SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id")
      `,
      errors: [
        {
          line: 8,
          message:
            'View "open_invoice" has no dependency mapping in the revision description, so a reviewer ' +
            'cannot see what it reads. Add "Depends on: invoice, customer" to the docstring.',
        },
      ],
      output: `
      """Add open_invoice

      Depends on: invoice, customer

      Revision ID: b1
      Revises: a1
      """
      revision = "b1"
      def upgrade():
          op.execute("CREATE VIEW open_invoice AS SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id")
      `,
    },
    {
      name: 'wrong mapping is replaced',
      code: `
      """Add open_invoice.

      Depends on: invoice, payment
      """
      revision = "b1"
      def upgrade():
          op.execute("CREATE OR REPLACE VIEW open_invoice AS SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id")
      `,
      errors: [
        {
          line: 7,
          message:
            'The dependency mapping of view "open_invoice" differs from its SQL: it reads customer but ' +
            'the mapping does not say so; the mapping names payment, which it does not read. Write ' +
            '"invoice, customer".',
        },
      ],
      output: `
      """Add open_invoice.

      Depends on: invoice, customer
      """
      revision = "b1"
      def upgrade():
          op.execute("CREATE OR REPLACE VIEW open_invoice AS SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id")
      `,
    },
    {
      name: 'no docstring: one is added at the top',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("CREATE MATERIALIZED VIEW invoice_total AS SELECT sum(total) AS total FROM invoice")
      `,
      errors: [{ line: 3, message: /^Materialized view "invoice_total" has no dependency mapping/ }],
      output: `
      """Depends on: invoice
      """
      revision = "b1"
      def upgrade():
          op.execute("CREATE MATERIALIZED VIEW invoice_total AS SELECT sum(total) AS total FROM invoice")
      `,
    },
    {
      name: 'one-line docstring, alembic_utils PGView',
      code: `
      """Add open_invoice."""
      from alembic_utils.pg_view import PGView
      revision = "b1"
      def upgrade():
          op.create_entity(PGView(schema="public", signature="open_invoice", definition="SELECT id FROM invoice WHERE status = 'open'"))
      `,
      errors: [{ line: 5, message: /^View "open_invoice" has no dependency mapping/ }],
      output: `
      """Add open_invoice.

      Depends on: invoice
      """
      from alembic_utils.pg_view import PGView
      revision = "b1"
      def upgrade():
          op.create_entity(PGView(schema="public", signature="open_invoice", definition="SELECT id FROM invoice WHERE status = 'open'"))
      `,
    },
  ],
});
