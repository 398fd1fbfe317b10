import type { MigrationModel, Operation, PyValue, SqlStatement } from '../model/migration';
import { stringValue } from '../model/migration';
import type { Span } from '../model/source';
import { objectChangesOf, type ObjectChange } from '../parse/facts/objectChanges';
import { sqlBlockText } from '../rules/util/sqlSource';

/**
 * Small readings of Alembic operations shared by the reversibility and safety rules and the
 * "Add downgrade" fix: literal names, the constraint kind an op creates, the SQL object changes
 * of an `op.execute`, and what an upgrade created before a given operation.
 */

/** `"ix_a"` or `op.f("ix_a")` / `conv("ix_a")` → `ix_a`; anything computed → undefined. */
export function literalName(value: PyValue | undefined): string | undefined {
  if (!value) return undefined;
  if (value.kind === 'string') return value.value;
  if (value.kind === 'call' && /(^|\.)(f|conv)$/.test(value.call.callee) && value.call.args.length === 1) return stringValue(value.call.args[0]);
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

export interface LocatedChange { change: ObjectChange; statement: SqlStatement; span: Span }

/** The object changes of an analysable `op.execute(...)`, each with the source span of the object's name. */
export function sqlChangesOf(op: Operation, source: string): LocatedChange[] {
  if (!op.sql?.analysable) return [];
  const out: LocatedChange[] = [];
  for (const statement of op.sql.statements) {
    for (const change of objectChangesOf(statement.kind, statement.parsed.node)) {
      out.push({ change, statement, span: change.location >= 0 ? identifierAt(source, statement.locate(change.location)) : statement.span });
    }
  }
  return out;
}

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
export function sqlFragmentSpan(migration: MigrationModel, op: Operation, statement: SqlStatement, pattern: RegExp): Span | undefined {
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
export function createdEarlier(migration: MigrationModel, before: Operation): { tables: Set<string>; columns: Set<string> } {
  const tables = new Set<string>();
  const columns = new Set<string>();
  for (const op of migration.operations) {
    if (op === before) break;
    if (op.section !== 'upgrade') continue;
    const table = tableOf(op);
    if (op.name === 'create_table' && table) tables.add(table);
    if (op.name === 'add_column' && table && op.columns[0]?.name) columns.add(`${table}.${op.columns[0].name.toLowerCase()}`);
    if (op.name === 'rename_table' && table) {
      const to = stringValue(op.args.new_table_name)?.toLowerCase();
      if (tables.has(table) && to) tables.add(to);
    }
    for (const { change } of sqlChangesOf(op, migration.source)) {
      if (change.action === 'create' && change.kind === 'table') tables.add(change.name);
      if (change.action === 'create' && change.kind === 'column' && change.table) columns.add(`${change.table}.${change.name}`);
    }
  }
  return { tables, columns };
}

/** Was column `table.column` (or its whole table) created earlier in this upgrade? */
export function isNewInRevision(created: { tables: Set<string>; columns: Set<string> }, table: string | undefined, column?: string): boolean {
  if (!table) return false;
  const t = table.toLowerCase();
  return created.tables.has(t) || (column !== undefined && created.columns.has(`${t}.${column.toLowerCase()}`));
}
