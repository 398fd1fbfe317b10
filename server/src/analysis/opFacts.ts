import type { MigrationModel, Operation, PyValue, SqlStatement } from '../model/migration';
import { stringValue } from '../model/migration';
import type { Span } from '../model/source';
import { objectChangesOf, type ObjectChange } from '../parse/facts/objectChanges';
import { sqlBlockText } from './sqlSource';
import { ObjectMemo } from '../model/objectMemo';

/**
 * Small readings of Alembic operations shared by the reversibility and safety rules and the
 * "Add downgrade" fix: literal names, the constraint kind an op creates, the SQL object changes
 * of an `op.execute`, and what an upgrade created before a given operation.
 */

/** `"ix_a"` or `op.f("ix_a")` / `conv("ix_a")` → `ix_a`; anything computed → undefined. */
export function literalName(value: PyValue | undefined): string | undefined {
  if (!value) return undefined;
  if (value.kind === 'string') return value.value;
  if (value.kind === 'call' && /(^|\.)(f|conv)$/.test(value.call.callee) && value.call.args.length === 1)
    return stringValue(value.call.args[0]);
  return undefined;
}

/** Alembic's `drop_constraint(type_=…)` for each constraint-creating op. */
export const CONSTRAINT_TYPES: Readonly<Record<string, string | undefined>> = {
  create_foreign_key: 'foreignkey',
  create_unique_constraint: 'unique',
  create_check_constraint: 'check',
  create_primary_key: 'primary',
  create_exclude_constraint: undefined,
};

/** The column an op names: the Column of add_column, the `column_name` of drop/alter_column. */
export function columnNameOf(op: Operation): string | undefined {
  if (op.name === 'add_column') return op.columns[0]?.name;
  return stringValue(op.args.column_name);
}

/** The (lower-cased) table an op acts on, if it is a literal. */
export function tableOf(op: Operation): string | undefined {
  return op.table?.toLowerCase();
}

export interface LocatedChange {
  change: ObjectChange;
  statement: SqlStatement;
  span: Span;
}

/** The object changes of an analysable `op.execute(...)`, each with the source span of the object's name. */
export function sqlChangesOf(op: Operation, source: string): LocatedChange[] {
  if (!op.sql?.analysable) return [];
  // Several rules ask for the same op's changes, some once per later op: read each op's SQL once.
  const cached = changesCache.get(op);
  if (cached && cached.source === source) return cached.changes;
  const out: LocatedChange[] = [];
  for (const statement of op.sql.statements) {
    for (const change of objectChangesOf(statement.kind, statement.parsed.node)) {
      out.push({
        change,
        statement,
        span: change.location >= 0 ? identifierAt(source, statement.locate(change.location)) : statement.span,
      });
    }
  }
  changesCache.set(op, { source, changes: out });
  return out;
}

const changesCache = new ObjectMemo<Operation, { source: string; changes: LocatedChange[] }>('changesCache');

/** Widens a one-character span to the (possibly qualified or quoted) identifier that starts there. */
function identifierAt(source: string, at: Span): Span {
  let end = at.start;
  while (end < source.length && /[\w$."]/.test(source[end])) end++;
  return end > at.start ? { start: at.start, end } : at;
}

/**
 * The source span of the first match of `pattern` inside one SQL statement (e.g. the
 * `DROP COLUMN legacy` clause), when the SQL is written literally; undefined otherwise.
 */
export function sqlFragmentSpan(
  migration: MigrationModel,
  op: Operation,
  statement: SqlStatement,
  pattern: RegExp,
): Span | undefined {
  const text = op.sql ? sqlBlockText(migration, op.sql) : undefined;
  if (!text) return undefined;
  const { start, end } = statement.parsed;
  const match = pattern.exec(text.value.slice(start, end));
  if (!match || match[0].length === 0) return undefined;
  const from = start + match.index;
  const to = from + match[0].length;
  return { start: text.offsets[from], end: text.offsets[to - 1] + 1 };
}

/** A regular expression for an SQL identifier as written, quoted or not, case-insensitive. */
export function sqlName(name: string): string {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `"?${escaped}"?`;
}

/**
 * Tables and columns the upgrade creates before `before` (in the same revision): changes to
 * those are not changes to something the running application already uses.
 */
export function createdEarlier(
  migration: MigrationModel,
  before: Operation,
): { tables: ReadonlySet<string>; columns: ReadonlySet<string> } {
  const created = createdIn(migration);
  const index = created.indexOf.get(before) ?? Infinity;
  // Only what was created by ops strictly before `before`.
  const view = (first: Map<string, number>): ReadonlySet<string> => {
    const names = () => new Set([...first].filter(([, at]) => at < index).map(([name]) => name));
    return {
      has: (name: string) => (first.get(name) ?? Infinity) < index,
      get size() {
        return names().size;
      },
      [Symbol.iterator]: () => names()[Symbol.iterator](),
    } as ReadonlySet<string>;
  };
  return { tables: view(created.tables), columns: view(created.columns) };
}

interface CreatedInUpgrade {
  /** Table (or `table.column`) → the index in `migration.operations` of the op that first created it. */
  tables: Map<string, number>;
  columns: Map<string, number>;
  indexOf: Map<Operation, number>;
}

const createdCache = new ObjectMemo<MigrationModel, CreatedInUpgrade>('createdCache');

/** One pass over the upgrade: where each table and column is first created (rules ask once per op). */
function createdIn(migration: MigrationModel): CreatedInUpgrade {
  const cached = createdCache.get(migration);
  if (cached) return cached;
  const tables = new Map<string, number>();
  const columns = new Map<string, number>();
  const indexOf = new Map<Operation, number>();
  const add = (map: Map<string, number>, name: string, at: number) => {
    if (!map.has(name)) map.set(name, at);
  };
  migration.operations.forEach((op, i) => {
    indexOf.set(op, i);
    if (op.section !== 'upgrade') return;
    const table = tableOf(op);
    if (op.name === 'create_table' && table) add(tables, table, i);
    if (op.name === 'add_column' && table && op.columns[0]?.name)
      add(columns, `${table}.${op.columns[0].name.toLowerCase()}`, i);
    if (op.name === 'rename_table' && table) {
      const to = stringValue(op.args.new_table_name)?.toLowerCase();
      if (tables.has(table) && to) add(tables, to, i);
    }
    for (const { change } of sqlChangesOf(op, migration.source)) {
      if (change.action === 'create' && change.kind === 'table') add(tables, change.name, i);
      if (change.action === 'create' && change.kind === 'column' && change.table)
        add(columns, `${change.table}.${change.name}`, i);
    }
  });
  const result = { tables, columns, indexOf };
  createdCache.set(migration, result);
  return result;
}

/** Was column `table.column` (or its whole table) created earlier in this upgrade? */
export function isNewInRevision(
  created: { tables: ReadonlySet<string>; columns: ReadonlySet<string> },
  table: string | undefined,
  column?: string,
): boolean {
  if (!table) return false;
  const t = table.toLowerCase();
  return created.tables.has(t) || (column !== undefined && created.columns.has(`${t}.${column.toLowerCase()}`));
}
