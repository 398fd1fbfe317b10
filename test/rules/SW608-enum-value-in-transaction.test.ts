import rule from '../../server/src/rules/SW608-enum-value-in-transaction';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'the value is added in an autocommit block, then used',
      code: `
      revision = "b1"
      def upgrade():
          with op.get_context().autocommit_block():
              op.execute("ALTER TYPE ticket_state ADD VALUE 'escalated'")
          op.execute("UPDATE ticket SET state = 'escalated' WHERE priority = 1")
      `,
    },
    {
      name: 'added and not used; a renamed value may be used',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER TYPE ticket_state ADD VALUE 'escalated'")
          op.execute("ALTER TYPE ticket_state RENAME VALUE 'open' TO 'opened'")
          op.execute("UPDATE ticket SET state = 'opened' WHERE state IS NULL")
      `,
    },
    {
      name: 'alembic-autogenerate-enums: sync_enum_values(schema, name, old values, new values) only adds values',
      code: `
      revision = "b1"
      def upgrade():
          op.sync_enum_values("public", "ticket_state", ["open", "closed"], ["open", "closed", "escalated"])
          op.sync_enum_values("public", "audit_kind", old_values=["login"], new_values=["login", "logout"])
      `,
    },
  ],
  invalid: [
    {
      name: 'used by SQL in the same transaction',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER TYPE ticket_state ADD VALUE 'escalated'")
          op.execute("UPDATE ticket SET state = 'escalated' WHERE priority = 1")
      `,
      errors: [
        {
          line: 4,
          message:
            /The enum value 'escalated' is used in the same transaction that added it to ticket_state \(line 3\)/,
        },
      ],
    },
    {
      name: 'used as a server default by an Alembic operation',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER TYPE ticket_state ADD VALUE 'escalated'")
          op.alter_column("ticket", "state", server_default="escalated")
      `,
      errors: [{ line: 4 }],
    },
    {
      name: 'ADD VALUE in a transaction before PostgreSQL 12',
      code: `
      revision = "b1"
      def upgrade():
          op.execute("ALTER TYPE ticket_state ADD VALUE 'escalated'")
      `,
      config: { postgresVersion: 11 },
      errors: [{ line: 3, message: /cannot run inside a transaction block before PostgreSQL 12/ }],
    },
    {
      name: 'alembic-postgresql-enum re-creates the type',
      code: `
      revision = "b1"
      def upgrade():
          op.sync_enum_values("public", "ticket_state", ["open", "closed", "escalated"], [("ticket", "state")])
      `,
      errors: [{ line: 3, message: /re-creates the enum type/ }],
    },
    {
      name: 'alembic-postgresql-enum by keyword, columns as TableReference',
      code: `
      revision = "b1"
      def upgrade():
          op.sync_enum_values(
              enum_schema="public",
              enum_name="ticket_state",
              new_values=["open", "closed", "escalated"],
              affected_columns=[TableReference(table_schema="public", table_name="ticket", column_name="state")],
          )
      `,
      errors: [{ line: 3, message: /re-creates the enum type/ }],
    },
  ],
});
