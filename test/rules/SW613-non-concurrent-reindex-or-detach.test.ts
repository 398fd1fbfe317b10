import rule from '../../server/src/rules/SW613-non-concurrent-reindex-or-detach';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'the concurrent forms in an autocommit block',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              op.execute("REINDEX INDEX CONCURRENTLY ix_invoice_customer_id")
              op.execute("ALTER TABLE measurement DETACH PARTITION measurement_2020 CONCURRENTLY")
      `,
    },
    {
      name: 'older PostgreSQL has no concurrent form to suggest',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("REINDEX TABLE invoice")
          op.execute("ALTER TABLE measurement DETACH PARTITION measurement_2020")
      `,
      config: { postgresVersion: 11 },
    },
  ],
  invalid: [
    {
      name: 'plain REINDEX and DETACH PARTITION',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("REINDEX TABLE invoice")
          op.execute("ALTER TABLE measurement DETACH PARTITION measurement_2020")
      `,
      errors: [
        { line: 3, message: /REINDEX TABLE invoice without CONCURRENTLY/ },
        { line: 4, message: /DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on "measurement"/ },
      ],
    },
  ],
});
