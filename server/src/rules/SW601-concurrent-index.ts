import { boolValue, callKeyword, stringValue, type MigrationModel, type Operation } from '../model/migration';
import type { Span } from '../model/source';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { qualifiedName } from '../parse/facts/views';
import { wrapInAutocommitBlock } from './util/autocommitFix';
import { keywordSpan } from './util/sqlNames';
import { operationTable, revisionTables, upgradeOperations, type RevisionTables } from './util/revisionTables';
import { defineRule, type Fix, type FindingInput } from './types';

const AUTOCOMMIT = '`with op.get_context().autocommit_block():`';
const IN_TRANSACTION =
  'cannot run inside a transaction block, and Alembic runs each migration in one: the migration fails.';
const MOVE_HELP = `Move it into ${AUTOCOMMIT}.`;

export default defineRule({
  meta: {
    id: 'SW601',
    name: 'concurrent-index',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'Indexes on existing tables are built and dropped CONCURRENTLY, inside an autocommit block.',
      whatItDoes:
        'Reports `op.create_index` / `op.drop_index` (also `batch_op.*` and helpers) and SQL ' +
        '`CREATE INDEX` / `DROP INDEX` on a table that the same revision did not create, when they ' +
        'are not concurrent. Reports the reverse mistake too: `postgresql_concurrently=True` or ' +
        '`CONCURRENTLY` outside `op.get_context().autocommit_block()`.',
      whyBad:
        'A plain `CREATE INDEX` takes a SHARE lock on the table for the whole build: every INSERT, ' +
        'UPDATE and DELETE waits, for minutes on a large table, and the running application stalls. ' +
        'A plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock, which also blocks reads (and queues ' +
        'behind any long query). `CREATE/DROP INDEX CONCURRENTLY` take SHARE UPDATE EXCLUSIVE, ' +
        'which lets reads and writes continue — but PostgreSQL refuses to run them inside a ' +
        'transaction block, and Alembic wraps each migration in a transaction unless the call sits ' +
        'in an autocommit block.',
      bad: 'def upgrade():\n    op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"])',
      good:
        'def upgrade():\n    with ' +
        'op.get_context().autocommit_block():\n        op.create_index("ix_invoice_customer_id", ' +
        '"invoice", ["customer_id"], postgresql_concurrently=True)',
      howToFix:
        'Pass `postgresql_concurrently=True` (SQL: `CREATE INDEX CONCURRENTLY`, `DROP INDEX ' +
        'CONCURRENTLY`) and put the call in `with op.get_context().autocommit_block():`. The quick ' +
        'fix does both for an Alembic call that stands on its own lines.',
      fixSafety: 'unsafe',
      notes:
        'Tables created earlier in the same revision are empty and unused, so plain index builds on ' +
        'them are fine and not reported. A concurrent build that fails leaves an INVALID index ' +
        'behind (drop it and retry), and statements in an autocommit block are not rolled back with ' +
        'the rest of the migration: that is why the fix is not applied by `--fix`. `DROP INDEX ' +
        'CONCURRENTLY` cannot drop the index behind a UNIQUE or PRIMARY KEY constraint.',
    },
  },
  check({ migration, project, report }) {
    const tables = revisionTables(project, migration);
    for (const op of upgradeOperations(migration)) {
      if (op.isAlembicOp && (op.name === 'create_index' || op.name === 'drop_index'))
        checkAlembicIndex(migration, op, tables, report);
      for (const statement of op.sql?.statements ?? []) {
        const fact = ddlFactOf(statement.kind, statement.parsed.node);
        if (fact.kind === 'create-index') {
          const table = qualifiedName(fact.table);
          if (fact.concurrent && !op.inAutocommitBlock) {
            report({
              message: `CREATE INDEX CONCURRENTLY ${IN_TRANSACTION}`,
              help: MOVE_HELP,
              span: keywordSpan(migration.source, statement, /^create\s+(unique\s+)?index\s+concurrently/i),
            });
          } else if (!fact.concurrent && tables.isExisting(table)) {
            report({
              message: `CREATE INDEX on existing table "${table}" takes a SHARE lock that blocks every write until the index is built.`,
              help: `Use CREATE INDEX CONCURRENTLY inside ${AUTOCOMMIT}.`,
              span: keywordSpan(migration.source, statement, /^create\s+(unique\s+)?index/i),
            });
          }
        } else if (fact.kind === 'drop' && fact.objectType === 'INDEX') {
          if (fact.concurrent && !op.inAutocommitBlock) {
            report({
              message: `DROP INDEX CONCURRENTLY ${IN_TRANSACTION}`,
              help: MOVE_HELP,
              span: keywordSpan(migration.source, statement, /^drop\s+index\s+concurrently/i),
            });
            continue;
          }
          if (fact.concurrent) continue;
          const existing = fact.names.filter((n) => !indexCreatedEarlier(migration, op, n.name));
          if (existing.length === 0) continue;
          const on = existing
            .map((n) => tables.schema.before.indexes.get(n.name)?.table)
            .filter((t): t is string => t !== undefined);
          report({
            message:
              `DROP INDEX ${existing.map((n) => n.name).join(', ')} takes an ACCESS EXCLUSIVE lock` +
              `${on.length ? ` on "${on.join('", "')}"` : ' on its table'}, blocking reads and writes.`,
            help: `Use DROP INDEX CONCURRENTLY inside ${AUTOCOMMIT}.`,
            span: keywordSpan(migration.source, statement, /^drop\s+index/i),
          });
        }
      }
    }
  },
});

function checkAlembicIndex(
  migration: MigrationModel,
  op: Operation,
  tables: RevisionTables,
  report: (f: FindingInput) => void,
): void {
  const concurrentlyValue = callKeyword(op.call, 'postgresql_concurrently');
  const concurrently = boolValue(concurrentlyValue) === true;
  const indexName = stringValue(op.args.index_name);
  const creating = op.name === 'create_index';
  if (concurrently) {
    if (!op.inAutocommitBlock) {
      const fix = wrapFix(migration, op);
      report({
        message: `postgresql_concurrently=True outside an autocommit block: ${creating ? 'CREATE' : 'DROP'} INDEX CONCURRENTLY ${IN_TRANSACTION}`,
        help: MOVE_HELP,
        span: spanOfKeyword(op, concurrentlyValue?.span),
        fixes: fix ? [fix] : [],
      });
    }
    return;
  }
  if (concurrentlyValue && concurrentlyValue.kind !== 'bool') return; // computed at run time
  let table = operationTable(op);
  if (!creating) {
    if (indexName && indexCreatedEarlier(migration, op, indexName)) return;
    table ??= indexName ? tables.schema.before.indexes.get(indexName)?.table : undefined;
  }
  if (creating && (!table || !tables.isExisting(table))) return;
  if (!creating && table && !tables.isExisting(table)) return;
  const fix = wrapFix(migration, op, true);
  const where = table ? ` on existing table "${table}"` : '';
  const message = creating
    ? `create_index${where} takes a SHARE lock that blocks every write until the index is built.`
    : `drop_index${indexName ? ` "${indexName}"` : ''}${where} takes an ACCESS EXCLUSIVE lock, blocking reads and writes.`;
  const help = `Pass postgresql_concurrently=True and run it inside ${AUTOCOMMIT}.`;
  report({ message, help, span: op.call.calleeSpan, fixes: fix ? [fix] : [] });
}

/**
 * Was index `name` built earlier in this upgrade (so dropping it locks nothing anyone uses)? Only
 * a build before the drop counts: an index dropped and then built again under the same name (to
 * change its columns) is an existing index when it is dropped.
 */
function indexCreatedEarlier(migration: MigrationModel, before: Operation, name: string): boolean {
  const wanted = name.toLowerCase();
  for (const op of upgradeOperations(migration)) {
    if (op === before) return false;
    if (op.isAlembicOp && op.name === 'create_index' && stringValue(op.args.index_name)?.toLowerCase() === wanted)
      return true;
    for (const statement of op.sql?.statements ?? []) {
      const fact = ddlFactOf(statement.kind, statement.parsed.node);
      if (fact.kind === 'create-index' && fact.name?.toLowerCase() === wanted) return true;
    }
  }
  return false;
}

function spanOfKeyword(op: Operation, valueSpan: Span | undefined): Span {
  const keyword = op.call.keywords.find((k) => k.name === 'postgresql_concurrently');
  return keyword?.span ?? valueSpan ?? op.call.calleeSpan;
}

function wrapFix(migration: MigrationModel, op: Operation, addKeyword = false): Fix | undefined {
  const edit = wrapInAutocommitBlock(
    migration,
    op,
    addKeyword ? { name: 'postgresql_concurrently', value: 'True' } : undefined,
  );
  if (!edit) return undefined;
  return {
    title: addKeyword ? 'Build the index concurrently in an autocommit block' : 'Move into an autocommit block',
    edits: [edit],
    safe: false,
  };
}
