import type { Operation, SqlStatement } from '../model/migration';

/**
 * The lock an operation (or one SQL statement of it) takes, and whether it rewrites the table, as
 * hover text. The knowledge lives with the rules (server/src/rules/util/locks.ts, written for the
 * lock rules); until that module is in the tree there is no lock line in the hover.
 */
export function describeLock(_op: Operation, _statement: SqlStatement | undefined, _postgresVersion: number): string | undefined {
  return undefined;
}
