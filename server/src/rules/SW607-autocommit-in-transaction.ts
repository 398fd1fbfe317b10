import { boolValue, type Operation } from '../model/migration';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW607',
    name: 'autocommit-in-transaction',
    severity: 'error',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Every schema change requires an Alembic revision with clear upgrade and downgrade paths; manual database edits are prohibited.',
    docs: {
      summary: 'No autocommit block or CONCURRENTLY operation where env.py holds a transaction of its own.',
      whatItDoes:
        'Reads the project’s `env.py` statically. When it runs the migrations inside a transaction ' +
        'it began itself (`with engine.begin() as connection:` or `connection.begin()` around ' +
        '`context.run_migrations()`), reports each `op.get_context().autocommit_block()` (on its ' +
        'first operation) and each CONCURRENTLY index build or drop ' +
        '(`postgresql_concurrently=True`, SQL `CONCURRENTLY`) of the revision.',
      whyBad:
        'Alembic can commit only the transactions it began. Inside a transaction begun by `env.py`, ' +
        '`autocommit_block()` cannot end it: Alembic (1.8 and 1.20 alike) stops at the block’s ' +
        'entry with an `AssertionError` before any statement of the block is sent; and PostgreSQL ' +
        'refuses `CREATE INDEX CONCURRENTLY` (and other CONCURRENTLY forms) inside a transaction ' +
        'block. Either way the migration fails at run time, in production first if no one ran it ' +
        'on a real database.',
      bad:
        '# env.py: with connectable.begin() as connection: … context.run_migrations()\ndef ' +
        'upgrade():\n    with ' +
        'op.get_context().autocommit_block():\n        op.create_index("ix_invoice_customer_id", ' +
        '"invoice", ["customer_id"], postgresql_concurrently=True)',
      good:
        '# env.py: with connectable.connect() as connection: … with context.begin_transaction(): ' +
        'context.run_migrations()\ndef upgrade():\n    with ' +
        'op.get_context().autocommit_block():\n        op.create_index("ix_invoice_customer_id", ' +
        '"invoice", ["customer_id"], postgresql_concurrently=True)',
      howToFix:
        'In `env.py`, open a connection with `connectable.connect()` and let Alembic run the ' +
        'transaction (`with context.begin_transaction(): context.run_migrations()`), as Alembic’s ' +
        'own template does; with `transaction_per_migration=True` each revision gets its own.',
      fixSafety: 'none',
      notes:
        'env.py is read, never run: a transaction begun through a helper of the application is not ' +
        'seen. `schema-warden verify` runs the project’s own env.py on a real PostgreSQL and shows ' +
        'the failure either way.',
    },
  },
  check({ migration, project, report }) {
    const line = project.alembic?.env?.outerTransactionLine;
    if (line === undefined) return;
    const where = `env.py runs the migrations inside a transaction it began itself (line ${line})`;
    const help =
      'In env.py, connect with connectable.connect() and let Alembic run the transaction (with context.begin_transaction(): context.run_migrations()).';
    let previousInBlock = false;
    for (const op of migration.operations) {
      if (op.inAutocommitBlock && !previousInBlock)
        report({
          message: `autocommit_block() cannot work here: ${where}, which Alembic cannot commit, so this revision fails at run time.`,
          help,
          span: op.call.calleeSpan,
        });
      else if (!op.inAutocommitBlock && concurrent(op))
        report({
          message: `A CONCURRENTLY operation cannot run here: ${where}, and PostgreSQL refuses CONCURRENTLY inside a transaction block.`,
          help,
          span: op.call.calleeSpan,
        });
      previousInBlock = op.inAutocommitBlock;
    }
  },
});

function concurrent(op: Operation): boolean {
  if (op.isAlembicOp && boolValue(op.args.postgresql_concurrently) === true) return true;
  return (op.sql?.statements ?? []).some((s) => {
    const fact = ddlFactOf(s.kind, s.parsed.node);
    return (fact.kind === 'create-index' || fact.kind === 'drop') && fact.concurrent;
  });
}
