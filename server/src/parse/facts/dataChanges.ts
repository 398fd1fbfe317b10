import type { SqlNode } from '../sql';
import { relationOf, walkSql } from '../sqlFacts';

/** Statements that change rows: what they do and to which table (data-modifying CTEs included). */
export interface DataChangeFact {
  verb: 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE' | 'COPY';
  table?: string;
}

const VERBS: Record<string, DataChangeFact['verb']> = {
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
};

export function dataChangeOf(kind: string, stmt: SqlNode): DataChangeFact | undefined {
  const verb = VERBS[kind];
  if (verb) return { verb, table: relationOf(stmt.relation)?.name };
  if (kind === 'CopyStmt') return stmt.is_from ? { verb: 'COPY', table: relationOf(stmt.relation)?.name } : undefined;
  // `WITH moved AS (DELETE … RETURNING *) SELECT …`, `SELECT … FROM (INSERT …)`: the first nested one.
  let nested: DataChangeFact | undefined;
  walkSql(stmt, (type, value) => {
    if (!nested && VERBS[type]) nested = { verb: VERBS[type], table: relationOf(value.relation)?.name };
  });
  return nested;
}
