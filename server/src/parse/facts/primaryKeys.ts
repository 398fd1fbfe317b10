import type { SqlNode } from '../sql';
import { constraintOf, relationOf, typeOf, type SqlTypeFact } from '../sqlFacts';

/** Primary keys a statement declares: column-level and table-level in CREATE TABLE, and ALTER TABLE ADD. */
export interface PrimaryKeyFact {
  table?: string;
  columns: Array<{ name: string; type?: SqlTypeFact }>;
  /** Location of the PRIMARY KEY constraint (a table-level one starts at its CONSTRAINT or PRIMARY keyword). */
  location: number;
  level: 'column' | 'table';
}

export function primaryKeyFacts(kind: string, stmt: SqlNode): PrimaryKeyFact[] {
  if (kind !== 'CreateStmt' && kind !== 'AlterTableStmt') return [];
  const table = relationOf(stmt.relation)?.name;
  const out: PrimaryKeyFact[] = [];
  const types = new Map<string, SqlTypeFact | undefined>();
  const columnDefs: SqlNode[] = [];
  const tableConstraints: unknown[] = [];
  if (kind === 'CreateStmt') {
    for (const elt of (stmt.tableElts as unknown[]) ?? []) {
      const def = (elt as { ColumnDef?: SqlNode }).ColumnDef;
      if (def) columnDefs.push(def);
      else tableConstraints.push(elt);
    }
  } else {
    for (const item of (stmt.cmds as unknown[]) ?? []) {
      const cmd = (item as { AlterTableCmd?: SqlNode }).AlterTableCmd;
      const def = (cmd?.def as { ColumnDef?: SqlNode } | undefined)?.ColumnDef;
      if (cmd?.subtype === 'AT_AddColumn' && def) columnDefs.push(def);
      else if (cmd?.subtype === 'AT_AddConstraint') tableConstraints.push(cmd.def);
    }
  }
  for (const def of columnDefs) {
    const name = String(def.colname ?? '');
    const type = typeOf(def.typeName);
    types.set(name, type);
    for (const c of (def.constraints as unknown[]) ?? []) {
      const constraint = constraintOf(c);
      if (constraint?.type === 'PRIMARY')
        out.push({
          table,
          columns: [{ name, type }],
          location: type?.location ?? constraint.location,
          level: 'column',
        });
    }
  }
  for (const c of tableConstraints) {
    const constraint = constraintOf(c);
    if (constraint?.type !== 'PRIMARY' || constraint.columns.length === 0) continue;
    out.push({
      table,
      columns: constraint.columns.map((name) => ({ name, type: types.get(name) })),
      location: constraint.location,
      level: 'table',
    });
  }
  return out;
}
