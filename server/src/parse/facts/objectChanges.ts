import type { SqlNode } from '../sql';
import { columnFacts, columnRefs, firstLocation, nameParts, relationOf, tableConstraintFacts } from '../sqlFacts';
import { typeWithModifiers, type SqlTypeWithModifiers } from './schemaDdl';

/**
 * What a SQL statement does to schema objects, as the reversibility and safety rules (SW102,
 * SW104, SW105, SW202) need it: which objects it creates, drops or renames, whether it empties a
 * table, and which column properties it changes. Names are lower-cased: unquoted identifiers fold
 * to lower case in Postgres, and migrations rarely quote.
 */

export type SqlObjectKind = 'table' | 'index' | 'type' | 'view' | 'schema' | 'column' | 'constraint' | 'sequence';

export type ObjectChange =
  | {
      action: 'create';
      kind: SqlObjectKind;
      name: string;
      table?: string;
      orReplace: boolean;
      location: number;
      /** For an index or constraint: the columns it involves (an index's expressions and predicate included). */
      columns?: string[];
      /** `CREATE … IF NOT EXISTS`. */
      ifNotExists?: boolean;
    }
  | {
      action: 'drop';
      kind: SqlObjectKind;
      name: string;
      table?: string;
      location: number;
      /** `DROP … IF EXISTS`. */
      ifExists?: boolean;
      /** `ADD CONSTRAINT c UNIQUE USING INDEX ix`: the index becomes the constraint's (and goes with it). */
      consumedBy?: string;
    }
  | { action: 'rename'; kind: 'table' | 'column' | 'index'; table?: string; from: string; to: string; location: number }
  | { action: 'truncate'; table: string; location: number }
  | { action: 'delete-all'; table: string; location: number }
  | { action: 'alter-type'; table?: string; column: string; type?: SqlTypeWithModifiers; location: number }
  | { action: 'set-not-null'; table?: string; column: string; location: number }
  | { action: 'drop-default'; table?: string; column: string; location: number }
  | { action: 'set-default'; table?: string; column: string; location: number }
  | { action: 'add-column'; table?: string; column: string; notNull: boolean; hasDefault: boolean; location: number };

const DROP_KINDS: Record<string, SqlObjectKind> = {
  OBJECT_TABLE: 'table',
  OBJECT_INDEX: 'index',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'type',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_SCHEMA: 'schema',
  OBJECT_SEQUENCE: 'sequence',
};

const lower = (s: string | undefined): string | undefined => s?.toLowerCase();

/** The object changes of one parsed statement (`kind` is its node name, e.g. `DropStmt`). */
export function objectChangesOf(kind: string, stmt: SqlNode): ObjectChange[] {
  switch (kind) {
    case 'CreateStmt': {
      const rel = relationOf(stmt.relation);
      if (!rel) return [];
      const table = rel.name.toLowerCase();
      const changes: ObjectChange[] = [
        { action: 'create', kind: 'table', name: table, orReplace: false, location: rel.location },
      ];
      for (const c of tableConstraintFacts(kind, stmt)) {
        if (c.name)
          changes.push({
            action: 'create',
            kind: 'constraint',
            name: c.name.toLowerCase(),
            table,
            orReplace: false,
            location: c.location,
            columns: c.involves,
          });
      }
      return changes;
    }
    case 'IndexStmt': {
      const rel = relationOf(stmt.relation);
      const name = stmt.idxname as string | undefined;
      // An unnamed index gets a generated name: there is nothing to compare it by.
      if (!name) return [];
      return [
        {
          action: 'create',
          kind: 'index',
          name: name.toLowerCase(),
          table: lower(rel?.name),
          orReplace: false,
          location: rel?.location ?? -1,
          columns: indexColumns(stmt),
          ifNotExists: stmt.if_not_exists === true,
        },
      ];
    }
    case 'CreateEnumStmt':
    case 'CreateDomainStmt': {
      const parts = nameParts(kind === 'CreateEnumStmt' ? stmt.typeName : stmt.domainname);
      if (parts.length === 0) return [];
      return [
        {
          action: 'create',
          kind: 'type',
          name: parts[parts.length - 1].toLowerCase(),
          orReplace: false,
          location: firstLocation(stmt),
        },
      ];
    }
    case 'CompositeTypeStmt': {
      const rel = relationOf(stmt.typevar);
      return rel
        ? [{ action: 'create', kind: 'type', name: rel.name.toLowerCase(), orReplace: false, location: rel.location }]
        : [];
    }
    case 'ViewStmt': {
      const rel = relationOf(stmt.view);
      return rel
        ? [
            {
              action: 'create',
              kind: 'view',
              name: rel.name.toLowerCase(),
              orReplace: stmt.replace === true,
              location: rel.location,
            },
          ]
        : [];
    }
    case 'CreateTableAsStmt': {
      const rel = relationOf((stmt.into as SqlNode | undefined)?.rel);
      if (!rel) return [];
      return [
        {
          action: 'create',
          kind: stmt.objtype === 'OBJECT_MATVIEW' ? 'view' : 'table',
          name: rel.name.toLowerCase(),
          orReplace: false,
          location: rel.location,
        },
      ];
    }
    case 'CreateSeqStmt': {
      const rel = relationOf(stmt.sequence);
      return rel
        ? [
            {
              action: 'create',
              kind: 'sequence',
              name: rel.name.toLowerCase(),
              orReplace: false,
              location: rel.location,
            },
          ]
        : [];
    }
    case 'CreateSchemaStmt': {
      const name = stmt.schemaname as string | undefined;
      return name
        ? [{ action: 'create', kind: 'schema', name: name.toLowerCase(), orReplace: false, location: -1 }]
        : [];
    }
    case 'DropStmt':
      return dropChanges(stmt);
    case 'TruncateStmt':
      return ((stmt.relations as unknown[]) ?? [])
        .map((r) => relationOf((r as { RangeVar?: unknown }).RangeVar))
        .filter((r): r is NonNullable<typeof r> => r !== undefined)
        .map((r) => ({ action: 'truncate' as const, table: r.name.toLowerCase(), location: r.location }));
    case 'DeleteStmt': {
      const rel = relationOf(stmt.relation);
      return rel && !stmt.whereClause
        ? [{ action: 'delete-all', table: rel.name.toLowerCase(), location: rel.location }]
        : [];
    }
    case 'RenameStmt':
      return renameChanges(stmt);
    case 'AlterTableStmt':
      return alterTableChanges(kind, stmt);
    default:
      return [];
  }
}

function dropChanges(stmt: SqlNode): ObjectChange[] {
  const kind = DROP_KINDS[String(stmt.removeType)];
  if (!kind) return [];
  const location = firstLocation(stmt);
  const changes: ObjectChange[] = [];
  for (const object of (stmt.objects as unknown[]) ?? []) {
    // Relations come as a List of name parts, types as a TypeName, schemas as a bare String.
    const o = object as { List?: { items?: unknown }; String?: { sval?: string }; TypeName?: { names?: unknown } };
    const parts = o.List
      ? nameParts(o.List.items)
      : o.TypeName
        ? nameParts(o.TypeName.names)
        : o.String?.sval
          ? [o.String.sval]
          : [];
    if (parts.length > 0)
      changes.push({
        action: 'drop',
        kind,
        name: parts[parts.length - 1].toLowerCase(),
        location,
        ifExists: stmt.missing_ok === true,
      });
  }
  return changes;
}

function renameChanges(stmt: SqlNode): ObjectChange[] {
  const rel = relationOf(stmt.relation);
  const to = (stmt.newname as string | undefined)?.toLowerCase();
  if (!rel || !to) return [];
  switch (stmt.renameType) {
    case 'OBJECT_TABLE':
      return [{ action: 'rename', kind: 'table', from: rel.name.toLowerCase(), to, location: rel.location }];
    case 'OBJECT_COLUMN': {
      const from = (stmt.subname as string | undefined)?.toLowerCase();
      return from
        ? [{ action: 'rename', kind: 'column', table: rel.name.toLowerCase(), from, to, location: rel.location }]
        : [];
    }
    case 'OBJECT_INDEX':
      return [{ action: 'rename', kind: 'index', from: rel.name.toLowerCase(), to, location: rel.location }];
    default:
      return [];
  }
}

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

function alterTableChanges(kind: string, stmt: SqlNode): ObjectChange[] {
  const rel = relationOf(stmt.relation);
  const table = lower(rel?.name);
  const fallback = rel?.location ?? -1;
  const changes: ObjectChange[] = [];
  for (const column of columnFacts(kind, stmt)) {
    const name = column.column.toLowerCase();
    const location = column.location >= 0 ? column.location : fallback;
    switch (column.via) {
      case 'add-column':
        changes.push({
          action: 'add-column',
          table,
          column: name,
          location,
          notNull: column.constraints.some((c) => c.type === 'NOTNULL' || c.type === 'PRIMARY'),
          // A serial column gets its sequence's nextval() as its default, existing rows included.
          hasDefault:
            SERIAL_TYPES.has(column.type?.name ?? '') ||
            column.constraints.some((c) => c.type === 'DEFAULT' || c.type === 'IDENTITY' || c.type === 'GENERATED'),
        });
        changes.push({ action: 'create', kind: 'column', name, table, orReplace: false, location });
        break;
      case 'drop-column':
        changes.push({ action: 'drop', kind: 'column', name, table, location });
        break;
      case 'alter-type':
        changes.push({
          action: 'alter-type',
          table,
          column: name,
          type: alterTypeTarget(stmt, column.column),
          location,
        });
        break;
      case 'set-not-null':
        changes.push({ action: 'set-not-null', table, column: name, location });
        break;
      case 'drop-default':
        changes.push({ action: 'drop-default', table, column: name, location });
        break;
      case 'set-default':
        changes.push({ action: 'set-default', table, column: name, location });
        break;
      default:
        break;
    }
  }
  for (const item of (stmt.cmds as unknown[]) ?? []) {
    const cmd = (item as { AlterTableCmd?: SqlNode }).AlterTableCmd;
    if (cmd?.subtype === 'AT_AddConstraint') {
      const c = tableConstraintFacts(kind, { cmds: [item] } as SqlNode)[0];
      if (c?.name)
        changes.push({
          action: 'create',
          kind: 'constraint',
          name: c.name.toLowerCase(),
          table,
          orReplace: false,
          location: c.location,
          columns: c.involves,
        });
      const usingIndex = (cmd.def as { Constraint?: { indexname?: string } } | undefined)?.Constraint?.indexname;
      if (usingIndex && c?.name)
        changes.push({
          action: 'drop',
          kind: 'index',
          name: usingIndex.toLowerCase(),
          table,
          location: c.location,
          consumedBy: c.name.toLowerCase(),
        });
    } else if (cmd?.subtype === 'AT_DropConstraint' && typeof cmd.name === 'string') {
      changes.push({ action: 'drop', kind: 'constraint', name: cmd.name.toLowerCase(), table, location: fallback });
    }
  }
  return changes;
}

/**
 * The columns an index involves: its key columns, the columns its expressions read, its INCLUDE
 * columns and those of its predicate. PostgreSQL drops the index with any of them.
 */
function indexColumns(stmt: SqlNode): string[] {
  const columns = new Set<string>();
  for (const item of [
    ...((stmt.indexParams as unknown[]) ?? []),
    ...((stmt.indexIncludingParams as unknown[]) ?? []),
  ]) {
    const elem = (item as { IndexElem?: { name?: string; expr?: unknown } }).IndexElem;
    if (elem?.name) columns.add(elem.name.toLowerCase());
    else if (elem?.expr) for (const c of columnRefs(elem.expr)) columns.add(c);
  }
  if (stmt.whereClause) for (const c of columnRefs(stmt.whereClause)) columns.add(c);
  return [...columns];
}

/** The target type of `ALTER COLUMN <column> TYPE …`, with its modifiers (`varchar(20)`). */
function alterTypeTarget(stmt: SqlNode, column: string): SqlTypeWithModifiers | undefined {
  for (const item of (stmt.cmds as unknown[]) ?? []) {
    const cmd = (item as { AlterTableCmd?: SqlNode }).AlterTableCmd;
    if (cmd?.subtype === 'AT_AlterColumnType' && cmd.name === column) {
      return typeWithModifiers((cmd.def as { ColumnDef?: SqlNode } | undefined)?.ColumnDef?.typeName);
    }
  }
  return undefined;
}
