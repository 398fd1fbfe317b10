import rule from '../../server/src/rules/SW403-matview-refresh-strategy';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'documented refresh strategy and budget',
      code: `
      """Add invoice_totals.

      Refresh: REFRESH MATERIALIZED VIEW CONCURRENTLY every 15 minutes (billing worker)
      Budget: under 30 s on 10M rows; at most 15 minutes stale

      Revision ID: b1
      """
      revision = "b1"
      def upgrade():
          op.execute("CREATE MATERIALIZED VIEW invoice_totals AS SELECT customer_id, sum(total) AS total FROM invoice GROUP BY customer_id")
      `,
    },
    {
      name: 'plain views need no refresh strategy',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("CREATE VIEW open_invoice AS SELECT id FROM invoice")
      `,
    },
    {
      name: 'matview in the downgrade (restoring the old one)',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("DROP MATERIALIZED VIEW invoice_totals")
      def downgrade():
          op.execute("CREATE MATERIALIZED VIEW invoice_totals AS SELECT 1 AS x")
      `,
    },
  ],
  invalid: [
    {
      name: 'no Refresh and no Budget',
      code: `
      """Add invoice_totals."""
      revision = "b1"
      def upgrade():
          op.execute("""
              CREATE MATERIALIZED VIEW reporting.invoice_totals AS
              SELECT customer_id, sum(total) AS total FROM invoice GROUP BY customer_id
          """)
      `,
      errors: [
        {
          line: 5,
          message:
            'Materialized view "reporting.invoice_totals" has no documented refresh strategy and ' +
            'performance budget: the revision docstring lacks a Refresh: line (how and when it is ' +
            'refreshed) and a Budget: line (refresh time, staleness, size). Add them to the docstring, ' +
            'or record a decision and waive with # schema-warden: allow SW403 decision=NNNN.',
        },
      ],
      output: null,
    },
    {
      name: 'empty Budget line, alembic_utils entity',
      code: `
      """Add invoice_totals.

      Refresh: nightly at 02:00 by cron in the worker
      Budget:
      """
      from alembic_utils.pg_materialized_view import PGMaterializedView

      invoice_totals = PGMaterializedView(
          schema="public",
          signature="invoice_totals",
          definition="SELECT customer_id, sum(total) AS total FROM invoice GROUP BY customer_id",
      )

      revision = "b1"
      def upgrade():
          op.create_entity(invoice_totals)
      `,
      errors: [{ line: 10, message: /lacks a `Budget:` line/ }],
    },
  ],
});
