import type { MigrationModel, Operation } from '../model/migration';
import type { Span } from '../model/source';
import { timeoutSettingOf } from '../parse/facts/locking';
import { revisionTables, upgradeOperations } from './util/revisionTables';
import { existingTableLocks, type ExistingTableLock } from './util/tableLocks';
import { commentBlockAbove, lineBreakOf } from './util/pythonEdits';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW603',
    name: 'lock-timeout',
    severity: 'info',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'A revision that locks existing tables sets `lock_timeout` first.',
      whatItDoes:
        'Reports a revision whose upgrade alters, drops, renames, indexes or constrains a table it ' +
        'did not create itself (Alembic operations, also in batch mode and helpers, and SQL) ' +
        "without a `SET lock_timeout` / `SET LOCAL lock_timeout` (or `set_config('lock_timeout', " +
        '…)`) anywhere in the upgrade. Also the statements that lock existing tables without ' +
        'altering them: `DROP INDEX` (not CONCURRENTLY), `REINDEX` (not CONCURRENTLY), `VACUUM ' +
        'FULL`, `CLUSTER`, and `ALTER DOMAIN … ADD CONSTRAINT` (without NOT VALID) / `SET NOT NULL` ' +
        '/ `VALIDATE CONSTRAINT`, which lock every table using the domain. Where a statement of the ' +
        'revision reads a whole existing table while holding its lock, it asks for ' +
        '`statement_timeout` beside `lock_timeout`; those statements are: `CREATE INDEX` (not ' +
        'CONCURRENTLY); `ADD` a foreign key or CHECK without NOT VALID; `ADD` UNIQUE, PRIMARY KEY ' +
        'or EXCLUDE (not `USING INDEX`); `VALIDATE CONSTRAINT`; `SET NOT NULL` ' +
        '(`alter_column(nullable=False)`); a column added or retyped with a table rewrite (SW604); ' +
        '`REINDEX`; `VACUUM FULL`; `CLUSTER`; and the three ALTER DOMAIN forms above. A revision ' +
        'that sets `lock_timeout` but not `statement_timeout` and runs such a statement is reported ' +
        'on that statement. One finding per revision.',
      whyBad:
        'Even a brief ALTER TABLE needs an ACCESS EXCLUSIVE lock. If a long query holds a ' +
        'conflicting lock, the ALTER waits — and every query that arrives after it queues behind ' +
        'the ALTER: the table is unavailable until the long query ends. With `lock_timeout` the ' +
        'migration gives up after a few seconds instead (and can be retried), and the application ' +
        'never stalls. `lock_timeout` bounds only the wait for the lock: once a scan has it (an ' +
        'index build, a validation, a rewrite), nothing but `statement_timeout` bounds how long ' +
        'everyone else waits behind it.',
      bad: 'def upgrade():\n    op.add_column("invoice", sa.Column("note", sa.Text(), nullable=True, comment="free-text note"))',
      good:
        'def upgrade():\n    op.execute("SET lock_timeout = \'5s\'")\n    op.add_column("invoice", ' +
        'sa.Column("note", sa.Text(), nullable=True, comment="free-text note"))',
      howToFix:
        'Start the upgrade with `op.execute("SET lock_timeout = \'5s\'")` (choose the value your ' +
        'application tolerates). The quick fix inserts that line. Or set it once for every ' +
        'migration in `env.py`.',
      fixSafety: 'unsafe',
      notes:
        'A revision whose only locking operations are `CONCURRENTLY` index builds or drops inside ' +
        '`autocommit_block()` is not reported: their SHARE UPDATE EXCLUSIVE lock does not block ' +
        'reads or writes. The rule is satisfied for the whole project when `env.py` sets ' +
        '`lock_timeout` (read statically, never run): a `SET lock_timeout` it executes, ' +
        "`set_config('lock_timeout', …)`, or `-c lock_timeout=…` in the `options` of its connect " +
        'args. `SET LOCAL` lasts until the end of the transaction (Alembic runs a migration in ' +
        'one), a plain `SET` until the end of the connection; both count. Statements inside ' +
        '`autocommit_block()` run outside that transaction, so prefer plain `SET` there. When ' +
        '`env.py` sets `lock_timeout`, the rule asks nothing of any revision, `statement_timeout` ' +
        'included (the project configures its timeouts in one place); a `statement_timeout` set in ' +
        "`env.py` counts for every revision. The quick fix's `statement_timeout` is `15min`: set it " +
        'above the longest scan you expect on production, so that a runaway scan ends instead of ' +
        'blocking the table for an unbounded time. A plain `DROP INDEX` of an index the history ' +
        "does not know is reported for the index's (unknown) table; one created by the same " +
        'revision is not.',
    },
  },
  check({ migration, project, config, report }) {
    const env = project.alembic?.env;
    // env.py sets lock_timeout for every migration: the project configures its timeouts in one
    // place, and the rule asks nothing of each revision (statement_timeout included).
    if (env?.setsLockTimeout) return;
    const tables = revisionTables(project, migration);
    const ops = upgradeOperations(migration);
    const sets = (setting: 'lock_timeout' | 'statement_timeout'): boolean =>
      ops.some((op) =>
        (op.sql?.statements ?? []).some((s) => timeoutSettingOf(s.kind, s.parsed.node)?.setting === setting),
      );
    const setsLock = sets('lock_timeout');
    const setsStatement = env?.setsStatementTimeout === true || sets('statement_timeout');
    if (setsLock && setsStatement) return;
    const locks = ops.flatMap((op) =>
      existingTableLocks(migration, op, tables, config.postgresVersion).map((lock) => ({ op, lock })),
    );
    const first = locks[0];
    if (!first) return;
    // A statement that reads a whole table under its lock, and nothing bounds how long it runs.
    const scan = setsStatement ? undefined : locks.find((l) => l.lock.scansWholeTable);
    const scanLine = (at: ExistingTableLock): number => migration.lines.positionAt(at.span.start).line + 1;
    if (!setsLock) {
      const fix = insertTimeoutFix(migration, first.op, scan !== undefined);
      report({
        message:
          `This revision locks ${first.lock.target} (${first.lock.what}) without a lock_timeout: if a ` +
          `long query holds the table, the migration waits and every later query queues behind it.${scan ? (scan === first ? ' It also reads the whole table while holding its lock, and no statement_timeout bounds it.' : ` ${scan.lock.what} (line ${scanLine(scan.lock)}) also reads the whole of ${scan.lock.target} while holding its lock, and no statement_timeout bounds it.`) : ''}`,
        help: scan
          ? `Start the upgrade with op.execute("SET lock_timeout = '5s'") and op.execute("SET ` +
            `statement_timeout = '${STATEMENT_TIMEOUT}'") (a limit above the scan's time on ` +
            `production), or set both for every migration in env.py.`
          : `Start the upgrade with op.execute("SET lock_timeout = '5s'"), or set lock_timeout for every migration in env.py.`,
        span: first.lock.span,
        fixes: fix ? [fix] : [],
      });
      return;
    }
    if (!scan) return;
    const fix = insertTimeoutFix(migration, scan.op, true, false);
    report({
      message:
        `${scan.lock.what} reads the whole of ${scan.lock.target} while holding its lock, and no ` +
        `statement_timeout bounds it: lock_timeout only limits the wait for the lock, not how long ` +
        `the scan keeps everyone else waiting.`,
      help:
        `Add op.execute("SET statement_timeout = '${STATEMENT_TIMEOUT}'") at the start of the ` +
        `upgrade (a limit above the scan's time on production), or set it for every migration in ` +
        `env.py.`,
      span: scan.lock.span,
      fixes: fix ? [fix] : [],
    });
  },
});

/** The quick fix's statement_timeout: long enough for a real scan, short enough to end a runaway one. */
const STATEMENT_TIMEOUT = '15min';

/**
 * `SET lock_timeout` as the upgrade's first statement: above the comment lines directly over the
 * current first statement, which belong to that statement (a `# rationale:` among them must stay
 * right above it).
 */
function insertTimeoutFix(
  migration: MigrationModel,
  op: Operation,
  statementTimeout: boolean,
  lockTimeout = true,
): { title: string; edits: Array<{ span: Span; newText: string }>; safe: boolean } | undefined {
  const body = migration.upgrade?.bodySpan;
  if (!body) return undefined;
  const { source, lines } = migration;
  const indent = migration.upgrade?.bodyIndent ?? '    ';
  const eol = lineBreakOf(source);
  const receiver = op.isAlembicOp && op.batchTable === undefined && op.call.receiver ? op.call.receiver : 'op';
  const settings = [
    ...(lockTimeout ? [`${receiver}.execute("SET lock_timeout = '5s'")`] : []),
    ...(statementTimeout ? [`${receiver}.execute("SET statement_timeout = '${STATEMENT_TIMEOUT}'")`] : []),
  ];
  const bodyLine = lines.positionAt(body.start).line;
  const ownLine = source.slice(lines.lineStart(bodyLine), body.start).trim() === '';
  const title = `Set ${[lockTimeout && 'lock_timeout', statementTimeout && 'statement_timeout'].filter(Boolean).join(' and ')} at the start of the upgrade`;
  if (!ownLine)
    // `def upgrade(): op.…` on one line: before the statement, on that line.
    return {
      title,
      edits: [{ span: { start: body.start, end: body.start }, newText: settings.map((s) => `${s}; `).join('') }],
      safe: false,
    };
  const at = lines.lineStart(commentBlockAbove(migration, body.start)[0]?.line ?? bodyLine);
  return {
    title,
    edits: [{ span: { start: at, end: at }, newText: settings.map((s) => `${indent}${s}${eol}`).join('') }],
    safe: false,
  };
}
