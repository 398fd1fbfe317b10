import type { SqlNode } from '../sql';
import {
  constraintOf,
  expressionFacts,
  firstLocation,
  nameParts,
  relationOf,
  type ConstraintFact,
  type ExpressionFacts,
  type RelationRef,
} from '../sqlFacts';

/**
 * DDL facts for replaying SQL into a schema model and for lock analysis: tables, columns (with
 * type modifiers), indexes, drops, renames, enum types, and every ALTER TABLE sub-command.
 */

export interface SqlTypeWithModifiers {
  /** Lower-case name without pg_catalog: 'varchar', 'int4', 'timestamptz', 'numeric', a user type … */
  name: string;
  schema?: string;
  /** Integer modifiers: varchar(20) → [20], numeric(10, 2) → [10, 2]. */
  modifiers: number[];
  isArray: boolean;
  location: number;
}

export function typeWithModifiers(typeName: unknown): SqlTypeWithModifiers | undefined {
  const t = typeName as
    { names?: unknown; typmods?: unknown[]; arrayBounds?: unknown[]; location?: number } | undefined;
  const parts = nameParts(t?.names);
  if (!t || parts.length === 0) return undefined;
  const modifiers = (t.typmods ?? []).map(
    (m) => (m as { A_Const?: { ival?: { ival?: number } } }).A_Const?.ival?.ival ?? 0,
  );
  const schema = parts.length > 1 && parts[0] !== 'pg_catalog' ? parts[0] : undefined;
  return {
    name: parts[parts.length - 1].toLowerCase(),
    schema,
    modifiers,
    isArray: Array.isArray(t.arrayBounds) && t.arrayBounds.length > 0,
    location: t.location ?? -1,
  };
}

export interface SqlColumnFact {
  name: string;
  type?: SqlTypeWithModifiers;
  notNull: boolean;
  primaryKey: boolean;
  default?: ExpressionFacts;
  /** GENERATED … AS IDENTITY, or GENERATED ALWAYS AS (…) STORED. */
  generated?: 'identity' | 'stored';
  constraints: ConstraintFact[];
  location: number;
}

export function sqlColumnOf(def: SqlNode): SqlColumnFact {
  const constraints = ((def.constraints as unknown[]) ?? [])
    .map(constraintOf)
    .filter((c): c is ConstraintFact => c !== undefined);
  const rawConstraints = ((def.constraints as unknown[]) ?? [])
    .map((c) => (c as { Constraint?: SqlNode }).Constraint)
    .filter((c): c is SqlNode => c !== undefined);
  const generated = rawConstraints.some((c) => c.contype === 'CONSTR_IDENTITY')
    ? 'identity'
    : rawConstraints.some((c) => c.contype === 'CONSTR_GENERATED')
      ? 'stored'
      : undefined;
  return {
    name: String(def.colname ?? ''),
    type: typeWithModifiers(def.typeName),
    notNull: constraints.some((c) => c.type === 'NOTNULL' || c.type === 'PRIMARY'),
    primaryKey: constraints.some((c) => c.type === 'PRIMARY'),
    default: constraints.find((c) => c.type === 'DEFAULT')?.default,
    generated,
    constraints,
    location: (def.location as number | undefined) ?? -1,
  };
}

export interface AlterCommandFact {
  /** libpg-query's sub-type without `AT_`: AddColumn, DropColumn, AlterColumnType, ColumnDefault, SetNotNull, AddConstraint, ValidateConstraint, SetLogged, … */
  subtype: string;
  column?: string;
  /** For AddColumn. */
  newColumn?: SqlColumnFact;
  /** For AlterColumnType. */
  type?: SqlTypeWithModifiers;
  /** For AlterColumnType: a USING expression was given. */
  using: boolean;
  /** For AddConstraint. */
  constraint?: ConstraintFact;
  /** For ColumnDefault (undefined: DROP DEFAULT). */
  default?: ExpressionFacts;
  /** For DropConstraint / ValidateConstraint. */
  name?: string;
  /** DETACH PARTITION … CONCURRENTLY. */
  concurrent?: boolean;
  location: number;
}

export type DdlFact =
  | {
      kind: 'create-table';
      table: RelationRef;
      columns: SqlColumnFact[];
      constraints: ConstraintFact[];
      partitionOf?: RelationRef;
      ifNotExists: boolean;
      asQuery: boolean;
      /** `CREATE TEMP[ORARY] TABLE`: it lives for the session only and is no part of the schema. */
      temporary: boolean;
    }
  | { kind: 'alter-table'; table: RelationRef; objectType: string; commands: AlterCommandFact[]; missingOk: boolean }
  | {
      kind: 'drop';
      objectType: string;
      names: Array<{ name: string; schema?: string }>;
      concurrent: boolean;
      ifExists: boolean;
      cascade: boolean;
    }
  | {
      kind: 'create-index';
      name?: string;
      table: RelationRef;
      columns: string[];
      unique: boolean;
      concurrent: boolean;
      ifNotExists: boolean;
    }
  | { kind: 'rename'; objectType: string; table?: RelationRef; subname?: string; newName: string; location: number }
  | { kind: 'create-enum'; name: string; schema?: string; values: string[] }
  | {
      kind: 'alter-enum';
      name: string;
      schema?: string;
      newValue?: string;
      /** RENAME VALUE, not ADD VALUE. */ renamesValue: boolean;
    }
  | { kind: 'truncate'; tables: RelationRef[] }
  | { kind: 'other' };

const ddlFacts = new WeakMap<SqlNode, DdlFact>();

/** One statement's DDL meaning; `{kind: 'other'}` for everything this model does not track. Memoized per tree. */
export function ddlFactOf(kind: string, node: SqlNode): DdlFact {
  let fact = ddlFacts.get(node);
  if (!fact) {
    fact = computeDdlFact(kind, node);
    ddlFacts.set(node, fact);
  }
  return fact;
}

function computeDdlFact(kind: string, node: SqlNode): DdlFact {
  switch (kind) {
    case 'CreateStmt': {
      const table = relationOf(node.relation);
      if (!table) return { kind: 'other' };
      const columns: SqlColumnFact[] = [];
      const constraints: ConstraintFact[] = [];
      for (const elt of (node.tableElts as unknown[]) ?? []) {
        const def = (elt as { ColumnDef?: SqlNode }).ColumnDef;
        if (def) columns.push(sqlColumnOf(def));
        const constraint = constraintOf(elt);
        if (constraint) constraints.push(constraint);
      }
      const parents = ((node.inhRelations as unknown[]) ?? [])
        .map((r) => relationOf((r as { RangeVar?: unknown }).RangeVar))
        .filter((r): r is RelationRef => r !== undefined);
      return {
        kind: 'create-table',
        table,
        columns,
        constraints,
        partitionOf: node.partbound ? parents[0] : undefined,
        ifNotExists: node.if_not_exists === true,
        asQuery: false,
        temporary: isTemporary(node.relation),
      };
    }
    case 'CreateTableAsStmt': {
      if (node.objtype !== 'OBJECT_TABLE') return { kind: 'other' };
      const table = relationOf((node.into as { rel?: unknown } | undefined)?.rel);
      return table
        ? {
            kind: 'create-table',
            table,
            columns: [],
            constraints: [],
            ifNotExists: node.if_not_exists === true,
            asQuery: true,
            temporary: isTemporary((node.into as { rel?: unknown } | undefined)?.rel),
          }
        : { kind: 'other' };
    }
    case 'AlterTableStmt': {
      const table = relationOf(node.relation);
      if (!table) return { kind: 'other' };
      const commands: AlterCommandFact[] = [];
      for (const item of (node.cmds as unknown[]) ?? []) {
        const cmd = (item as { AlterTableCmd?: SqlNode }).AlterTableCmd;
        if (cmd) commands.push(alterCommandOf(cmd, table.location));
      }
      return {
        kind: 'alter-table',
        table,
        objectType: String(node.objtype ?? 'OBJECT_TABLE').replace(/^OBJECT_/, ''),
        commands,
        missingOk: node.missing_ok === true,
      };
    }
    case 'DropStmt': {
      const names = ((node.objects as unknown[]) ?? [])
        .map((o) => {
          const parts = nameParts(
            (o as { List?: { items?: unknown } }).List?.items ??
              (o as { TypeName?: { names?: unknown } }).TypeName?.names,
          );
          return parts.length > 1
            ? { schema: parts[parts.length - 2], name: parts[parts.length - 1] }
            : { name: parts[0] ?? '' };
        })
        .filter((n) => n.name !== '');
      return {
        kind: 'drop',
        objectType: String(node.removeType ?? '').replace(/^OBJECT_/, ''),
        names,
        concurrent: node.concurrent === true,
        ifExists: node.missing_ok === true,
        cascade: node.behavior === 'DROP_CASCADE',
      };
    }
    case 'IndexStmt': {
      const table = relationOf(node.relation);
      if (!table) return { kind: 'other' };
      const columns = ((node.indexParams as unknown[]) ?? [])
        .map((p) => String((p as { IndexElem?: { name?: string } }).IndexElem?.name ?? ''))
        .filter((n) => n !== '');
      return {
        kind: 'create-index',
        name: node.idxname as string | undefined,
        table,
        columns,
        unique: node.unique === true,
        concurrent: node.concurrent === true,
        ifNotExists: node.if_not_exists === true,
      };
    }
    case 'RenameStmt': {
      const table = relationOf(node.relation);
      const objectType = String(node.renameType ?? '').replace(/^OBJECT_/, '');
      const subname = node.subname as string | undefined;
      const objectName = objectType === 'TYPE' ? nameParts(node.object).pop() : undefined;
      return {
        kind: 'rename',
        objectType,
        table,
        subname: subname ?? objectName,
        newName: String(node.newname ?? ''),
        location: table?.location ?? -1,
      };
    }
    case 'CreateEnumStmt': {
      const parts = nameParts(node.typeName);
      return {
        kind: 'create-enum',
        name: parts[parts.length - 1] ?? '',
        schema: parts.length > 1 ? parts[0] : undefined,
        values: nameParts(node.vals),
      };
    }
    case 'AlterEnumStmt': {
      const parts = nameParts(node.typeName);
      return {
        kind: 'alter-enum',
        name: parts[parts.length - 1] ?? '',
        schema: parts.length > 1 ? parts[0] : undefined,
        newValue: node.newVal as string | undefined,
        renamesValue: node.oldVal !== undefined,
      };
    }
    case 'TruncateStmt': {
      const tables = ((node.relations as unknown[]) ?? [])
        .map((r) => relationOf((r as { RangeVar?: unknown }).RangeVar))
        .filter((r): r is RelationRef => r !== undefined);
      return { kind: 'truncate', tables };
    }
    default:
      return { kind: 'other' };
  }
}

function alterCommandOf(cmd: SqlNode, fallbackLocation: number): AlterCommandFact {
  const subtype = String(cmd.subtype ?? '').replace(/^AT_/, '');
  const def = cmd.def as Record<string, SqlNode> | undefined;
  const located = firstLocation(cmd);
  const fact: AlterCommandFact = {
    subtype,
    column: cmd.name as string | undefined,
    using: false,
    name: cmd.name as string | undefined,
    location: located >= 0 ? located : fallbackLocation,
  };
  if (subtype === 'AddColumn' && def?.ColumnDef) {
    fact.newColumn = sqlColumnOf(def.ColumnDef);
    fact.column = fact.newColumn.name;
  } else if (subtype === 'AlterColumnType' && def?.ColumnDef) {
    fact.type = typeWithModifiers(def.ColumnDef.typeName);
    fact.using = def.ColumnDef.raw_default !== undefined;
    if (fact.type && fact.type.location >= 0) fact.location = fact.type.location;
  } else if (subtype === 'AddConstraint') {
    fact.constraint = constraintOf(def);
    if (fact.constraint && fact.constraint.location >= 0) fact.location = fact.constraint.location;
  } else if (subtype === 'ColumnDefault' && def) {
    fact.default = expressionFacts(def);
  } else if (subtype === 'DetachPartition') {
    fact.concurrent = (def?.PartitionCmd as { concurrent?: boolean } | undefined)?.concurrent === true;
  }
  return fact;
}

/** Is this RangeVar a temporary relation (`relpersistence` 't')? */
function isTemporary(rangeVar: unknown): boolean {
  return (rangeVar as { relpersistence?: string } | undefined)?.relpersistence === 't';
}
