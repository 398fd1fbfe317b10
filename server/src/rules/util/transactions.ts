import type { MigrationModel, Operation, SqlStatement } from '../../model/migration';
import type { Span } from '../../model/source';
import { transactionControlOf } from '../../parse/facts/locking';
import { keywordSpan } from './sqlNames';
import { ObjectMemo } from '../../model/objectMemo';

/**
 * The upgrade as PostgreSQL runs it, one statement at a time, with the transaction each runs in.
 *
 * Alembic runs a revision's upgrade in one transaction (with `transaction_per_migration`, or the
 * whole `alembic upgrade` run in one when not; either way a lock taken by one statement is held
 * until the end of this upgrade at least). Two things end that transaction part-way:
 * `op.get_context().autocommit_block()`, which commits before its body and starts a new
 * transaction after it (each statement inside commits on its own), and a `COMMIT`/`ROLLBACK`
 * written inside `op.execute`.
 */
export interface UpgradeStatement {
  op: Operation;
  /** The SQL statement, when the op is `op.execute` (or another call carrying SQL). */
  statement?: SqlStatement;
  /** Statements with the same number run in the same transaction. */
  transaction: number;
  /** Where to point a finding about this statement: the op's name, or the SQL's first words. */
  span: Span;
}

const cache = new ObjectMemo<MigrationModel, UpgradeStatement[]>('cache');

export function upgradeTransactions(migration: MigrationModel): UpgradeStatement[] {
  let statements = cache.get(migration);
  if (statements) return statements;
  statements = [];
  let transaction = 0;
  let inAutocommit = false;
  for (const op of migration.operations) {
    if (op.section !== 'upgrade') continue;
    if (op.inAutocommitBlock !== inAutocommit) {
      // Entering or leaving an autocommit block commits what ran before it.
      transaction++;
      inAutocommit = op.inAutocommitBlock;
    }
    const sql = op.sql?.statements ?? [];
    if (sql.length === 0) {
      statements.push({ op, transaction, span: op.call.calleeSpan });
      if (inAutocommit) transaction++;
      continue;
    }
    for (const statement of sql) {
      statements.push({
        op,
        statement,
        transaction,
        span: keywordSpan(migration.source, statement, /^\w+(\s+\w+)?/),
      });
      const control = transactionControlOf(statement.kind, statement.parsed.node);
      if (inAutocommit || control?.endsTransaction) transaction++;
    }
  }
  cache.set(migration, statements);
  return statements;
}
