import { transactionControlOf } from '../parse/facts/locking';
import { keywordSpan } from './util/sqlNames';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW614',
    name: 'transaction-control-in-execute',
    severity: 'error',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Migrations must be idempotent within their revision scope and avoid destructive operations without explicit safeguards.',
    docs: {
      summary: 'SQL run by a revision does not BEGIN, COMMIT or ROLLBACK the migration’s transaction.',
      whatItDoes:
        'Reports `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK` and `PREPARE ' +
        'TRANSACTION` inside `op.execute(…)` (or another SQL string the revision runs), in the ' +
        'upgrade and the downgrade.',
      whyBad:
        'Alembic runs the revision, and the update of `alembic_version`, in a transaction it ' +
        'controls. A COMMIT in the middle makes the revision non-atomic: when a later statement ' +
        'fails, the statements before the COMMIT stay applied while `alembic_version` still names ' +
        'the previous revision, so the next run repeats them and fails. A ROLLBACK silently throws ' +
        'away what ran before it.',
      bad: 'def upgrade():\n    op.execute("COMMIT")\n    op.execute("CREATE INDEX CONCURRENTLY ix_invoice_customer_id ON invoice (customer_id)")',
      good:
        'def upgrade():\n    with op.get_context().autocommit_block():\n        op.execute("CREATE ' +
        'INDEX CONCURRENTLY ix_invoice_customer_id ON invoice (customer_id)")',
      howToFix:
        'Remove the transaction statement. For statements that cannot run in a transaction ' +
        '(CONCURRENTLY, ALTER TYPE … ADD VALUE before PostgreSQL 12, VACUUM), use `with ' +
        'op.get_context().autocommit_block():`, which Alembic ends and restarts cleanly; split the ' +
        'rest into separate revisions.',
      fixSafety: 'none',
    },
  },
  check({ migration, report }) {
    for (const op of migration.operations) {
      for (const statement of op.sql?.statements ?? []) {
        const control = transactionControlOf(statement.kind, statement.parsed.node);
        if (!control || (!control.endsTransaction && control.verb !== 'BEGIN' && control.verb !== 'START TRANSACTION'))
          continue;
        report({
          message:
            `${control.verb} inside op.execute ${control.endsTransaction ? 'ends' : 'nests inside'} the ` +
            `transaction Alembic runs this revision in, so the revision is no longer applied all or ` +
            `nothing.`,
          help: `Use op.get_context().autocommit_block() for statements that cannot run in a transaction.`,
          span: keywordSpan(migration.source, statement, /^\w+(\s+TRANSACTION)?/i),
        });
      }
    }
  },
});
