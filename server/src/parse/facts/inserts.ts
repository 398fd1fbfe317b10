import type { SqlNode } from '../sql';
import { relationOf, type RelationRef } from '../sqlFacts';

/** The table and columns a data statement writes to: INSERT INTO t (cols) …, COPY t (cols) FROM …. */
export interface WriteTargetFact {
  table: RelationRef;
  /** Columns named explicitly, with their byte locations; empty when the statement lists none. */
  columns: Array<{ name: string; location: number }>;
}

export function writeTargetOf(kind: string, node: SqlNode): WriteTargetFact | undefined {
  if (kind === 'InsertStmt') {
    const table = relationOf(node.relation);
    if (!table) return undefined;
    const columns = ((node.cols as unknown[]) ?? [])
      .map((c) => (c as { ResTarget?: { name?: string; location?: number } }).ResTarget)
      .filter((t): t is { name: string; location?: number } => typeof t?.name === 'string')
      .map((t) => ({ name: t.name, location: t.location ?? -1 }));
    return { table, columns };
  }
  if (kind === 'CopyStmt' && node.is_from === true) {
    const table = relationOf(node.relation);
    if (!table) return undefined;
    // COPY's column list has no locations (-1): callers point at the table instead.
    const columns = ((node.attlist as unknown[]) ?? [])
      .map((c) => (c as { String?: { sval?: string } }).String?.sval)
      .filter((n): n is string => typeof n === 'string')
      .map((name) => ({ name, location: -1 }));
    return { table, columns };
  }
  return undefined;
}
