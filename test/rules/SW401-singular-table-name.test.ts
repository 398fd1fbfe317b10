import rule, { nameProblem } from '../../server/src/rules/SW401-singular-table-name';
import * as assert from 'node:assert/strict';
import { ruleTester } from './ruleTester';

describe('SW401 nameProblem', () => {
  it('uses the last word and the pluralize library', () => {
    assert.match(nameProblem('user_accounts') ?? '', /"user_account"/);
    assert.match(nameProblem('OrderItems') ?? '', /"OrderItem"/);
    assert.match(nameProblem('people') ?? '', /"person"/);
    for (const ok of [
      'user_account',
      'status',
      'news',
      'series',
      'address',
      'user_metadata',
      'analysis',
      'process',
      'sms',
      'orders_archive',
      'equipment',
    ])
      assert.equal(nameProblem(ok), undefined, ok);
  });
  it('reports generic names', () => {
    for (const generic of ['data', 'info', 'misc', 'temp', 'tbl_customer', 'customer_tmp'])
      assert.match(nameProblem(generic) ?? '', /is generic/, generic);
  });
});

ruleTester(rule, {
  valid: [
    {
      name: 'single-token names ending in a mass noun, and statistics (#13)',
      code: `
      def upgrade():
          op.create_table("robotaccountmetadata", sa.Column("id", sa.UUID(), primary_key=True))
          op.create_table("statistics", sa.Column("id", sa.UUID(), primary_key=True))
          op.create_table("userdata", sa.Column("id", sa.UUID(), primary_key=True))
      `,
    },
    {
      name: 'singular names, uncountables, partitions, downgrades',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True))
          op.create_table("order_status", sa.Column("id", sa.UUID(), primary_key=True))
          op.execute("CREATE TABLE IF NOT EXISTS billing.news_item (id uuid PRIMARY KEY)")
          op.execute("CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")
          op.rename_table("customers", "customer")

      def downgrade():
          op.rename_table("customer", "customers")
      `,
    },
    {
      name: 'temporary tables are work tables of one migration, not entities (#13)',
      code: `
      def upgrade():
          op.execute("CREATE TEMP TABLE moved_rows ON COMMIT DROP AS SELECT id FROM customer")
          op.execute("CREATE TEMPORARY TABLE id_pairs (old_id integer, new_id uuid)")
      `,
    },
  ],
  invalid: [
    {
      name: 'a plural whose singular is a reserved word gets no reserved word as advice (#13)',
      code: `
      def upgrade():
          op.create_table("orders", sa.Column("id", sa.UUID(), primary_key=True))
          op.create_table("users", sa.Column("id", sa.UUID(), primary_key=True))
      `,
      errors: [
        { line: 2, message: /"order" is a reserved word in SQL.*"customer_order"/ },
        { line: 3, message: /"user" is a reserved word in SQL/ },
      ],
    },
    {
      name: 'plural names (Alembic, SQL, rename)',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table(
              "user_accounts",
              sa.Column("id", sa.UUID(), primary_key=True),
          )
          op.execute("CREATE TABLE billing.invoices (id uuid PRIMARY KEY)")
          op.rename_table("customer", "customers")
      `,
      errors: [
        {
          line: 4,
          message:
            'Table name "user_accounts" is plural, and tables are named in the singular, one row per entity. Rename it to "user_account".',
        },
        { line: 7, message: /"invoices" is plural.*"invoice"/ },
        { line: 8, message: /"customers" is plural/ },
      ],
      output: null,
    },
    {
      name: 'generic names',
      code: `
      revision = "b1"
      def upgrade():
          op.create_table("data", sa.Column("id", sa.UUID(), primary_key=True))
          op.create_table("tbl_customer", sa.Column("id", sa.UUID(), primary_key=True))
      `,
      errors: [
        { line: 3, message: /"data" is generic/ },
        { line: 4, message: /"tbl_customer" is generic/ },
      ],
    },
    {
      name: 'an unlogged table outlives the migration: its name is checked (#13)',
      code: `
      def upgrade():
          op.execute("CREATE UNLOGGED TABLE id_pairs (old_id integer, new_id uuid)")
      `,
      errors: [{ line: 2, message: /"id_pairs" is plural/ }],
    },
  ],
});
