import { ancestorsOf } from '../model/graph';
import type { ColumnDef, MigrationModel, Operation } from '../model/migration';
import { stringValue } from '../model/migration';
import type { ProjectModel } from '../model/project';
import { walkSql, relationOf } from '../parse/sqlFacts';
import { columnNameOf, CONSTRAINT_TYPES, literalName, tableOf } from './opFacts';
import { ObjectMemo } from '../model/objectMemo';

/**
 * How a table, column, index or constraint was defined, read from the upgrades of the revisions
 * that come before a given operation. A definition is "known" only when it was created by a
 * literal Alembic operation and nothing after that changed it: the "Add downgrade" fix copies it
 * to re-create what an upgrade drops, and the safety rules read a column's previous type and
 * default from it. Anything in doubt is unknown, with the reason why.
 */

export interface HistoryEntry {
  op: Operation;
  migration: MigrationModel;
  /** True for ops of the revision being checked. */ current: boolean;
}

export type Known<T> = { known: true; value: T; entry: HistoryEntry } | { known: false; reason: string };

/**
 * The upgrade ops that run before an op, in order: the ancestors' (base first), then this
 * revision's. Read by index from the end (the definitions below walk back to a create, then
 * forward): a view over each revision's own list of upgrade ops, never one array of the whole
 * history — that was built for every op a rule asked about, quadratic in the history's length.
 */
export interface HistoryView {
  readonly length: number;
  at(index: number): HistoryEntry | undefined;
}

export function historyBefore(
  project: ProjectModel | undefined,
  migration: MigrationModel,
  before: Operation,
): HistoryView {
  const current: HistoryEntry[] = [];
  for (const op of migration.operations) {
    if (op === before) break;
    if (op.section === 'upgrade') current.push({ op, migration, current: true });
  }
  const prefix = project && migration.revision ? ancestorPrefix(project, migration.revision) : undefined;
  if (prefix) return new History([prefix.entries, current], [prefix.length, current.length]);
  return new History([...ancestorMigrations(project, migration).map(upgradeEntries), current]);
}

const upgradeEntriesCache = new ObjectMemo<MigrationModel, HistoryEntry[]>('upgradeEntriesCache');

function upgradeEntries(migration: MigrationModel): HistoryEntry[] {
  let entries = upgradeEntriesCache.get(migration);
  if (!entries) {
    entries = migration.operations
      .filter((op) => op.section === 'upgrade')
      .map((op) => ({ op, migration, current: false }));
    upgradeEntriesCache.set(migration, entries);
  }
  return entries;
}

/** Segments read as one list. Walks go one entry at a time, so the last segment is the place to start looking. */
class History implements HistoryView {
  readonly length: number;
  /** ends[s]: index one past segment s. */
  private readonly ends: number[] = [];
  private segment = 0;

  /** `lengths[s]`, when given, reads only the first that many entries of segment s. */
  constructor(
    private readonly segments: ReadonlyArray<readonly HistoryEntry[]>,
    lengths?: readonly number[],
  ) {
    let total = 0;
    segments.forEach((entries, s) => {
      total += lengths?.[s] ?? entries.length;
      this.ends.push(total);
    });
    this.length = total;
  }

  at(index: number): HistoryEntry | undefined {
    if (index < 0 || index >= this.length) return undefined;
    let s = this.segment;
    while (s > 0 && index < this.ends[s - 1]) s--;
    while (index >= this.ends[s]) s++;
    this.segment = s;
    return this.segments[s][index - (s > 0 ? this.ends[s - 1] : 0)];
  }
}

/**
 * The whole history's upgrade ops in the graph's order, once per graph, and for each revision
 * whose ancestors are exactly the revisions before it in that order (all of a linear history, and
 * most of a real one) the number of those ops: its history is then a prefix of the one list, with
 * no walk of the graph. Asking each revision's ancestors walked the graph and the order each time,
 * quadratic in the history's length (90 ms of a 1,000-revision lint, ~25× that at 5,000).
 */
interface TopologicalHistory {
  entries: HistoryEntry[];
  /** Revision → length of its ancestors' prefix of `entries`, when its ancestors are that prefix. */
  prefixOf: Map<string, number>;
}

const topologicalCache = new ObjectMemo<object, TopologicalHistory>('topologicalCache');

function ancestorPrefix(
  project: ProjectModel,
  revision: string,
): { entries: HistoryEntry[]; length: number } | undefined {
  const graph = project.graph;
  let topo = topologicalCache.get(graph);
  if (!topo) {
    topo = topologicalHistory(graph);
    topologicalCache.set(graph, topo);
  }
  const length = topo.prefixOf.get(revision);
  return length === undefined ? undefined : { entries: topo.entries, length };
}

function topologicalHistory(graph: ProjectModel['graph']): TopologicalHistory {
  const entries: HistoryEntry[] = [];
  const prefixOf = new Map<string, number>();
  let previousComplete = false;
  graph.order.forEach((id, index) => {
    const node = graph.nodes.get(id);
    // Is every revision before this one in the order an ancestor of it? The one just before can
    // only be an ancestor as a parent (nothing lies between them), so a parent just before that
    // was itself complete settles it; with one parent nothing else can. A root is complete only
    // first. A merge may be complete although the parent just before is not: count its ancestors
    // then (merges are few, so the graph is walked rarely, and never for a branch's revisions).
    const parents = (node?.parents ?? []).filter((p) => graph.nodes.has(p));
    const complete =
      (previousComplete && parents.includes(graph.order[index - 1])) ||
      (parents.length > 1
        ? countInOrder(graph, ancestorsOf(graph, id)) === index
        : parents.length === 0 && index === 0);
    if (complete) prefixOf.set(id, entries.length);
    previousComplete = complete;
    if (node?.migration) entries.push(...upgradeEntries(node.migration));
  });
  return { entries, prefixOf };
}

const orderSets = new ObjectMemo<object, Set<string>>('orderSets');

function countInOrder(graph: ProjectModel['graph'], ids: ReadonlySet<string>): number {
  let inOrder = orderSets.get(graph);
  if (!inOrder) {
    inOrder = new Set(graph.order);
    orderSets.set(graph, inOrder);
  }
  let n = 0;
  for (const id of ids) if (inOrder.has(id)) n++;
  return n;
}

const ancestorCache = new ObjectMemo<object, Map<string, MigrationModel[]>>('ancestorCache');

/** Every ancestor, in the graph's (topological) order; revisions in a cycle are left out. */
function ancestorMigrations(project: ProjectModel | undefined, migration: MigrationModel): MigrationModel[] {
  if (!project || !migration.revision || !project.graph.nodes.has(migration.revision)) return [];
  let perGraph = ancestorCache.get(project.graph);
  if (!perGraph) {
    perGraph = new Map();
    ancestorCache.set(project.graph, perGraph);
  }
  const cached = perGraph.get(migration.revision);
  if (cached) return cached;
  const ancestors = ancestorsOf(project.graph, migration.revision);
  const list = project.graph.order
    .filter((id) => ancestors.has(id))
    .map((id) => project.graph.nodes.get(id)?.migration)
    .filter((m): m is MigrationModel => m !== undefined);
  perGraph.set(migration.revision, list);
  return list;
}

const DATA_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'TruncateStmt', 'CopyStmt']);

/** Could this op change the definition of `table` (lower-case)? SQL is read conservatively. */
export function touchesTable(op: Operation, table: string): boolean {
  if (tableOf(op) === table) return true;
  if (op.name === 'rename_table' && stringValue(op.args.new_table_name)?.toLowerCase() === table) return true;
  if (op.name !== 'execute') return false;
  // The rules ask this of every earlier op in the history, once per op they check: each SQL text
  // is read once (its relations and its words), and later questions are set lookups.
  let facts = sqlTableFacts.get(op);
  if (!facts) {
    facts = readSqlTableFacts(op);
    sqlTableFacts.set(op, facts);
  }
  if (facts.relations.has(table)) return true;
  return facts.texts.some((text) => mentions(text, table));
}

interface SqlTableFacts {
  /** Lower-cased relation names of the statements that can change a definition. */
  relations: Set<string>;
  /** The texts in which a mention of the table counts (unreadable SQL, or those statements). */
  texts: Array<{ text: string; words?: Set<string> }>;
}

const sqlTableFacts = new ObjectMemo<Operation, SqlTableFacts>('sqlTableFacts');

function readSqlTableFacts(op: Operation): SqlTableFacts {
  const relations = new Set<string>();
  if (!op.sql || !op.sql.analysable || op.sql.error) {
    // SQL we cannot read may touch the table if it names it at all.
    return { relations, texts: [{ text: op.sql?.text ?? op.call.args.map((a) => a.text).join(' ') }] };
  }
  const texts: SqlTableFacts['texts'] = [];
  for (const statement of op.sql.statements) {
    if (DATA_STATEMENTS.has(statement.kind)) continue;
    walkSql({ root: statement.parsed.node }, (type, value) => {
      const name = type === 'RangeVar' ? relationOf(value)?.name.toLowerCase() : undefined;
      if (name !== undefined) relations.add(name);
    });
    texts.push({ text: statement.text });
  }
  return { relations, texts };
}

const WORD = /^\w+$/;

/** `\btable\b`, case-insensitively; for a plain word, a lookup in the text's words. */
function mentions(entry: { text: string; words?: Set<string> }, table: string): boolean {
  if (!WORD.test(table)) return new RegExp(`\\b${escapeRegExp(table)}\\b`, 'i').test(entry.text);
  entry.words ??= new Set((entry.text.match(/\w+/g) ?? []).map((word) => word.toLowerCase())); // ASCII words: lower-casing stays ASCII
  return entry.words.has(table);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const where = (entry: HistoryEntry): string =>
  entry.current
    ? `line ${entry.op.range.start.line + 1} of this revision`
    : `revision ${entry.migration.revision ?? entry.migration.path}`;

/** The names of the indexes and constraints an op adds to its table (only literal names). */
function addedObjectName(op: Operation): string | undefined {
  if (op.name === 'create_index') return literalName(op.args.index_name);
  if (op.name in CONSTRAINT_TYPES) return literalName(op.args.constraint_name);
  return undefined;
}

function removedObjectName(op: Operation): string | undefined {
  if (op.name === 'drop_index') return literalName(op.args.index_name);
  if (op.name === 'drop_constraint') return literalName(op.args.constraint_name);
  return undefined;
}

/**
 * The `create_table` that defined `table` as it stands just before `before`. Indexes and
 * constraints added after it are allowed only when this revision drops them before the table
 * (the downgrade re-creates them after the table, so the result is the same table).
 */
export function tableDefinition(history: HistoryView, table: string, schema?: string): Known<Operation> {
  const t = table.toLowerCase();
  let createdAt = -1;
  for (let i = history.length - 1; i >= 0; i--) {
    const { op } = history.at(i) as HistoryEntry;
    if (
      op.name === 'create_table' &&
      op.isAlembicOp &&
      tableOf(op) === t &&
      (op.schema ?? undefined) === (schema ?? undefined)
    ) {
      createdAt = i;
      break;
    }
  }
  if (createdAt < 0)
    return { known: false, reason: `the definition of table "${table}" is not in the revision history` };
  const pending = new Set<string>();
  for (let i = createdAt + 1; i < history.length; i++) {
    const entry = history.at(i) as HistoryEntry;
    const { op } = entry;
    if (!touchesTable(op, t)) continue;
    const added = addedObjectName(op);
    const removed = removedObjectName(op);
    if (added && !entry.current) pending.add(added);
    else if (removed && (pending.has(removed) || entry.current)) pending.delete(removed);
    else
      return {
        known: false,
        reason: `table "${table}" was changed after it was created (\`${op.call.callee}\` at ${where(entry)})`,
      };
  }
  if (pending.size > 0)
    return {
      known: false,
      reason: `table "${table}" has ${[...pending].map((n) => `"${n}"`).join(', ')} added after it was created`,
    };
  return {
    known: true,
    value: (history.at(createdAt) as HistoryEntry).op,
    entry: history.at(createdAt) as HistoryEntry,
  };
}

/** Does an index or constraint op involve `column` (or columns it cannot list)? */
function involvesColumn(op: Operation, column: string): boolean {
  const columns =
    op.name === 'create_foreign_key'
      ? op.args.local_cols
      : op.name === 'create_check_constraint'
        ? op.args.condition
        : op.args.columns;
  if (!columns) return true;
  if (columns.kind === 'sequence')
    return columns.items.some((item) => item.kind !== 'string' || item.value.toLowerCase() === column);
  if (columns.kind === 'string') return new RegExp(`\\b${escapeRegExp(column)}\\b`, 'i').test(columns.value);
  return true;
}

/**
 * The `sa.Column(...)` that defined `table.column` as it stands just before `before`: from the
 * table's `create_table` or an `add_column`, with nothing changing it afterwards. An index or
 * constraint on the column that was not dropped first makes it unknown: dropping a column drops
 * them too, and re-adding the column would not bring them back.
 */
export function columnDefinition(history: HistoryView, table: string, column: string): Known<ColumnDef> {
  const t = table.toLowerCase();
  const c = column.toLowerCase();
  let definedAt = -1;
  let definition: ColumnDef | undefined;
  for (let i = history.length - 1; i >= 0 && definedAt < 0; i--) {
    const { op } = history.at(i) as HistoryEntry;
    if (!op.isAlembicOp || tableOf(op) !== t) continue;
    if (op.name === 'create_table' || op.name === 'add_column') {
      const found = op.columns.find((col) => col.name?.toLowerCase() === c);
      if (found) {
        definedAt = i;
        definition = found;
      } else if (op.name === 'create_table') break; // the table was (re-)created without the column
    }
  }
  if (definedAt < 0 || !definition)
    return { known: false, reason: `the definition of column "${table}.${column}" is not in the revision history` };
  const defining = history.at(definedAt) as HistoryEntry;
  if (defining.op.constraints.some((k) => k.columns.some((name) => name.toLowerCase() === c))) {
    return {
      known: false,
      reason: `column "${table}.${column}" is part of a table-level constraint or index that dropping it removes`,
    };
  }
  const pending = new Set<string>();
  for (let i = definedAt + 1; i < history.length; i++) {
    const entry = history.at(i) as HistoryEntry;
    const { op } = entry;
    if (!touchesTable(op, t)) continue;
    const added = addedObjectName(op);
    const removed = removedObjectName(op);
    if (
      op.isAlembicOp &&
      (op.name === 'alter_column' || op.name === 'drop_column' || op.name === 'add_column') &&
      columnNameOf(op)?.toLowerCase() !== c
    )
      continue;
    if (op.name === 'create_table_comment' || op.name === 'drop_table_comment') continue;
    if (added) {
      if (entry.current || involvesColumn(op, c)) {
        if (entry.current)
          return { known: false, reason: `\`${op.call.callee}\` at ${where(entry)} changes table "${table}"` };
        pending.add(added);
      }
      continue;
    }
    if (removed) {
      pending.delete(removed);
      continue;
    }
    return {
      known: false,
      reason: `column "${table}.${column}" was changed after it was defined (\`${op.call.callee}\` at ${where(entry)})`,
    };
  }
  if (pending.size > 0)
    return {
      known: false,
      reason: `${[...pending].map((n) => `"${n}"`).join(', ')} on column "${table}.${column}" would not come back with it`,
    };
  return { known: true, value: definition, entry: defining };
}

/**
 * The op that created index or constraint `name` as it stands just before `before`: a later drop
 * of it, or a rename/drop/retype of its table's columns, makes it unknown.
 */
export function objectDefinition(
  history: HistoryView,
  kind: 'index' | 'constraint',
  name: string,
  table?: string,
): Known<Operation> {
  const n = name.toLowerCase();
  const creates = (op: Operation): boolean =>
    op.isAlembicOp &&
    (kind === 'index' ? op.name === 'create_index' : op.name in CONSTRAINT_TYPES) &&
    literalName(kind === 'index' ? op.args.index_name : op.args.constraint_name)?.toLowerCase() === n;
  let createdAt = -1;
  for (let i = history.length - 1; i >= 0; i--)
    if (creates((history.at(i) as HistoryEntry).op)) {
      createdAt = i;
      break;
    }
  if (createdAt < 0)
    return { known: false, reason: `the definition of ${kind} "${name}" is not in the revision history` };
  const created = (history.at(createdAt) as HistoryEntry).op;
  const t = tableOf(created) ?? table?.toLowerCase();
  if (table && t && table.toLowerCase() !== t)
    return { known: false, reason: `${kind} "${name}" was created on table "${t}", not "${table}"` };
  for (let i = createdAt + 1; i < history.length; i++) {
    const entry = history.at(i) as HistoryEntry;
    const { op } = entry;
    if (removedObjectName(op)?.toLowerCase() === n)
      return { known: false, reason: `${kind} "${name}" was dropped at ${where(entry)}` };
    if (!t || !touchesTable(op, t)) continue;
    const column = columnNameOf(op)?.toLowerCase();
    const columnChange =
      (op.name === 'alter_column' && op.args.new_column_name !== undefined) || op.name === 'drop_column';
    const structural =
      op.name === 'rename_table' ||
      op.name === 'drop_table' ||
      op.name === 'execute' ||
      (columnChange && (!column || involvesColumn(created, column)));
    if (structural)
      return {
        known: false,
        reason: `table "${t}" was changed after ${kind} "${name}" was created (\`${op.call.callee}\` at ${where(entry)})`,
      };
  }
  return { known: true, value: created, entry: history.at(createdAt) as HistoryEntry };
}
