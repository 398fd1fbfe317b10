import type { SqlNode } from '../sql';
import { constraintOf, firstLocation, nameParts, relationOf } from '../sqlFacts';

/**
 * Facts for the rationale rule: what a statement defines (tables, indexes, columns, constraints)
 * and what a `COMMENT ON …` statement documents, so that a comment stored by Postgres counts as
 * the rationale of the object it names.
 */

export type ObjectKind = 'table' | 'index' | 'column' | 'constraint';

export interface DefinedObject {
  kind: ObjectKind;
  /** The table (for table, column, constraint and the indexed table). */
  table?: string;
  /** The column, index or constraint name; the table name for a table. */
  name?: string;
  location: number;
}

/** Objects a statement defines: CREATE TABLE, CREATE INDEX, ALTER TABLE ADD COLUMN / ADD CONSTRAINT. */
export function definedObjects(kind: string, stmt: SqlNode): DefinedObject[] {
  const table = relationOf(kind === 'IndexStmt' ? stmt.relation : stmt.relation)?.name;
  if (kind === 'CreateStmt')
    return [{ kind: 'table', table, name: table, location: relationOf(stmt.relation)?.location ?? -1 }];
  if (kind === 'IndexStmt')
    return [
      {
        kind: 'index',
        table,
        name: stmt.idxname as string | undefined,
        location: relationOf(stmt.relation)?.location ?? -1,
      },
    ];
  if (kind !== 'AlterTableStmt') return [];
  const out: DefinedObject[] = [];
  for (const item of (stmt.cmds as unknown[]) ?? []) {
    const cmd = (item as { AlterTableCmd?: SqlNode }).AlterTableCmd;
    if (cmd?.subtype === 'AT_AddColumn') {
      const def = (cmd.def as { ColumnDef?: SqlNode } | undefined)?.ColumnDef;
      out.push({ kind: 'column', table, name: def?.colname as string | undefined, location: firstLocation(cmd) });
    } else if (cmd?.subtype === 'AT_AddConstraint') {
      const constraint = constraintOf(cmd.def);
      out.push({ kind: 'constraint', table, name: constraint?.name, location: constraint?.location ?? -1 });
    }
  }
  return out;
}

export interface CommentFact {
  kind: ObjectKind;
  table?: string;
  name: string;
  comment: string | undefined;
}

const COMMENT_KINDS: Record<string, ObjectKind> = {
  OBJECT_TABLE: 'table',
  OBJECT_COLUMN: 'column',
  OBJECT_INDEX: 'index',
  OBJECT_TABCONSTRAINT: 'constraint',
};

/** `COMMENT ON TABLE/COLUMN/INDEX/CONSTRAINT … IS '…'` (comment undefined for `IS NULL`). */
export function commentFact(kind: string, stmt: SqlNode): CommentFact | undefined {
  if (kind !== 'CommentStmt') return undefined;
  const objectKind = COMMENT_KINDS[String(stmt.objtype)];
  const items = nameParts((stmt.object as { List?: { items?: unknown } } | undefined)?.List?.items);
  if (!objectKind || items.length === 0) return undefined;
  const name = items[items.length - 1];
  const table =
    objectKind === 'column' || objectKind === 'constraint'
      ? items[items.length - 2]
      : objectKind === 'table'
        ? name
        : undefined;
  return { kind: objectKind, table, name, comment: stmt.comment as string | undefined };
}
