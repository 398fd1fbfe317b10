// The one-line-per-table view of a traced upgrade (verify's text output, the sidebar): for each
// table that existed before the upgrade, the strongest lock it held. Tables the upgrade created are
// left out: locking them keeps nobody waiting.
import type { TracedLock } from './helperProtocol';
import { lockStrength } from '../shared/lockModes';
import { formatMs } from './log';

// Ranked in shared/ because the language server's traced-lock hover ranks them too.
export { LOCK_MODES_BY_STRENGTH, lockStrength } from '../shared/lockModes';

export interface TableLockSummary {
  table: string;
  /** The strongest lock the table itself (not one of its indexes) held. */
  mode: string;
  /** The revision line that took it. */
  line: number | null;
  heldMs: number;
  rewritten: boolean;
}

/** One entry per existing table, in the order the tables were first locked. */
export function summarizeLocks(locks: readonly TracedLock[], rewrites: readonly string[] = []): TableLockSummary[] {
  const byTable = new Map<string, TracedLock>();
  for (const lock of locks) {
    if (lock.new || lock.index !== undefined) continue;
    const known = byTable.get(lock.table);
    if (!known || lockStrength(lock.mode) > lockStrength(known.mode)) byTable.set(lock.table, lock);
  }
  return [...byTable.values()].map((lock) => ({
    table: lock.table,
    mode: lock.mode,
    line: lock.line,
    heldMs: lock.heldMs,
    rewritten: rewrites.includes(lock.table),
  }));
}

/** "account: AccessExclusiveLock, held 1.2 s (line 14), table rewritten" */
export function describeTableLock(summary: TableLockSummary): string {
  const line = summary.line !== null ? ` (line ${summary.line})` : '';
  return `${summary.table}: ${summary.mode}, held ${formatMs(summary.heldMs)}${line}${summary.rewritten ? ', table rewritten' : ''}`;
}
