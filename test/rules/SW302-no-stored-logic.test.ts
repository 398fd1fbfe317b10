import rule from '../../server/src/rules/SW302-no-stored-logic';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'dropping a function',
      code: `
      def upgrade():
          op.execute("DROP FUNCTION IF EXISTS order_total(uuid)")
      `,
    },
    {
      name: 'function re-created in the downgrade',
      code: `
      def upgrade():
          op.execute("DROP FUNCTION order_total(uuid)")

      def downgrade():
          op.execute("""
              CREATE FUNCTION order_total(order_id uuid) RETURNS numeric
              LANGUAGE sql AS $$ SELECT 1 $$
          """)
      `,
    },
    {
      name: 'calling built-in functions in DDL is fine',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False))
          op.execute("SELECT set_config('lock_timeout', '5s', false)")
      `,
    },
    {
      name: 'PGFunction only dropped (autogenerate shape)',
      code:
        `
      def upgrade():
          public_to_upper = PGFunction(schema="public", ` +
        `signature="to_upper(some_text text)", definition="returns text as $$ select ` +
        `upper(some_text) $$ language SQL;")
          op.drop_entity(public_to_upper)

      def ` +
        `downgrade():
          public_to_upper = PGFunction(schema="public", ` +
        `signature="to_upper(some_text text)", definition="returns text as $$ select ` +
        `upper(some_text) $$ language SQL;")
          op.create_entity(public_to_upper)
      `,
    },
  ],
  invalid: [
    {
      name: 'CREATE OR REPLACE FUNCTION with a tagged dollar quote',
      code: `
      def upgrade():
          op.execute("""
              CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
              LANGUAGE plpgsql AS $body$
              BEGIN
                  NEW.updated_at := now();
                  RETURN NEW;
              END
              $body$;
          """)
      `,
      errors: [
        { line: 3, message: /^`CREATE OR REPLACE FUNCTION touch_updated_at` stores a function in the database/ },
      ],
      output: null,
    },
    {
      name: 'CREATE PROCEDURE through sa.text and the connection',
      code: `
      def upgrade():
          conn = op.get_bind()
          conn.execute(sa.text("CREATE PROCEDURE close_month(m date) LANGUAGE sql AS $$ UPDATE ledger SET closed = true WHERE month = m $$"))
      `,
      errors: [{ line: 3, message: /^`CREATE PROCEDURE close_month` stores a procedure/ }],
    },
    {
      name: 'DO block (idempotent enum creation) inside an autocommit block',
      code: `
      def upgrade():
          with op.get_context().autocommit_block():
              op.execute("""
                  DO $$
                  BEGIN
                      IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'order_status') THEN
                          CREATE TYPE order_status AS ENUM ('new', 'paid');
                      END IF;
                  END
                  $$;
              """)
      `,
      errors: [{ line: 4, message: /^This `DO` block runs anonymous plpgsql code in the database/ }],
    },
    {
      name: 'alembic_utils PGFunction created in the upgrade',
      code: `
      from alembic_utils.pg_function import PGFunction

      def upgrade():
          public_to_upper = PGFunction(
              schema="public",
              signature="to_upper(some_text text)",
              definition="returns text as $$ select upper(some_text) $$ language SQL;",
          )
          op.create_entity(public_to_upper)
      `,
      errors: [
        {
          line: 9,
          message:
            /alembic_utils PGFunction "to_upper\(some_text text\)" stores a function in the database \(op\.create_entity\)/,
        },
      ],
    },
    {
      name: 'a module-level PGFunction used through to_sql_statement_create()',
      code: `
      to_upper = PGFunction(schema="public", signature="to_upper(t text)", definition="returns text as $$ select upper(t) $$ language SQL;")

      def upgrade():
          op.execute(to_upper.to_sql_statement_create())
      `,
      errors: [{ line: 4, message: /\(to_upper\.to_sql_statement_create\(\)\)/ }],
    },
  ],
});
