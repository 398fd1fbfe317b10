import type { SqlNode } from './sql';

/**
 * Facts that rules need from a parsed SQL statement, extracted from libpg-query's tree so that
 * rules never depend on its JSON shape. Locations are libpg-query byte locations: the model turns
 * them into source ranges with the statement's `locate`.
 */

type Visitor = (type: string, value: SqlNode) => void;

/** Visits every node `{Type: {...}}` below `node`, depth first. */
export function walkSql(node: unknown, visit: Visitor): void {
  if (Array.isArray(node)) {
    for (const item of node) walkSql(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  // Rules walk the same trees many times a keystroke: no entry pairs, no regular expression per key.
  const record = node as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && startsUpperCase(key)) {
      visit(key, value as SqlNode);
    }
    walkSql(value, visit);
  }
}

/** `/^[A-Z]/.test(key)`: a node type (`SelectStmt`), not a field (`targetList`). */
function startsUpperCase(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 65 && c <= 90;
}

/** `[{String:{sval:'pg_catalog'}},{String:{sval:'now'}}]` → ['pg_catalog', 'now']. */
export function nameParts(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((item) => (item as { String?: { sval?: string } }).String?.sval ?? '').filter((s) => s !== '');
}

export interface RelationRef {
  schema?: string;
  name: string;
  location: number;
}

export function relationOf(rangeVar: unknown): RelationRef | undefined {
  const rv = rangeVar as { relname?: string; schemaname?: string; location?: number } | undefined;
  if (!rv?.relname) return undefined;
  return { name: rv.relname, schema: rv.schemaname, location: rv.location ?? -1 };
}

export interface SqlTypeFact {
  /** Lower-case canonical name without pg_catalog: 'timestamp', 'timestamptz', 'int4', 'uuid', … */
  name: string;
  isArray: boolean;
  location: number;
}

export function typeOf(typeName: unknown): SqlTypeFact | undefined {
  const t = typeName as { names?: unknown; arrayBounds?: unknown[]; location?: number } | undefined;
  if (!t) return undefined;
  const parts = nameParts(t.names);
  if (parts.length === 0) return undefined;
  return {
    name: parts[parts.length - 1].toLowerCase(),
    isArray: Array.isArray(t.arrayBounds) && t.arrayBounds.length > 0,
    location: t.location ?? -1,
  };
}

/** Is this a timestamp type that does not carry a time zone? */
export function isNaiveTimestamp(type: SqlTypeFact | undefined): boolean {
  return type !== undefined && type.name === 'timestamp';
}

export interface FunctionCallFact {
  name: string;
  schema?: string;
  location: number;
  args: SqlNode[];
  sqlSyntax: boolean;
}

export interface ExpressionFacts {
  calls: FunctionCallFact[];
  /** CURRENT_TIMESTAMP, LOCALTIMESTAMP, CURRENT_DATE, … (Postgres' SQLValueFunction), upper case. */
  valueFunctions: Array<{ name: string; location: number }>;
  /** AT TIME ZONE / timezone(zone, x): the zone when it is a literal, undefined when computed. */
  timeZones: Array<{ zone: string | undefined; location: number }>;
  location: number;
}

export function expressionFacts(expr: unknown): ExpressionFacts {
  const facts: ExpressionFacts = { calls: [], valueFunctions: [], timeZones: [], location: firstLocation(expr) };
  const visit: Visitor = (type, value) => {
    if (type === 'FuncCall') {
      const parts = nameParts(value.funcname);
      const name = (parts[parts.length - 1] ?? '').toLowerCase();
      const args = (Array.isArray(value.args) ? value.args : []) as SqlNode[];
      const location = (value.location as number | undefined) ?? -1;
      facts.calls.push({
        name,
        schema: parts.length > 1 ? parts[0] : undefined,
        location,
        args,
        sqlSyntax: value.funcformat === 'COERCE_SQL_SYNTAX',
      });
      if (name === 'timezone' && args.length === 2) facts.timeZones.push({ zone: constantString(args[0]), location });
    } else if (type === 'SQLValueFunction') {
      const op = String(value.op ?? '').replace(/^SVFOP_/, '');
      facts.valueFunctions.push({ name: op, location: (value.location as number | undefined) ?? -1 });
    }
  };
  if (expr && typeof expr === 'object') {
    // The expression itself may be the node: walk a wrapper so the root is visited too.
    walkSql({ root: expr }, visit);
  }
  return facts;
}

export function constantString(node: unknown): string | undefined {
  const c = (node as { A_Const?: { sval?: { sval?: string } } } | undefined)?.A_Const;
  if (c?.sval) return c.sval.sval ?? '';
  const cast = (node as { TypeCast?: { arg?: unknown } } | undefined)?.TypeCast;
  if (cast) return constantString(cast.arg);
  return undefined;
}

export function firstLocation(node: unknown): number {
  let found = -1;
  const search = (n: unknown): void => {
    if (found >= 0 || !n || typeof n !== 'object') return;
    const loc = (n as { location?: unknown }).location;
    if (typeof loc === 'number' && loc >= 0) {
      found = loc;
      return;
    }
    for (const v of Object.values(n as Record<string, unknown>)) search(v);
  };
  search(node);
  return found;
}

export type ReferentialAction = 'NO ACTION' | 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT';
const ACTIONS: Record<string, ReferentialAction> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

export interface ConstraintFact {
  /** 'PRIMARY' | 'FOREIGN' | 'UNIQUE' | 'CHECK' | 'NOTNULL' | 'DEFAULT' | 'EXCLUSION' | … */
  type: string;
  name?: string;
  columns: string[];
  /** Every column the constraint involves: its key columns, or those its CHECK expression reads. */
  involves: string[];
  references?: { table: RelationRef; columns: string[]; onDelete: ReferentialAction; onUpdate: ReferentialAction };
  default?: ExpressionFacts;
  notValid: boolean;
  /** `ADD CONSTRAINT … UNIQUE/PRIMARY KEY USING INDEX ix`: the existing index the constraint takes over. */
  usingIndex?: string;
  /** For `CHECK (col IS NOT NULL)`: the column; PostgreSQL 12+ skips SET NOT NULL's scan when it is valid. */
  notNullColumn?: string;
  location: number;
}

export function constraintOf(node: unknown): ConstraintFact | undefined {
  const c = (node as { Constraint?: SqlNode } | undefined)?.Constraint;
  if (!c) return undefined;
  const type = String(c.contype ?? '').replace(/^CONSTR_/, '');
  const fact: ConstraintFact = {
    type,
    name: c.conname as string | undefined,
    columns: nameParts(c.keys ?? c.fk_attrs),
    involves: [],
    notValid: c.skip_validation === true,
    location: (c.location as number | undefined) ?? -1,
  };
  fact.involves = (type === 'CHECK' ? columnRefs(c.raw_expr) : fact.columns.map((col) => col.toLowerCase())).concat(
    exclusionColumns(c.exclusions),
  );
  if (typeof c.indexname === 'string') fact.usingIndex = c.indexname;
  if (type === 'CHECK') fact.notNullColumn = notNullTestColumn(c.raw_expr);
  if (type === 'FOREIGN') {
    const table = relationOf(c.pktable);
    if (table) {
      fact.references = {
        table,
        columns: nameParts(c.pk_attrs),
        onDelete: ACTIONS[String(c.fk_del_action ?? 'a')] ?? 'NO ACTION',
        onUpdate: ACTIONS[String(c.fk_upd_action ?? 'a')] ?? 'NO ACTION',
      };
    }
  }
  if (type === 'DEFAULT') fact.default = expressionFacts(c.raw_expr);
  return fact;
}

export interface ColumnFact {
  /** How the statement touches the column. */
  via:
    | 'create-table'
    | 'add-column'
    | 'alter-type'
    | 'set-default'
    | 'drop-default'
    | 'set-not-null'
    | 'drop-not-null'
    | 'drop-column';
  table?: RelationRef;
  column: string;
  type?: SqlTypeFact;
  default?: ExpressionFacts;
  constraints: ConstraintFact[];
  location: number;
}

/** Columns a statement creates or changes: CREATE TABLE, ALTER TABLE ADD/ALTER/DROP COLUMN. */
export function columnFacts(kind: string, stmt: SqlNode): ColumnFact[] {
  const facts: ColumnFact[] = [];
  const table = relationOf(stmt.relation);
  const fromColumnDef = (def: SqlNode, via: ColumnFact['via'], nameOverride?: string): ColumnFact => {
    const constraints = ((def.constraints as unknown[]) ?? [])
      .map(constraintOf)
      .filter((c): c is ConstraintFact => c !== undefined);
    const defaultConstraint = constraints.find((c) => c.type === 'DEFAULT');
    return {
      via,
      table,
      column: (def.colname as string | undefined) ?? nameOverride ?? '',
      type: typeOf(def.typeName),
      default: defaultConstraint?.default,
      constraints,
      location: (def.location as number | undefined) ?? -1,
    };
  };
  if (kind === 'CreateStmt') {
    for (const elt of (stmt.tableElts as unknown[]) ?? []) {
      const def = (elt as { ColumnDef?: SqlNode }).ColumnDef;
      if (def) facts.push(fromColumnDef(def, 'create-table'));
    }
  } else if (kind === 'AlterTableStmt') {
    for (const item of (stmt.cmds as unknown[]) ?? []) {
      const cmd = (item as { AlterTableCmd?: SqlNode }).AlterTableCmd;
      if (!cmd) continue;
      const name = cmd.name as string | undefined;
      const location = firstLocation(cmd);
      const def = (cmd.def as { ColumnDef?: SqlNode } | undefined)?.ColumnDef;
      switch (cmd.subtype) {
        case 'AT_AddColumn':
          if (def) facts.push(fromColumnDef(def, 'add-column'));
          break;
        case 'AT_AlterColumnType':
          if (def) facts.push(fromColumnDef(def, 'alter-type', name));
          break;
        case 'AT_ColumnDefault':
          facts.push(
            cmd.def
              ? {
                  via: 'set-default',
                  table,
                  column: name ?? '',
                  default: expressionFacts(cmd.def),
                  constraints: [],
                  location,
                }
              : { via: 'drop-default', table, column: name ?? '', constraints: [], location },
          );
          break;
        case 'AT_SetNotNull':
          facts.push({ via: 'set-not-null', table, column: name ?? '', constraints: [], location });
          break;
        case 'AT_DropNotNull':
          facts.push({ via: 'drop-not-null', table, column: name ?? '', constraints: [], location });
          break;
        case 'AT_DropColumn':
          facts.push({ via: 'drop-column', table, column: name ?? '', constraints: [], location });
          break;
      }
    }
  }
  return facts;
}

/** Table-level constraints a statement adds: CREATE TABLE (…, CONSTRAINT …) and ALTER TABLE ADD CONSTRAINT. */
export function tableConstraintFacts(kind: string, stmt: SqlNode): ConstraintFact[] {
  const out: ConstraintFact[] = [];
  if (kind === 'CreateStmt') {
    for (const elt of (stmt.tableElts as unknown[]) ?? []) {
      const c = constraintOf(elt);
      if (c) out.push(c);
    }
  } else if (kind === 'AlterTableStmt') {
    for (const item of (stmt.cmds as unknown[]) ?? []) {
      const cmd = (item as { AlterTableCmd?: SqlNode }).AlterTableCmd;
      if (cmd?.subtype === 'AT_AddConstraint') {
        const c = constraintOf(cmd.def);
        if (c) out.push(c);
      }
    }
  }
  return out;
}

/** `EXCLUDE USING gist (room WITH =, during WITH &&)`: the columns of its elements. */
function exclusionColumns(exclusions: unknown): string[] {
  if (!Array.isArray(exclusions)) return [];
  return exclusions.flatMap((pair) => {
    const elem = (
      Array.isArray((pair as { List?: { items?: unknown[] } }).List?.items)
        ? (pair as { List: { items: unknown[] } }).List.items[0]
        : undefined
    ) as { IndexElem?: { name?: string; expr?: unknown } } | undefined;
    if (elem?.IndexElem?.name) return [elem.IndexElem.name.toLowerCase()];
    return elem?.IndexElem?.expr ? columnRefs(elem.IndexElem.expr) : [];
  });
}

/** The column of a bare `col IS NOT NULL` expression. */
function notNullTestColumn(expr: unknown): string | undefined {
  const test = (expr as { NullTest?: { nulltesttype?: string; arg?: unknown } } | undefined)?.NullTest;
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = (test.arg as { ColumnRef?: { fields?: unknown } } | undefined)?.ColumnRef?.fields;
  return fields ? nameParts(fields).pop() : undefined;
}

/**
 * The columns an expression reads (`f(lower(t.name))` → `name`): the last part of every column
 * reference, lower-cased. For an index built on an expression or with a predicate, these are the
 * columns whose drop takes the index with it.
 */
export function columnRefs(node: unknown): string[] {
  const found = new Set<string>();
  walkSql({ root: node }, (type, value) => {
    if (type !== 'ColumnRef') return;
    const parts = nameParts(value.fields);
    if (parts.length) found.add(parts[parts.length - 1].toLowerCase());
  });
  return [...found];
}

/** Every string constant written in a statement (`'sad'` in `WHERE mood = 'sad'`). */
export function stringConstants(node: unknown): Set<string> {
  const found = new Set<string>();
  walkSql(node, (type, value) => {
    if (type !== 'A_Const') return;
    const text = (value.sval as { sval?: unknown } | undefined)?.sval;
    if (typeof text === 'string') found.add(text);
  });
  return found;
}
