import type { ColumnDef, MigrationModel, Operation, PyValue } from './migration';
import { boolValue, callKeyword, stringValue } from './migration';
import type { ProjectModel } from './project';
import type { Span } from './source';
import { applyStatement } from './schema/sqlReplay';
import type {
  ColumnModel,
  ConstraintModel,
  CreatedInRevision,
  Origin,
  ReplayedProject,
  RevisionSchema,
  Schema,
} from './schema/model';
import { SchemaBuilder } from './schema/builder';
import { ChunkedMap } from './schema/chunkedMap';
import { defaultFromPython, typeFromSqlAlchemy } from './schema/types';
import { viewFromEntity } from './schema/entities';
import { ObjectMemo } from './objectMemo';

/**
 * The replayed schema: every revision's upgrade applied in graph order to a model of tables,
 * columns, keys, indexes, constraints, views and enum types, from `op.*` operations and from the
 * SQL they execute. Each revision gets the schema as it stood before it and after it (for a merge,
 * the union of its parents'), each head the schema at that head. Replay is one pass over the
 * operations with copy-on-write maps, memoized per ProjectModel.
 */

export type {
  Origin,
  ColumnModel,
  ConstraintModel,
  TableModel,
  IndexModel,
  ViewModel,
  EnumModel,
  Schema,
  CreatedInRevision,
  RevisionSchema,
  ReplayedProject,
} from './schema/model';

export const EMPTY_SCHEMA: Schema = {
  tables: ChunkedMap.empty(),
  views: ChunkedMap.empty(),
  indexes: ChunkedMap.empty(),
  enums: ChunkedMap.empty(),
};

export function tableKey(name: string, schema?: string): string {
  return schema && schema !== 'public' ? `${schema}.${name}` : name;
}

const replays = new ObjectMemo<ProjectModel, ReplayedProject>('replays');

/** Replays every revision of the project once (memoized per ProjectModel). */
export function replayProject(project: ProjectModel): ReplayedProject {
  let replayed = replays.get(project);
  if (!replayed) {
    const seeds = schemaSeeds.get(project);
    replayed = seeds ? new SeededReplay(project, seeds) : replay(project);
    replays.set(project, replayed);
  }
  return replayed;
}

/**
 * Schemas known without replaying (the analysis cache's, by chain key): `afterOf(id)` is the
 * schema after revision `id`, as a replay from the root would give it, or undefined.
 */
export interface SchemaSeeds {
  afterOf(revision: string): Schema | undefined;
}

const schemaSeeds = new ObjectMemo<ProjectModel, SchemaSeeds>('schemaSeeds');

/**
 * Lets the project's replay start from known schemas: a revision's schema is then replayed from
 * the nearest ancestors whose schema is known, and only when a rule asks for it. Call before the
 * first `replayProject` of the project.
 */
export function seedSchemas(project: ProjectModel, seeds: SchemaSeeds): void {
  if (!replays.has(project)) schemaSeeds.set(project, seeds);
}

/** The revisions whose schema this run replayed so far (nothing is replayed to answer). */
export function replayedSoFar(project: ProjectModel): ReadonlyMap<string, RevisionSchema> {
  const replayed = replays.get(project);
  if (!replayed) return new Map();
  return replayed instanceof SeededReplay ? replayed.computed : replayed.byRevision;
}

/**
 * A replay from seeds, computed on demand: `byRevision.get(id)` replays `id` and those of its
 * ancestors whose schema after them is not known, in graph order. Iterating `byRevision`
 * computes every revision, as the full replay does.
 */
class SeededReplay implements ReplayedProject {
  readonly computed = new Map<string, RevisionSchema>();
  private readonly seeded = new Map<string, Schema | null>();
  private readonly position: Map<string, number>;
  readonly byRevision: ReadonlyMap<string, RevisionSchema>;
  private headSchemas?: ReadonlyArray<{ head: string; schema: Schema }>;

  constructor(
    private readonly project: ProjectModel,
    private readonly seeds: SchemaSeeds,
  ) {
    this.position = new Map(project.graph.order.map((id, i) => [id, i]));
    this.byRevision = new SeededRevisions(this, project.graph.order);
  }

  get heads(): ReadonlyArray<{ head: string; schema: Schema }> {
    this.headSchemas ??= this.project.graph.heads.map((head) => ({
      head,
      schema: this.after(head) ?? EMPTY_SCHEMA,
    }));
    return this.headSchemas;
  }

  /** The schema after a revision of the graph's order: computed, else seeded, else replayed. */
  private after(id: string): Schema | undefined {
    if (!this.position.has(id)) return undefined;
    return this.computed.get(id)?.after ?? this.seed(id) ?? this.revision(id)?.after;
  }

  private seed(id: string): Schema | undefined {
    let known = this.seeded.get(id);
    if (known === undefined) {
      known = this.seeds.afterOf(id) ?? null;
      this.seeded.set(id, known);
    }
    return known ?? undefined;
  }

  revision(id: string): RevisionSchema | undefined {
    const done = this.computed.get(id);
    if (done || !this.position.has(id)) return done;
    // The revisions to replay: this one, and up its ancestry until a schema is known.
    const needed = new Set<string>();
    const stack = [id];
    while (stack.length) {
      const next = stack.pop() as string;
      if (needed.has(next) || this.computed.has(next) || !this.position.has(next)) continue;
      if (next !== id && this.seed(next)) continue;
      needed.add(next);
      stack.push(...(this.project.graph.nodes.get(next)?.parents ?? []));
    }
    const ordered = [...needed].sort((a, b) => (this.position.get(a) as number) - (this.position.get(b) as number));
    for (const next of ordered) {
      const node = this.project.graph.nodes.get(next);
      if (!node) continue;
      const parents = node.parents
        .map((p) => (this.position.has(p) ? (this.computed.get(p)?.after ?? this.seed(p)) : undefined))
        .filter((schema): schema is Schema => schema !== undefined);
      const before = mergeSchemas(parents);
      const { after, created } = applyRevision(before, node.migration);
      this.computed.set(next, { migration: node.migration, before, after, created });
    }
    return this.computed.get(id);
  }
}

/** `byRevision` of a seeded replay: a map whose values are replayed when read. */
class SeededRevisions implements ReadonlyMap<string, RevisionSchema> {
  constructor(
    private readonly replay: SeededReplay,
    private readonly order: readonly string[],
  ) {}
  get size(): number {
    return this.order.length;
  }
  get(id: string): RevisionSchema | undefined {
    return this.replay.revision(id);
  }
  has(id: string): boolean {
    return this.replay.revision(id) !== undefined;
  }
  *entries(): MapIterator<[string, RevisionSchema]> {
    for (const id of this.order) {
      const schema = this.replay.revision(id);
      if (schema) yield [id, schema];
    }
  }
  *keys(): MapIterator<string> {
    for (const [id] of this.entries()) yield id;
  }
  *values(): MapIterator<RevisionSchema> {
    for (const [, schema] of this.entries()) yield schema;
  }
  forEach(callback: (value: RevisionSchema, key: string, map: ReadonlyMap<string, RevisionSchema>) => void): void {
    for (const [id, schema] of this.entries()) callback(schema, id, this);
  }
  [Symbol.iterator](): MapIterator<[string, RevisionSchema]> {
    return this.entries();
  }
}

/**
 * The last replay of each revision model, with the parent schemas it started from. The language
 * server makes a new ProjectModel on every keystroke; a revision whose model and parents' schemas
 * are the very same objects as last time replays to the same schema, so it is taken as it was.
 * Editing a revision thus replays it and its descendants only — the newest revision alone, when
 * that is the one being written — instead of the whole history (42 ms of a keystroke in a
 * 1,000-revision project).
 */
const lastReplay = new ObjectMemo<MigrationModel, { parents: readonly Schema[]; result: RevisionSchema }>('lastReplay');

function replay(project: ProjectModel): ReplayedProject {
  const { graph } = project;
  const byRevision = new Map<string, RevisionSchema>();
  for (const id of graph.order) {
    const node = graph.nodes.get(id);
    if (!node) continue;
    const parents = node.parents.map((p) => byRevision.get(p)?.after).filter((s): s is Schema => s !== undefined);
    const last = lastReplay.get(node.migration);
    if (last && sameSchemas(last.parents, parents)) {
      byRevision.set(id, last.result);
      continue;
    }
    const before = mergeSchemas(parents);
    const { after, created } = applyRevision(before, node.migration);
    const result: RevisionSchema = { migration: node.migration, before, after, created };
    lastReplay.set(node.migration, { parents, result });
    byRevision.set(id, result);
  }
  const heads = graph.heads.map((head) => ({ head, schema: byRevision.get(head)?.after ?? EMPTY_SCHEMA }));
  return { byRevision, heads };
}

const detached = new ObjectMemo<ProjectModel, WeakMap<MigrationModel, RevisionSchema>>('detached');

/**
 * The schema around one revision: from the replay when this exact model is the graph's, else
 * (a file being edited that the graph does not hold, a duplicate id) replayed on top of its
 * parents' schemas, or of an empty schema when they are unknown.
 */
export function revisionSchema(project: ProjectModel, migration: MigrationModel): RevisionSchema {
  const replayed = replayProject(project);
  const fromGraph = migration.revision ? replayed.byRevision.get(migration.revision) : undefined;
  if (fromGraph && fromGraph.migration === migration) return fromGraph;
  let cache = detached.get(project);
  if (!cache) {
    cache = new WeakMap();
    detached.set(project, cache);
  }
  let result = cache.get(migration);
  if (!result) {
    const parents =
      migration.downRevision == null
        ? []
        : Array.isArray(migration.downRevision)
          ? migration.downRevision
          : [migration.downRevision];
    const before = mergeSchemas(
      parents.map((p) => replayed.byRevision.get(p)?.after).filter((s): s is Schema => s !== undefined),
    );
    result = { migration, before, ...applyRevision(before, migration) };
    cache.set(migration, result);
  }
  return result;
}

/** The schema just before a revision runs. */
export function schemaBefore(project: ProjectModel, migration: MigrationModel): Schema {
  return revisionSchema(project, migration).before;
}

function sameSchemas(a: readonly Schema[], b: readonly Schema[]): boolean {
  return a.length === b.length && a.every((schema, i) => schema === b[i]);
}

/** A merge revision starts from the union of its parents' schemas (the first parent wins a clash). */
function mergeSchemas(parents: Schema[]): Schema {
  if (parents.length === 0) return EMPTY_SCHEMA;
  if (parents.length === 1) return parents[0];
  const union = <V>(pick: (s: Schema) => ReadonlyMap<string, V>): ChunkedMap<V> => {
    const first = pick(parents[0]);
    const draft = (first instanceof ChunkedMap ? first : ChunkedMap.from(first.entries())).draft();
    for (const schema of parents.slice(1)) for (const [k, v] of pick(schema)) if (!draft.has(k)) draft.set(k, v);
    return draft.build();
  };
  return {
    tables: union((s) => s.tables),
    views: union((s) => s.views),
    indexes: union((s) => s.indexes),
    enums: union((s) => s.enums),
  };
}

/** Applies one revision's upgrade operations to a schema. */
export function applyRevision(
  before: Schema,
  migration: MigrationModel,
): { after: Schema; created: CreatedInRevision } {
  const builder = new SchemaBuilder(before);
  for (const op of migration.operations) {
    if (op.section !== 'upgrade') continue;
    applyOperation(builder, op, migration);
  }
  return { after: builder.build(), created: builder.created };
}

function applyOperation(builder: SchemaBuilder, op: Operation, migration: MigrationModel): void {
  const origin = (span: Span): Origin => ({ revision: migration.revision, path: migration.path, span });
  const table = op.table !== undefined ? tableKey(op.table, op.schema) : undefined;
  const args = op.args;
  switch (op.name) {
    case 'create_table': {
      if (!table || op.table === undefined) return;
      const columns = new Map<string, ColumnModel>();
      for (const def of op.columns) {
        const column = replayedColumn(def, origin);
        if (column) columns.set(column.name, column);
      }
      const constraints: ConstraintModel[] = [];
      for (const c of op.constraints) {
        const kind = CONSTRAINT_KINDS[c.kind];
        if (kind === 'primary') for (const name of c.columns) markPrimaryKey(columns, name);
        if (kind) constraints.push({ kind, name: c.name, columns: c.columns, notValid: false, origin: origin(c.span) });
        if (c.kind === 'Index' && c.name)
          builder.createIndex({
            name: c.name,
            table,
            columns: c.columns.slice(1),
            unique: boolValue(callKeyword(c.call, 'unique')) === true,
            origin: origin(c.span),
          });
      }
      for (const column of columns.values()) {
        for (const fk of column.def?.foreignKeys ?? [])
          constraints.push({
            kind: 'foreign',
            columns: [column.name],
            references: fk.target?.split('.').slice(0, -1).join('.'),
            notValid: false,
            origin: origin(fk.span),
          });
      }
      builder.createTable(
        {
          key: table,
          name: op.table,
          schema: op.schema,
          columns,
          constraints,
          comment: stringValue(args.comment),
          origin: origin(args.table_name?.span ?? op.call.calleeSpan),
          createOp: op,
        },
        false,
      );
      return;
    }
    case 'drop_table':
      if (table) builder.dropTable(table);
      return;
    case 'rename_table': {
      const to = stringValue(args.new_table_name);
      if (table && to) builder.renameTable(table, tableKey(to, op.schema), to);
      return;
    }
    case 'add_column': {
      const def = op.columns[0];
      const column = def ? replayedColumn(def, origin) : undefined;
      if (table && column)
        builder.updateTable(table, (t) => ({ ...t, columns: withEntry(t.columns, column.name, column) }));
      return;
    }
    case 'drop_column': {
      const name = stringValue(args.column_name);
      if (table && name) builder.updateTable(table, (t) => ({ ...t, columns: withoutEntry(t.columns, name) }));
      return;
    }
    case 'alter_column':
      if (table) alterColumn(builder, table, op);
      return;
    case 'create_index': {
      const name = stringValue(args.index_name);
      if (!name || !table) return;
      const columns =
        args.columns?.kind === 'sequence'
          ? args.columns.items.map((i) => stringValue(i) ?? i.text)
          : args.columns
            ? [stringValue(args.columns) ?? args.columns.text]
            : [];
      builder.createIndex({
        name,
        table,
        columns,
        unique: boolValue(args.unique) === true,
        origin: origin(args.index_name?.span ?? op.call.calleeSpan),
      });
      return;
    }
    case 'drop_index': {
      const name = stringValue(args.index_name);
      if (name) builder.dropIndex(name);
      return;
    }
    case 'create_foreign_key':
    case 'create_unique_constraint':
    case 'create_primary_key':
    case 'create_check_constraint': {
      if (!table) return;
      const kind =
        op.name === 'create_foreign_key'
          ? 'foreign'
          : op.name === 'create_unique_constraint'
            ? 'unique'
            : op.name === 'create_primary_key'
              ? 'primary'
              : 'check';
      const colsValue = op.name === 'create_foreign_key' ? args.local_cols : args.columns;
      const columns =
        colsValue?.kind === 'sequence'
          ? colsValue.items.map(stringValue).filter((s): s is string => s !== undefined)
          : [];
      const constraint: ConstraintModel = {
        kind,
        name: stringValue(args.constraint_name),
        columns,
        references: stringValue(args.referent_table),
        notValid: boolValue(args.postgresql_not_valid) === true,
        origin: origin(op.call.calleeSpan),
      };
      builder.updateTable(table, (t) => {
        let cols = t.columns;
        if (kind === 'primary')
          for (const name of columns) {
            const c = cols.get(name);
            if (c) cols = withEntry(cols, name, { ...c, primaryKey: true, nullable: false });
          }
        return { ...t, columns: cols, constraints: [...t.constraints, constraint] };
      });
      return;
    }
    case 'drop_constraint': {
      const name = stringValue(args.constraint_name);
      if (table && name)
        builder.updateTable(table, (t) => ({ ...t, constraints: t.constraints.filter((c) => c.name !== name) }));
      return;
    }
    case 'create_table_comment':
      if (table) builder.updateTable(table, (t) => ({ ...t, comment: stringValue(args.comment) }));
      return;
    case 'execute':
      for (const statement of op.sql?.statements ?? []) applyStatement(builder, statement, origin);
      return;
    case 'create_entity':
    case 'replace_entity':
    case 'drop_entity': {
      const view = viewFromEntity(op, migration, origin);
      if (!view) return;
      if (op.name === 'drop_entity') builder.dropView(view.key);
      else builder.createView(view);
      return;
    }
  }
}

const CONSTRAINT_KINDS: Record<string, ConstraintModel['kind'] | undefined> = {
  PrimaryKeyConstraint: 'primary',
  ForeignKeyConstraint: 'foreign',
  UniqueConstraint: 'unique',
  CheckConstraint: 'check',
  ExcludeConstraint: 'exclude',
};

function markPrimaryKey(columns: Map<string, ColumnModel>, name: string): void {
  const column = columns.get(name);
  if (column) columns.set(name, { ...column, primaryKey: true, nullable: false });
}

const replayedColumns = new ObjectMemo<ColumnDef, ColumnModel | null>('replayedColumns');

/**
 * The replay's column for a declaration, memoized: a ColumnDef belongs to one revision, so its
 * origin never changes, and an edit elsewhere re-replays the project without rebuilding it.
 */
function replayedColumn(def: ColumnDef, origin: (span: Span) => Origin): ColumnModel | undefined {
  let column = replayedColumns.get(def);
  if (column === undefined) {
    column = columnFromDef(def, origin) ?? null;
    replayedColumns.set(def, column);
  }
  return column ?? undefined;
}

/** The column a `sa.Column(...)` declares. */
export function columnFromDef(def: ColumnDef, origin: (span: Span) => Origin): ColumnModel | undefined {
  if (!def.name) return undefined;
  const nameArg = def.call.args.find((a) => a.kind === 'string');
  const extra = def.call.args
    .filter((a): a is Extract<PyValue, { kind: 'call' }> => a.kind === 'call')
    .map((a) => a.call.method);
  const generated = extra.includes('Identity') ? 'identity' : extra.includes('Computed') ? 'stored' : undefined;
  return {
    name: def.name,
    type: def.type ? typeFromSqlAlchemy(def.type) : undefined,
    nullable: def.nullable ?? !def.primaryKey,
    default: def.serverDefault && def.serverDefault.kind !== 'none' ? defaultFromPython(def.serverDefault) : undefined,
    comment: def.comment,
    primaryKey: def.primaryKey,
    generated,
    origin: origin(nameArg?.span ?? def.span),
    def,
  };
}

function alterColumn(builder: SchemaBuilder, table: string, op: Operation): void {
  const name = stringValue(op.args.column_name);
  if (!name) return;
  const { args } = op;
  builder.updateTable(table, (t) => {
    const current = t.columns.get(name);
    if (!current) return t;
    let next: ColumnModel = { ...current };
    const type = args.type_;
    if (type && (type.kind === 'call' || type.kind === 'name')) {
      const ref =
        type.kind === 'call'
          ? {
              name: type.call.method,
              qualified: type.call.callee,
              call: type.call,
              span: type.span,
              timezone: boolValue(callKeyword(type.call, 'timezone')) ?? boolValue(type.call.args[0]),
            }
          : { name: type.name.split('.').pop() as string, qualified: type.name, span: type.span };
      next.type = typeFromSqlAlchemy(ref);
    }
    const nullable = boolValue(args.nullable);
    if (nullable !== undefined) next.nullable = nullable;
    if ('server_default' in args) {
      const value = args.server_default;
      next.default =
        value.kind === 'none' || (value.kind === 'bool' && !value.value) ? undefined : defaultFromPython(value);
    }
    const comment = args.comment;
    if (comment) next.comment = stringValue(comment);
    const newName = stringValue(args.new_column_name);
    let columns = t.columns;
    if (newName) {
      next = { ...next, name: newName };
      columns = withoutEntry(columns, name);
    }
    return { ...t, columns: withEntry(columns, next.name, next) };
  });
}

export function withEntry<V>(map: ReadonlyMap<string, V>, key: string, value: V): Map<string, V> {
  const out = new Map(map);
  out.set(key, value);
  return out;
}

export function withoutEntry<V>(map: ReadonlyMap<string, V>, key: string): Map<string, V> {
  const out = new Map(map);
  out.delete(key);
  return out;
}
