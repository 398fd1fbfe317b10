import rule from '../../server/src/rules/SW106-logged-data-change';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'a logged SQL backfill and a logged bulk_insert',
      code: `
      import logging
      import sqlalchemy as sa
      from alembic import op

      logger = logging.getLogger(f"alembic.{__name__}")

      def upgrade():
          logger.info("backfilling invoice.status from sent_at")
          result = op.get_bind().execute(sa.text("UPDATE invoice SET status = 'sent' WHERE sent_at IS NOT NULL"))
          logger.info("invoice.status backfilled on %d rows", result.rowcount)
          op.bulk_insert(sa.table("currency", sa.column("code", sa.String())), [{"code": "EUR"}])

      def downgrade():
          log = logging.getLogger(__name__)
          log.warning("clearing invoice.status")
          op.execute("UPDATE invoice SET status = NULL")
      `,
    },
    {
      name: 'logging in upgrade() covers the helper it calls; Core statements; ORM session',
      code: `
      import logging
      import sqlalchemy as sa
      from sqlalchemy import update
      from sqlalchemy.orm import Session

      _log = logging.getLogger(__name__)

      def _backfill(bind):
          invoice = sa.table("invoice", sa.column("status"))
          bind.execute(invoice.update().values(status="sent"))
          bind.execute(update(invoice).values(status="draft"))

      def upgrade():
          _log.info("backfilling invoice.status")
          _backfill(op.get_bind())
          session = Session(bind=op.get_bind())
          session.add(Currency(code="EUR"))
          logging.info("added EUR")
      `,
    },
    {
      name: 'schema changes only; dict.update is not a data change',
      code: `
      def upgrade():
          options = {}
          options.update(foo=1)
          op.execute("CREATE INDEX IF NOT EXISTS ix_a ON a (b)")
          op.execute("SELECT 1")
      `,
    },
  ],
  invalid: [
    {
      name: 'sa.text(…).params(…) and SQL returned by a helper of the revision (#13)',
      code: `
      def _reset_sql():
          return sa.text("UPDATE account SET state = 0 WHERE state IS NULL")

      def upgrade():
          conn = op.get_bind()
          conn.execute(sa.text("UPDATE account SET state = 2 WHERE id = :id").params(id=5))
          conn.execute(_reset_sql())
      `,
      errors: [
        { line: 2, message: /UPDATE account/ },
        { line: 6, message: /UPDATE account/ },
      ],
    },
    {
      name: 'silent SQL changes in upgrade and downgrade',
      code: `
      def upgrade():
          op.execute("UPDATE invoice SET status = 'sent' WHERE sent_at IS NOT NULL")
          op.execute("""
              WITH moved AS (DELETE FROM invoice_draft RETURNING *)
              INSERT INTO invoice SELECT * FROM moved
          """)

      def downgrade():
          op.execute(sa.text("DELETE FROM currency WHERE code = 'EUR'"))
      `,
      errors: [
        {
          line: 2,
          message:
            'UPDATE invoice changes data in upgrade() with no logging hook, and silent data ' +
            'modification is forbidden. Log what it changes in upgrade(), e.g. logger.info("backfilling ' +
            '…") with logger = logging.getLogger(__name__).',
        },
        { line: 4, message: /^`INSERT invoice` changes data in `upgrade\(\)`/ },
        { line: 9, message: /^`DELETE currency` changes data in `downgrade\(\)`/ },
      ],
      output: null,
    },
    {
      name: 'bulk_insert, Core and ORM writes in a helper; print() is not logging',
      code: `
      import sqlalchemy as sa

      def _seed(bind):
          print("seeding")
          op.bulk_insert(currency_table, [{"code": "EUR"}])
          bind.execute(sa.insert(currency_table).values(code="USD"))
          bind.execute(currency_table.delete().where(currency_table.c.code == "XXX"))
          session.query(Currency).filter_by(code="GBP").delete()

      def upgrade():
          _seed(op.get_bind())
      `,
      errors: [
        { line: 5, message: /^`op.bulk_insert` changes data in `_seed\(\)`/ },
        { line: 6, message: /^`sa.insert\(\)` changes data/ },
        { line: 7, message: /^`currency_table.delete\(\)` changes data/ },
        { line: 8, message: /^`query\(…\).delete\(…\)`/ },
      ],
    },
    {
      name: 'logging in another function does not count',
      code: `
      import logging
      logger = logging.getLogger(__name__)

      def upgrade():
          op.execute("UPDATE invoice SET status = 'sent'")

      def downgrade():
          logger.info("nothing to undo")
      `,
      errors: [{ line: 5 }],
    },
  ],
});
