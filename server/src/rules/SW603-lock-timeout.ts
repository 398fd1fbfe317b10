import { boolValue, callKeyword, type MigrationModel, type Operation } from '../model/migration';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import type { Span } from '../model/source';
import { timeoutSettingOf } from '../parse/facts/locking';
import { operationTable, revisionTables, statementTables, upgradeOperations } from './util/revisionTables';
import { commentBlockAbove, lineBreakOf } from './util/pythonEdits';
import { keywordSpan } from './util/sqlNames';
import { defineRule } from './types';

/** Alembic operations that lock an existing table (creating a table or a view locks nothing others use). */
const LOCKING_OPS = new Set([
  'drop_table',
  'rename_table',
  'add_column',
  'drop_column',
  'alter_column',
  'create_index',
  'drop_index',
  'create_foreign_key',
  'create_unique_constraint',
  'create_primary_key',
  'create_check_constraint',
  'create_exclude_constraint',
  'drop_constraint',
]);

export default defineRule({
  meta: {
    id: 'SW603',
    name: 'lock-timeout',
    severity: 'info',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'A revision that locks existing tables sets `lock_timeout` first.',
      whatItDoes:
        "Reports a revision whose upgrade alters, drops, renames, indexes or constrains a table it did not create itself (Alembic operations, also in batch mode and helpers, and SQL) without a `SET lock_timeout` / `SET LOCAL lock_timeout` (or `set_config('lock_timeout', …)`) anywhere in the upgrade. One finding per revision, on the first such operation.",
      whyBad:
        'Even a brief ALTER TABLE needs an ACCESS EXCLUSIVE lock. If a long query holds a conflicting lock, the ALTER waits — and every query that arrives after it queues behind the ALTER: the table is unavailable until the long query ends. With `lock_timeout` the migration gives up after a few seconds instead (and can be retried), and the application never stalls.',
      bad: 'def upgrade():\n    op.add_column("invoice", sa.Column("note", sa.Text(), nullable=True, comment="free-text note"))',
      good: 'def upgrade():\n    op.execute("SET lock_timeout = \'5s\'")\n    op.add_column("invoice", sa.Column("note", sa.Text(), nullable=True, comment="free-text note"))',
      howToFix:
        'Start the upgrade with `op.execute("SET lock_timeout = \'5s\'")` (choose the value your application tolerates). The quick fix inserts that line. Or set it once for every migration in `env.py`.',
      fixSafety: 'unsafe',
      notes:
        "A revision whose only locking operations are `CONCURRENTLY` index builds or drops inside `autocommit_block()` is not reported: their SHARE UPDATE EXCLUSIVE lock does not block reads or writes. The rule is satisfied for the whole project when `env.py` sets `lock_timeout` (read statically, never run): a `SET lock_timeout` it executes, `set_config('lock_timeout', …)`, or `-c lock_timeout=…` in the `options` of its connect args. `SET LOCAL` lasts until the end of the transaction (Alembic runs a migration in one), a plain `SET` until the end of the connection; both count. Statements inside `autocommit_block()` run outside that transaction, so prefer plain `SET` there.",
    },
  },
  check({ migration, project, report }) {
    // env.py sets it for every migration: nothing to ask of each revision.
    if (project.alembic?.env?.setsLockTimeout) return;
    const tables = revisionTables(project, migration);
    const ops = upgradeOperations(migration);
    const setsTimeout = ops.some((op) =>
      (op.sql?.statements ?? []).some((s) => timeoutSettingOf(s.kind, s.parsed.node)?.setting === 'lock_timeout'),
    );
    if (setsTimeout) return;
    for (const op of ops) {
      const touched = touchedExistingTable(migration.source, op, tables.isExisting, tables.schema.before.indexes);
      if (!touched) continue;
      const fix = insertTimeoutFix(migration, op);
      report({
        message: `This revision locks existing table "${touched.table}" (${touched.what}) without a lock_timeout: if a long query holds the table, the migration waits and every later query queues behind it.`,
        help: `Start the upgrade with op.execute("SET lock_timeout = '5s'"), or set lock_timeout for every migration in env.py.`,
        span: touched.span,
        fixes: fix ? [fix] : [],
      });
      return;
    }
  },
});

function touchedExistingTable(
  source: string,
  op: Operation,
  isExisting: (table: string) => boolean,
  indexes: ReadonlyMap<string, { table: string }>,
): { table: string; what: string; span: Span } | undefined {
  if (concurrentInAutocommit(op)) return undefined;
  if (op.isAlembicOp && LOCKING_OPS.has(op.name)) {
    let table = operationTable(op);
    if (!table && op.name === 'drop_index') {
      const name = op.args.index_name;
      table = name?.kind === 'string' ? indexes.get(name.value)?.table : undefined;
    }
    return table && isExisting(table) ? { table, what: op.name, span: op.call.calleeSpan } : undefined;
  }
  for (const statement of op.sql?.statements ?? []) {
    const table = statementTables(statement).find(isExisting);
    if (table)
      return {
        table,
        what: statement.text.split(/\s+/).slice(0, 2).join(' ').toUpperCase(),
        span: keywordSpan(source, statement, /^\w+\s+\w+/),
      };
  }
  return undefined;
}

/**
 * A CONCURRENTLY index build or drop in an autocommit block takes SHARE UPDATE EXCLUSIVE, which
 * neither blocks reads and writes nor queues them behind it while it waits: no lock_timeout needed.
 */
function concurrentInAutocommit(op: Operation): boolean {
  if (!op.inAutocommitBlock) return false;
  // `op.execute(…)` is an Alembic operation too: its SQL says what it does.
  if (!op.sql)
    return (
      op.isAlembicOp &&
      (op.name === 'create_index' || op.name === 'drop_index') &&
      boolValue(callKeyword(op.call, 'postgresql_concurrently')) === true
    );
  const statements = op.sql.statements;
  return (
    statements.length > 0 &&
    statements.every((s) => {
      const fact = ddlFactOf(s.kind, s.parsed.node);
      return (fact.kind === 'create-index' || (fact.kind === 'drop' && fact.objectType === 'INDEX')) && fact.concurrent;
    })
  );
}

/**
 * `SET lock_timeout` as the upgrade's first statement: above the comment lines directly over the
 * current first statement, which belong to that statement (a `# rationale:` among them must stay
 * right above it).
 */
function insertTimeoutFix(
  migration: MigrationModel,
  op: Operation,
): { title: string; edits: Array<{ span: Span; newText: string }>; safe: boolean } | undefined {
  const body = migration.upgrade?.bodySpan;
  if (!body) return undefined;
  const { source, lines } = migration;
  const indent = migration.upgrade?.bodyIndent ?? '    ';
  const eol = lineBreakOf(source);
  const receiver = op.isAlembicOp && op.batchTable === undefined && op.call.receiver ? op.call.receiver : 'op';
  const statement = `${receiver}.execute("SET lock_timeout = '5s'")`;
  const bodyLine = lines.positionAt(body.start).line;
  const ownLine = source.slice(lines.lineStart(bodyLine), body.start).trim() === '';
  const title = 'Set lock_timeout at the start of the upgrade';
  if (!ownLine)
    // `def upgrade(): op.…` on one line: before the statement, on that line.
    return { title, edits: [{ span: { start: body.start, end: body.start }, newText: `${statement}; ` }], safe: false };
  const at = lines.lineStart(commentBlockAbove(migration, body.start)[0]?.line ?? bodyLine);
  return { title, edits: [{ span: { start: at, end: at }, newText: `${indent}${statement}${eol}` }], safe: false };
}
