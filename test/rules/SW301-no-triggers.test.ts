import rule from '../../server/src/rules/SW301-no-triggers';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'dropping a trigger in the upgrade',
      code: `
      def upgrade():
          op.execute("DROP TRIGGER IF EXISTS account_touch ON account")

      def downgrade():
          pass
      `,
    },
    {
      name: 'a trigger re-created by the downgrade (restores the previous state)',
      code: `
      def upgrade():
          op.execute("DROP TRIGGER account_touch ON account")

      def downgrade():
          op.execute("""
              CREATE TRIGGER account_touch BEFORE UPDATE ON account
              FOR EACH ROW EXECUTE FUNCTION touch_updated_at()
          """)
      `,
    },
    {
      name: 'alembic_utils PGTrigger only dropped (autogenerate shape)',
      code:
        `
      from alembic_utils.pg_trigger import PGTrigger

      def ` +
        `upgrade():
          public_account_touch = PGTrigger(schema="public", ` +
        `signature="account_touch", on_entity="public.account", definition="BEFORE UPDATE ON ` +
        `account FOR EACH ROW EXECUTE FUNCTION ` +
        `touch()")
          op.drop_entity(public_account_touch)

      def ` +
        `downgrade():
          public_account_touch = PGTrigger(schema="public", ` +
        `signature="account_touch", on_entity="public.account", definition="BEFORE UPDATE ON ` +
        `account FOR EACH ROW EXECUTE FUNCTION ` +
        `touch()")
          op.create_entity(public_account_touch)
      `,
    },
    {
      name: 'plain DDL, batch ops and autocommit blocks',
      code: `
      def upgrade():
          with op.batch_alter_table("account") as batch_op:
              batch_op.add_column(sa.Column("note", sa.Text()))
          with op.get_context().autocommit_block():
              op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_account_note ON account (note)")
          op.execute(sa.text("UPDATE account SET note = 'trigger' WHERE note IS NULL"))

      def downgrade():
          op.drop_column("account", "note")
      `,
    },
    {
      name: 'a listener on a non-DDL event',
      code: `
      event.listen(Session, "before_commit", log_commit)

      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text()))
      `,
    },
    {
      name: 'DDL listener running a plain index creation',
      code: `
      event.listen(account, "after_create", DDL("CREATE INDEX ix_account_note ON account (note)"))

      def upgrade():
          pass
      `,
    },
  ],
  invalid: [
    {
      name: 'CREATE TRIGGER in a triple-quoted string',
      code: `
      def upgrade():
          op.execute("""
              CREATE TRIGGER account_touch BEFORE UPDATE ON account
              FOR EACH ROW EXECUTE FUNCTION touch_updated_at()
          """)
      `,
      errors: [
        { line: 3, message: /^`CREATE TRIGGER account_touch` on account runs business logic inside the database/ },
      ],
      output: null,
    },
    {
      name: 'CREATE CONSTRAINT TRIGGER via sa.text in a helper',
      code: `
      def _add_trigger(conn):
          conn.execute(sa.text(
              "CREATE CONSTRAINT TRIGGER check_balance AFTER INSERT ON ledger "
              "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_balance()"
          ))

      def upgrade():
          _add_trigger(op.get_bind())
      `,
      errors: [{ line: 3, message: /`CREATE CONSTRAINT TRIGGER check_balance` on ledger/ }],
    },
    {
      name: 'CREATE EVENT TRIGGER and CREATE RULE in one string',
      code: `
      def upgrade():
          op.execute("""
              CREATE EVENT TRIGGER block_drops ON sql_drop EXECUTE FUNCTION refuse_drop();
              CREATE RULE account_no_delete AS ON DELETE TO account DO INSTEAD NOTHING;
          """)
      `,
      errors: [
        { line: 3, message: /`CREATE EVENT TRIGGER block_drops` runs database-side code on DDL/ },
        { line: 4, message: /`CREATE RULE account_no_delete` on account rewrites queries/ },
      ],
    },
    {
      name: 'CREATE OR REPLACE TRIGGER held in a module-level variable',
      code: `
      TRIGGER_SQL = "CREATE OR REPLACE TRIGGER audit AFTER INSERT ON payment FOR EACH ROW EXECUTE FUNCTION audit()"

      def upgrade():
          op.execute(TRIGGER_SQL)
      `,
      errors: [{ line: 1, message: /`CREATE OR REPLACE TRIGGER audit` on payment/ }],
    },
    {
      name: 'alembic_utils PGTrigger created with op.create_entity',
      code: `
      from alembic_utils.pg_trigger import PGTrigger

      def upgrade():
          public_account_touch = PGTrigger(
              schema="public",
              signature="account_touch",
              on_entity="public.account",
              definition="BEFORE UPDATE ON account FOR EACH ROW EXECUTE FUNCTION touch()",
          )
          op.create_entity(public_account_touch)

      def downgrade():
          public_account_touch = PGTrigger(schema="public", signature="account_touch", on_entity="public.account", definition="")
          op.drop_entity(public_account_touch)
      `,
      errors: [
        {
          line: 10,
          message: /alembic_utils PGTrigger "account_touch" creates a database trigger \(op\.create_entity\)/,
        },
      ],
    },
    {
      name: 'PGTrigger inline in op.replace_entity',
      code: `
      def upgrade():
          op.replace_entity(PGTrigger(schema="public", signature="t", on_entity="public.a", definition="AFTER INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()"))
      `,
      errors: [{ line: 2, message: /op\.replace_entity/ }],
    },
    {
      name: 'DDL event listeners: a DDL trigger and a decorated listener',
      code: `
      from sqlalchemy import DDL, event

      event.listen(account, "after_create", DDL("CREATE TRIGGER t BEFORE INSERT ON account FOR EACH ROW EXECUTE FUNCTION f()"))

      @event.listens_for(account, "after_create")
      def _install(target, connection, **kw):
          connection.execute(text(SQL))

      def upgrade():
          pass
      `,
      errors: [
        { line: 3, message: /`CREATE TRIGGER t` on account/ },
        { line: 5, message: /DDL event listener on "after_create" runs hidden code/ },
      ],
    },
  ],
});
