// PostgreSQL's table lock modes as pg_locks names them, weakest first: the runner's lock summary
// (strongest lock per table) and the language server's traced-lock hover rank them the same way.

/** PostgreSQL's table lock modes, weakest first (each conflicts with at least what the one before does). */
export const LOCK_MODES_BY_STRENGTH = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;

/** A mode's rank in LOCK_MODES_BY_STRENGTH; -1 for a name PostgreSQL does not use for tables. */
export function lockStrength(mode: string): number {
  return (LOCK_MODES_BY_STRENGTH as readonly string[]).indexOf(mode);
}
