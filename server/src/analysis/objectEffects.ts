import type { MigrationModel, Operation, PyCall, PyValue, Section } from '../model/migration';
import { boolValue, callKeyword, stringValue } from '../model/migration';
import { insideAny } from '../model/dialectGuards';
import type { Span } from '../model/source';
import type { SqlObjectKind } from '../parse/facts/objectChanges';
import { expressionColumns } from './expressionColumns';
import { conventionalNames, type ConventionKind } from './namingConventions';
import { temporaryTablesOf } from './temporaryTables';
import { CONSTRAINT_TYPES, columnNameOf, literalName, sqlChangesOf, tableOf } from './opFacts';
import { ObjectMemo } from '../model/objectMemo';

/**
 * What one section (upgrade or downgrade) does to schema objects — created, dropped, renamed —
 * from Alembic operations, SQL in `op.execute`, and PostgreSQL enum types created with
 * `create_table` or `sa.Enum(...).create(bind)`. `opaque` says the section may do more than can
 * be read (SQL built at run time, plugin operations, imported helpers): a comparison against an
 * opaque section would guess, so SW102 stays quiet then.
 */

export interface ObjectEffect {
  action: 'create' | 'drop' | 'rename';
  kind: SqlObjectKind;
  /** Lower-cased; for a rename, the new name. */
  name: string;
  /** For a rename: the old name. */
  from?: string;
  table?: string;
  /** For a created table: its columns; for an index or constraint: the columns it involves (lower-cased). */
  columns?: string[];
  /**
   * Other names the object may have in the database, for an index or constraint: the names a
   * naming convention or PostgreSQL gives it (`ck_ticket_valid_state` for a CHECK "valid_state" on
   * "ticket"; `ticket_account_id_fkey` for an unnamed foreign key). See namingConventions.ts.
   */
  aliases?: string[];
  /** Created without a name (`None`): it has only the names of `aliases`. */
  unnamed?: boolean;
  /** For a created index or constraint, what a declared naming convention needs to name it. */
  convention?: { kind: ConventionKind; final: boolean; columns: string[]; referent?: string };
  /** `ADD CONSTRAINT c UNIQUE USING INDEX ix`: this drop of index ix is its becoming constraint c's. */
  consumedBy?: string;
  /** `CREATE OR REPLACE VIEW` may replace an existing view rather than create one. */
  orReplace?: boolean;
  /** `DROP … IF EXISTS` (`if_exists=True`): it does not say the object was there. */
  ifExists?: boolean;
  /** `CREATE … IF NOT EXISTS` (`if_not_exists=True`). */
  ifNotExists?: boolean;
  /**
   * A drop run only after the revision looked for the object in the catalogue (`if name in
   * inspector.get_indexes(…)`, see model/catalogueGuards.ts): like IF EXISTS, it does not say the
   * object was there, only that a leftover made outside the history may be.
   */
  catalogueChecked?: boolean;
  /** What does it, for messages: "`op.create_index`" or "the SQL statement". */
  by: string;
  isSql: boolean;
  span: Span;
}

export interface SectionEffects {
  effects: ObjectEffect[];
  opaque: boolean;
}

const KNOWN_OPS = new Set([
  'create_table',
  'drop_table',
  'rename_table',
  'add_column',
  'drop_column',
  'alter_column',
  'create_index',
  'drop_index',
  'drop_constraint',
  'execute',
  'bulk_insert',
  'create_table_comment',
  'drop_table_comment',
  ...Object.keys(CONSTRAINT_TYPES),
]);
const TRUSTED_MODULES = /^(alembic|sqlalchemy|logging|typing|__future__|datetime|uuid|enum|json|os|re)(\.|$)/;
const ENUM_TYPES = /^(Enum|ENUM)$/;

const effectsCache = new ObjectMemo<MigrationModel, Partial<Record<Section, SectionEffects>>>('effectsCache');

/** Memoized per model: the rule and the "Add downgrade" fix both ask. Treat the result as read-only. */
export function sectionEffects(migration: MigrationModel, section: Section): SectionEffects {
  let perModel = effectsCache.get(migration);
  if (!perModel) {
    perModel = {};
    effectsCache.set(migration, perModel);
  }
  return (perModel[section] ??= readSectionEffects(migration, section));
}

function readSectionEffects(migration: MigrationModel, section: Section): SectionEffects {
  const effects: ObjectEffect[] = [];
  let opaque = false;
  const enums = enumVariables(migration);
  for (const op of migration.operations) {
    if (op.section !== section) continue;
    if (op.isAlembicOp && !KNOWN_OPS.has(op.name)) {
      opaque = true;
      continue;
    }
    const checked = insideAny(migration.catalogueGuardedSpans, op.span);
    if (op.name === 'execute') {
      if (!op.sql || !op.sql.analysable || op.sql.error) opaque = true;
      for (const { change, span } of sqlChangesOf(op, migration.source)) {
        if (change.action === 'create' || change.action === 'drop') {
          effects.push({
            action: change.action,
            kind: change.kind,
            name: change.name,
            table: change.table,
            orReplace: change.action === 'create' && change.orReplace,
            ...(change.action === 'create' && change.columns ? { columns: change.columns } : {}),
            ...(change.action === 'create' && change.ifNotExists ? { ifNotExists: true } : {}),
            ...(change.action === 'drop' && change.ifExists ? { ifExists: true } : {}),
            ...(change.action === 'drop' && change.consumedBy ? { consumedBy: change.consumedBy } : {}),
            ...(change.action === 'drop' && checked ? { catalogueChecked: true } : {}),
            by: 'the SQL statement',
            isSql: true,
            span,
          });
        } else if (change.action === 'rename' && change.kind !== 'index') {
          effects.push({
            action: 'rename',
            kind: change.kind,
            name: change.to,
            from: change.from,
            table: change.table,
            by: 'the SQL statement',
            isSql: true,
            span,
          });
        }
      }
      continue;
    }
    const found = operationEffects(op, enums);
    for (const effect of found)
      effects.push(checked && effect.action === 'drop' ? { ...effect, catalogueChecked: true } : effect);
  }
  effects.push(...enumCalls(migration, section, enums));
  if (section === 'downgrade' && callsForeignCode(migration)) opaque = true;
  // A temporary table and what is built on it end with the session at the latest: nothing to reverse.
  const temporary = temporaryTablesOf(migration, section);
  const lasting = temporary.size
    ? effects.filter(
        (e) =>
          !(e.kind === 'table' ? temporary.has(e.name) : e.table !== undefined && temporary.has(e.table.toLowerCase())),
      )
    : effects;
  return { effects: lasting, opaque };
}

function operationEffects(op: Operation, enums: Map<string, { name: string; call: PyCall }>): ObjectEffect[] {
  const table = tableOf(op);
  const by = `\`${op.call.callee}\``;
  const spanOf = (value: PyValue | undefined): Span => value?.span ?? op.call.calleeSpan;
  switch (op.name) {
    case 'create_table': {
      if (!table) return [];
      const out: ObjectEffect[] = [
        {
          by,
          isSql: false,
          action: 'create',
          kind: 'table',
          name: table,
          columns: op.columns.map((c) => c.name?.toLowerCase() ?? ''),
          span: spanOf(op.args.table_name),
        },
      ];
      for (const column of op.columns) {
        const type =
          column.type?.call && ENUM_TYPES.test(column.type.call.method)
            ? column.type.call
            : column.type && enums.get(column.type.qualified)?.call;
        const name = type ? createdEnumName(type) : undefined;
        if (type && name)
          out.push({
            by,
            isSql: false,
            action: 'create',
            kind: 'type',
            name,
            span: callKeyword(type, 'name')?.span ?? column.span,
          });
      }
      return out;
    }
    case 'drop_table':
      return table
        ? [{ by, isSql: false, action: 'drop', kind: 'table', name: table, span: spanOf(op.args.table_name) }]
        : [];
    case 'add_column':
    case 'drop_column': {
      const column = columnNameOf(op)?.toLowerCase();
      const span =
        op.name === 'add_column'
          ? (op.columns[0]?.call.args[0]?.span ?? op.call.calleeSpan)
          : spanOf(op.args.column_name);
      return column && table
        ? [
            {
              by,
              isSql: false,
              action: op.name === 'add_column' ? 'create' : 'drop',
              kind: 'column',
              name: column,
              table,
              span,
            },
          ]
        : [];
    }
    case 'create_index':
    case 'drop_index': {
      const name = literalName(op.args.index_name)?.toLowerCase();
      if (op.name === 'create_index') {
        const columns = stringList(op.args.columns);
        const involved = [...new Set([...columns, ...indexExpressionColumns(op)])];
        const unnamed = !name && (op.args.index_name === undefined || op.args.index_name.kind === 'none');
        if (!name && !unnamed) return [];
        return [
          {
            by,
            isSql: false,
            action: 'create',
            kind: 'index',
            name: name ?? `(unnamed index on ${table ?? ''} (${columns.join(', ')}))`,
            table,
            columns: involved,
            aliases: table ? conventionalNames('index', table, columns, name, isFinalName(op.args.index_name)) : [],
            convention: { kind: 'index', final: isFinalName(op.args.index_name), columns },
            ...(unnamed ? { unnamed } : {}),
            ...(boolValue(callKeyword(op.call, 'if_not_exists')) ? { ifNotExists: true } : {}),
            span: spanOf(op.args.index_name),
          },
        ];
      }
      return name
        ? [
            {
              by,
              isSql: false,
              action: 'drop',
              kind: 'index',
              name,
              table,
              ...(boolValue(callKeyword(op.call, 'if_exists')) ? { ifExists: true } : {}),
              span: spanOf(op.args.index_name),
            },
          ]
        : [];
    }
    case 'drop_constraint': {
      const name = literalName(op.args.constraint_name)?.toLowerCase();
      return name
        ? [{ by, isSql: false, action: 'drop', kind: 'constraint', name, table, span: spanOf(op.args.constraint_name) }]
        : [];
    }
    case 'rename_table': {
      const from = stringValue(op.args.old_table_name)?.toLowerCase();
      const to = stringValue(op.args.new_table_name)?.toLowerCase();
      return from && to
        ? [{ by, isSql: false, action: 'rename', kind: 'table', from, name: to, span: op.call.calleeSpan }]
        : [];
    }
    case 'alter_column': {
      const from = columnNameOf(op)?.toLowerCase();
      const renamed = callKeyword(op.call, 'new_column_name');
      const to = stringValue(renamed)?.toLowerCase();
      return from && to && table
        ? [
            {
              by,
              isSql: false,
              action: 'rename',
              kind: 'column',
              from,
              name: to,
              table,
              span: renamed?.span ?? op.call.calleeSpan,
            },
          ]
        : [];
    }
    default:
      if (op.name in CONSTRAINT_TYPES) {
        const name = literalName(op.args.constraint_name)?.toLowerCase();
        const unnamed = !name && (op.args.constraint_name === undefined || op.args.constraint_name.kind === 'none');
        if (!name && !unnamed) return [];
        const kind = CONSTRAINT_KIND[op.name] ?? 'unique';
        const columns =
          op.name === 'create_foreign_key'
            ? stringList(op.args.local_cols)
            : op.name === 'create_check_constraint'
              ? identifiersOf(op.args.condition)
              : stringList(op.args.columns);
        const referent = stringValue(op.args.referent_table)?.toLowerCase();
        return [
          {
            by,
            isSql: false,
            action: 'create',
            kind: 'constraint',
            name: name ?? `(unnamed ${kind} on ${table ?? ''} (${columns.join(', ')}))`,
            table,
            columns,
            aliases: table
              ? conventionalNames(kind, table, columns, name, isFinalName(op.args.constraint_name), referent)
              : [],
            ...(unnamed ? { unnamed } : {}),
            convention: {
              kind,
              final: isFinalName(op.args.constraint_name),
              columns: op.name === 'create_check_constraint' ? [] : columns,
              referent,
            },
            span: spanOf(op.args.constraint_name),
          },
        ];
      }
      return [];
  }
}

const CONSTRAINT_KIND: Record<string, ConventionKind | undefined> = {
  create_foreign_key: 'foreign',
  create_unique_constraint: 'unique',
  create_check_constraint: 'check',
  create_primary_key: 'primary',
  create_exclude_constraint: 'exclude',
};

function stringList(value: PyValue | undefined): string[] {
  if (!value) return [];
  if (value.kind === 'string') return [value.value.toLowerCase()];
  if (value.kind !== 'sequence') return [];
  return value.items
    .map(stringValue)
    .filter((s): s is string => s !== undefined)
    .map((s) => s.toLowerCase());
}

/**
 * The columns an index's expressions (`sa.text("lower(email)")`, `sa.func.lower(sa.column("email"))`)
 * and predicate (`postgresql_where=sa.text("NOT archived")`) read: PostgreSQL drops the index with
 * any of them.
 */
function indexExpressionColumns(op: Operation): string[] {
  const columns = op.args.columns;
  const expressions: PyValue[] =
    columns?.kind === 'sequence' ? columns.items.filter((item) => item.kind === 'call') : [];
  const where = callKeyword(op.call, 'postgresql_where');
  if (where) expressions.push(where);
  return [...new Set(expressions.flatMap((value) => pythonExpressionColumns(value, 0)))];
}

/**
 * The columns a SQLAlchemy expression built in Python reads: SQL text (`sa.text`, `literal_column`)
 * through PostgreSQL's grammar, `sa.column("x")` by name, and any other call (`sa.func.lower(…)`,
 * `sa.cast(…)`, `sa.desc(…)`) through its arguments, where a bare string counts as a column (too
 * many columns at worst: dropping one of them still counts as dropping the index).
 */
function pythonExpressionColumns(value: PyValue, depth: number): string[] {
  if (depth > 8) return [];
  if (value.kind === 'string') return depth === 0 ? expressionColumns(value.value) : [value.value.toLowerCase()];
  if (value.kind !== 'call') return [];
  const { method } = value.call;
  const first = stringValue(value.call.args[0]);
  if (method === 'text' || method === 'literal_column') return first !== undefined ? expressionColumns(first) : [];
  if (method === 'column') return first !== undefined ? [first.toLowerCase()] : [];
  return [...value.call.args, ...value.call.keywords.map((k) => k.value)].flatMap((arg) =>
    pythonExpressionColumns(arg, depth + 1),
  );
}

/** The words of a CHECK condition (`"state IN ('a', 'b')"`, `sa.text(…)`): the columns it may involve. */
function identifiersOf(value: PyValue | undefined): string[] {
  const text =
    value?.kind === 'string'
      ? value.value
      : value?.kind === 'call'
        ? (stringValue(value.call.args[0]) ?? value.text)
        : (value?.text ?? '');
  return [...new Set((text.replace(/'(?:[^']|'')*'/g, ' ').match(/[A-Za-z_]\w*/g) ?? []).map((w) => w.toLowerCase()))];
}

/** `op.f("…")` / `conv("…")`: the name is final, no convention applies to it. */
function isFinalName(value: PyValue | undefined): boolean {
  return value?.kind === 'call' && /(^|\.)(f|conv)$/.test(value.call.callee);
}

/** The enum type a `sa.Enum(..., name="x")` creates with its table; none with `create_type=False`. */
function createdEnumName(call: PyCall): string | undefined {
  if (boolValue(callKeyword(call, 'create_type')) === false) return undefined;
  return stringValue(callKeyword(call, 'name'))?.toLowerCase();
}

/** `status_enum = postgresql.ENUM("a", "b", name="status")` anywhere in the file, by variable. */
function enumVariables(migration: MigrationModel): Map<string, { name: string; call: PyCall }> {
  const variables = new Map<string, { name: string; call: PyCall }>();
  for (const call of migration.calls) {
    if (!ENUM_TYPES.test(call.method)) continue;
    const line = migration.lines.lineText(migration.lines.positionAt(call.span.start).line);
    const before = line.slice(0, migration.lines.positionAt(call.span.start).character);
    const variable = /^\s*([A-Za-z_]\w*)\s*=\s*$/.exec(before)?.[1];
    const name = stringValue(callKeyword(call, 'name'));
    if (variable && name) variables.set(variable, { name: name.toLowerCase(), call });
  }
  return variables;
}

/** `sa.Enum(..., name="x").create(bind)`, `status_enum.drop(op.get_bind())` inside the section. */
function enumCalls(
  migration: MigrationModel,
  section: Section,
  enums: Map<string, { name: string; call: PyCall }>,
): ObjectEffect[] {
  const fn = section === 'upgrade' ? migration.upgrade : migration.downgrade;
  if (!fn) return [];
  const out: ObjectEffect[] = [];
  let enumCallsByStart: Map<number, PyCall[]> | undefined;
  for (const call of migration.calls) {
    if (
      (call.method !== 'create' && call.method !== 'drop') ||
      call.span.start < fn.span.start ||
      call.span.end > fn.span.end
    )
      continue;
    enumCallsByStart ??= groupBy(
      migration.calls.filter((c) => ENUM_TYPES.test(c.method)),
      (c) => c.span.start,
    );
    const inner = enumCallsByStart.get(call.span.start)?.find((c) => c !== call && c.span.end < call.span.end);
    const name = inner ? stringValue(callKeyword(inner, 'name'))?.toLowerCase() : enums.get(call.receiver)?.name;
    if (name)
      out.push({
        action: call.method as 'create' | 'drop',
        kind: 'type',
        name,
        by: `\`${call.callee}\``,
        isSql: false,
        span: call.calleeSpan,
      });
  }
  return out;
}

/** Does the downgrade call imported code (which may drop or create anything)? */
function callsForeignCode(migration: MigrationModel): boolean {
  const fn = migration.downgrade;
  if (!fn) return false;
  const foreign = new Set(migration.imports.filter((i) => !TRUSTED_MODULES.test(i.module)).map((i) => i.alias));
  if (foreign.size === 0) return false;
  return migration.calls.some(
    (c) =>
      c.span.start >= fn.span.start &&
      c.span.end <= fn.span.end &&
      foreign.has(/^[A-Za-z_]\w*/.exec(c.callee)?.[0] ?? ''),
  );
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
