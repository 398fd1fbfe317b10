// The locks the last verification traced, kept per revision file, in the editor: the hover on an
// `op.*` call (or on a statement of op.execute) shows what PostgreSQL really locked, and an SW6xx
// finding whose lock prediction the trace saw says "confirmed by trace" (or that the trace
// contradicted it). The client sends them after every finished verification
// (TracedLocksNotification); the language server never runs migrations itself.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { Connection, Diagnostic, Hover } from 'vscode-languageserver';
import { MarkupKind } from 'vscode-languageserver';
import type { MigrationModel, Operation, SqlStatement } from '../model/migration';
import type { Span } from '../model/source';
import {
  TracedLocksNotification,
  type TracedLockInfo,
  type TracedLocksParams,
  type TracedRevisionLocks,
} from '../shared/protocol';
import type { ServerLog } from './log';
import { lockInfo, type LockLevel } from '../rules/util/locks';
import { operationTable, statementTables } from '../rules/util/revisionTables';
import { uriToPath } from './uri';
import { lockStrength } from '../shared/lockModes';

/** `ACCESS EXCLUSIVE` (the rules' and the docs' name) → `AccessExclusiveLock` (pg_locks' name). */
export function pgModeName(level: LockLevel): string {
  return `${level
    .split(' ')
    .map((w) => w[0] + w.slice(1).toLowerCase())
    .join('')}Lock`;
}

/** The rules whose findings predict a lock the trace can confirm or contradict. */
const LOCK_RULES = new Set(['SW601', 'SW602', 'SW603', 'SW604', 'SW605', 'SW609', 'SW610', 'SW611', 'SW612', 'SW613']);

/** A revision's trace with the version of the PostgreSQL it was traced on, when known. */
export interface TracedTrace extends TracedRevisionLocks {
  postgresVersion?: string;
}

interface TracedFile extends TracedTrace {
  /** The file's text the trace's lines are lines of (the text on disk when it arrived, with the hash it was sent with). */
  text: string;
}

export class TracedLocks {
  private readonly byPath = new Map<string, TracedFile>();
  private readonly stamps = new Map<string, number>();
  private received = 0;

  /**
   * Keeps what a verification traced (bad entries are skipped, never thrown on) and returns the
   * files whose trace changed, for their findings to be published again. An entry sent with the
   * hash of the traced text is skipped when the file on disk no longer has it (a trace sent again
   * after a restart or a window reload is older than the file's last save).
   */
  receive(params: unknown, readText: (file: string) => string | undefined = readDisk): string[] {
    const sent = params as Partial<TracedLocksParams> | undefined;
    const revisions = sent?.revisions;
    if (!Array.isArray(revisions)) return [];
    const postgresVersion = typeof sent?.postgresVersion === 'string' ? sent.postgresVersion : undefined;
    const changed: string[] = [];
    this.received++;
    for (const entry of revisions as unknown[]) {
      const valid = validEntry(entry);
      const file = valid ? uriToPath(valid.uri) : undefined;
      const text = file ? readText(file) : undefined;
      if (!valid || !file || text === undefined) continue;
      if (valid.sha256 !== undefined && valid.sha256 !== sha256Of(text)) continue;
      this.byPath.set(file, { ...valid, ...(postgresVersion ? { postgresVersion } : {}), text });
      this.stamps.set(file, this.received);
      changed.push(file);
    }
    return changed;
  }

  /** Takes TracedLocksNotification; `republish` is called for each file whose trace changed. */
  listen(connection: Connection, log: ServerLog, republish: (file: string) => void): void {
    connection.onNotification(TracedLocksNotification, (params) => {
      try {
        const files = this.receive(params);
        const sent = Array.isArray(params?.revisions) ? params.revisions.length : 0;
        const stale =
          sent > files.length ? ` (${sent - files.length} left out: changed since traced, or unreadable)` : '';
        log.info(`Traced locks received for ${files.length} revision file(s)${stale}.`);
        for (const file of files) republish(file);
      } catch (err) {
        log.error('traced locks', err);
      }
    });
  }

  /** Changes whenever the file's trace does: part of the published diagnostics' fingerprint. */
  stamp(file: string | undefined): number {
    return file ? (this.stamps.get(file) ?? 0) : 0;
  }

  /** The trace of a revision, when its lines still are those of the model's text. */
  traceOf(model: MigrationModel): TracedFile | undefined {
    const traced = this.byPath.get(model.path);
    return traced && traced.text === model.lines.text ? traced : undefined;
  }

  /** `hover` with what the trace saw at `offset` added (or a hover of its own). */
  withTrace(
    hover: Hover | undefined,
    model: MigrationModel | undefined,
    offset: number,
    postgresVersion: number,
  ): Hover | undefined {
    const traced = model ? this.traceOf(model) : undefined;
    const markdown = traced && model ? tracedMarkdown(model, traced, offset, postgresVersion) : undefined;
    if (!markdown || !model) return hover;
    if (!hover) return { contents: { kind: MarkupKind.Markdown, value: markdown } };
    const contents = hover.contents as { kind: string; value: string };
    return { ...hover, contents: { kind: MarkupKind.Markdown, value: `${contents.value}\n\n---\n\n${markdown}` } };
  }

  /** Says on each SW6xx diagnostic whether the trace confirmed its lock prediction (a new array). */
  annotate(diagnostics: Diagnostic[], model: MigrationModel | undefined, postgresVersion: number): Diagnostic[] {
    const traced = model ? this.traceOf(model) : undefined;
    if (!traced || !model || traced.traceError) return diagnostics;
    return diagnostics.map((d) => {
      if (typeof d.code !== 'string' || !LOCK_RULES.has(d.code)) return d;
      const verdict = verdictOf(d.code, model, traced, model.lines.offsetAt(d.range.start), postgresVersion);
      return verdict ? { ...d, message: `${d.message} — ${verdict}` } : d;
    });
  }
}

/** SHA-256 (hex) of a text's UTF-8 bytes: the runner hashes the file's bytes. */
export function sha256Of(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function readDisk(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function validEntry(entry: unknown): TracedRevisionLocks | undefined {
  const e = entry as Partial<TracedRevisionLocks> | undefined;
  if (!e || typeof e.uri !== 'string' || typeof e.revision !== 'string' || !Array.isArray(e.locks)) return undefined;
  const locks = e.locks.filter(
    (l): l is TracedLockInfo =>
      !!l &&
      typeof l.table === 'string' &&
      typeof l.mode === 'string' &&
      typeof l.heldMs === 'number' &&
      (l.line === null || typeof l.line === 'number'),
  );
  const rewrites = Array.isArray(e.rewrites) ? e.rewrites.filter((t): t is string => typeof t === 'string') : [];
  return {
    uri: e.uri,
    revision: e.revision,
    locks,
    rewrites,
    ...(typeof e.traceError === 'string' ? { traceError: e.traceError } : {}),
    ...(typeof e.sha256 === 'string' ? { sha256: e.sha256 } : {}),
  };
}

const lineOf = (model: MigrationModel, offset: number): number => model.lines.positionAt(offset).line + 1;

/** The 1-based lines of a span. */
function linesOf(model: MigrationModel, span: Span): { first: number; last: number } {
  return { first: lineOf(model, span.start), last: lineOf(model, span.end) };
}

/**
 * The upgrade operation that issued a statement at a traced line: the innermost `op.*` call whose
 * lines hold it (the tracer records the innermost frame of the revision file, so a call in a helper
 * function is found at its own line, not at the helper's call).
 */
export function operationAtLine(model: MigrationModel, line: number): Operation | undefined {
  let best: Operation | undefined;
  for (const op of model.operations) {
    if (op.section !== 'upgrade') continue;
    const { first, last } = linesOf(model, op.call.span);
    if (line < first || line > last) continue;
    if (!best || op.call.span.end - op.call.span.start < best.call.span.end - best.call.span.start) best = op;
  }
  return best;
}

/** The traced locks an upgrade operation took first (a lock already held is noted where it was taken). */
export function locksOfOperation(model: MigrationModel, traced: TracedRevisionLocks, op: Operation): TracedLockInfo[] {
  const sameCall = (other: Operation | undefined): boolean =>
    other !== undefined && other.call.span.start === op.call.span.start && other.call.span.end === op.call.span.end;
  // A call unrolled from a loop is one operation per value, all at the call's own span.
  return traced.locks.filter((l) => l.line !== null && sameCall(operationAtLine(model, l.line)));
}

function innermostOperation(model: MigrationModel, offset: number): Operation | undefined {
  let best: Operation | undefined;
  for (const op of model.operations) {
    if (op.call.span.start > offset || offset > op.call.span.end) continue;
    if (!best || op.call.span.end - op.call.span.start < best.call.span.end - best.call.span.start) best = op;
  }
  return best;
}

const folded = (sql: string): string => sql.replace(/\s+/g, ' ').trim().toLowerCase();

/** The locks of one statement of op.execute: the trace keeps each statement's text. */
function locksOfStatement(locks: TracedLockInfo[], statement: SqlStatement | undefined): TracedLockInfo[] {
  if (!statement) return locks;
  const text = folded(statement.text).replace(/;$/, '');
  const own = locks.filter((l) => {
    const traced = folded(l.statement);
    return traced.includes(text.slice(0, 120)) || text.includes(traced.slice(0, 120));
  });
  return own.length ? own : locks;
}

export function formatHeld(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** The table a call or statement predicts a lock on, when it names one. */
function predictedTable(op: Operation, statement: SqlStatement | undefined): string | undefined {
  if (statement) return statementTables(statement)[0];
  return operationTable(op) ?? op.batchTable;
}

function predictsRewrite(model: MigrationModel, table: string, postgresVersion: number): boolean {
  return model.operations.some(
    (op) =>
      op.section === 'upgrade' &&
      (op.sql?.statements.length
        ? op.sql.statements.some(
            (s) => statementTables(s).includes(table) && lockInfo(s, postgresVersion)?.rewrites === true,
          )
        : operationTable(op) === table && lockInfo(op, postgresVersion)?.rewrites === true),
  );
}

/**
 * One line per relation: `traced: AccessExclusiveLock on account, held 1.2 s, table rewritten`.
 * A table is said rewritten at the call that predicts the rewrite, else at the call that took its
 * ACCESS EXCLUSIVE lock (the trace knows a table was rewritten, not by which statement).
 */
export function describeLocks(
  model: MigrationModel,
  traced: TracedRevisionLocks,
  locks: TracedLockInfo[],
  op: Operation,
  postgresVersion: number,
): string[] {
  const strongest = new Map<string, TracedLockInfo>();
  for (const lock of locks) {
    const key = lock.index ? `${lock.table}\u0000${lock.index}` : lock.table;
    const had = strongest.get(key);
    if (!had || lockStrength(lock.mode) > lockStrength(had.mode)) strongest.set(key, lock);
  }
  return [...strongest.values()].map((lock) => {
    const on = lock.index ? `index ${lock.index} of ${lock.table}` : lock.table;
    const rewritten =
      !lock.index &&
      traced.rewrites.includes(lock.table) &&
      (predictsRewrite(model, lock.table, postgresVersion)
        ? op.sql?.statements.length
          ? op.sql.statements.some((s) => lockInfo(s, postgresVersion)?.rewrites)
          : lockInfo(op, postgresVersion)?.rewrites === true
        : lock.mode === 'AccessExclusiveLock');
    return `traced: ${lock.mode} on ${on}, held ${formatHeld(lock.heldMs)}${rewritten ? ', table rewritten' : ''}${lock.new ? ' (created by this upgrade: nobody waits)' : ''}`;
  });
}

function tracedMarkdown(
  model: MigrationModel,
  traced: TracedTrace,
  offset: number,
  postgresVersion: number,
): string | undefined {
  const op = innermostOperation(model, offset);
  if (!op || op.section !== 'upgrade') return undefined;
  const statement = op.sql?.statements.find((s) => s.span.start <= offset && offset <= s.span.end);
  const locks = locksOfStatement(locksOfOperation(model, traced, op), statement);
  const on = traced.postgresVersion ? ` on PostgreSQL ${traced.postgresVersion}` : '';
  const header = `**Traced** by the last verification (revision ${traced.revision}, first upgrade${on}):`;
  if (locks.length)
    return [header, '', ...describeLocks(model, traced, locks, op, postgresVersion).map((l) => `- ${l}`)].join('\n');
  const table = predictedTable(op, statement);
  const earlier = table ? heldEarlier(model, traced, table, op) : undefined;
  const line = earlier
    ? `traced: no new lock here — ${earlier.mode} on ${earlier.table} already held since line ${earlier.line}`
    : 'traced: no lock on a table by this call';
  return [
    header,
    '',
    `- ${line}`,
    ...(traced.traceError ? ['', `(the trace is incomplete: ${traced.traceError})`] : []),
  ].join('\n');
}

/** The strongest lock on `table` taken at an earlier line of the upgrade (held until it ends). */
function heldEarlier(
  model: MigrationModel,
  traced: TracedRevisionLocks,
  table: string,
  op: Operation,
): TracedLockInfo | undefined {
  const start = lineOf(model, op.call.span.start);
  let best: TracedLockInfo | undefined;
  for (const l of traced.locks)
    if (
      l.table === table &&
      !l.index &&
      l.line !== null &&
      l.line < start &&
      (!best || lockStrength(l.mode) > lockStrength(best.mode))
    )
      best = l;
  return best;
}

/**
 * Whether the trace confirmed what a finding predicts at `offset`: the lock the call or statement
 * takes (SW604: the rewrite; SW605: an ACCESS EXCLUSIVE lock taken earlier and still held).
 * Undefined when the trace cannot tell. The verdict names the PostgreSQL version it was traced on
 * when the trace says it ("contradicted by trace on PostgreSQL 15.18: …"): locks and rewrites
 * change between versions, and the project's configured version may not be the one verified on.
 */
export function verdictOf(
  ruleId: string,
  model: MigrationModel,
  traced: TracedTrace,
  offset: number,
  postgresVersion: number,
): string | undefined {
  const version = traced.postgresVersion ? ` on PostgreSQL ${traced.postgresVersion}` : '';
  const confirmed = `confirmed by trace${version}:`;
  const contradicted = `contradicted by trace${version}:`;
  const op = innermostOperation(model, offset);
  if (!op || op.section !== 'upgrade') return undefined;
  const statement = op.sql?.statements.find((s) => s.span.start <= offset && offset <= s.span.end);
  if (ruleId === 'SW605') {
    const start = lineOf(model, op.call.span.start);
    const held = traced.locks.find(
      (l) => l.mode === 'AccessExclusiveLock' && !l.new && !l.index && l.line !== null && l.line < start,
    );
    return held
      ? `${confirmed} ${held.mode} on ${held.table} taken at line ${held.line}, held ${formatHeld(held.heldMs)} (through this statement)`
      : `${contradicted} no ACCESS EXCLUSIVE lock on an existing table was held before this statement`;
  }
  const predicted = lockInfo(statement ?? op, postgresVersion);
  if (!predicted?.lock) return undefined;
  const table = predictedTable(op, statement);
  const own = locksOfStatement(locksOfOperation(model, traced, op), statement).filter(
    (l) => !l.new && (!table || l.table === table),
  );
  const onTable = own.filter((l) => !l.index);
  const observed = (onTable.length ? onTable : own).sort((a, b) => lockStrength(b.mode) - lockStrength(a.mode))[0];
  const earlier = !observed && table ? heldEarlier(model, traced, table, op) : undefined;
  const seen = observed ?? earlier;
  if (ruleId === 'SW604' && table) {
    return traced.rewrites.includes(table)
      ? `${confirmed} ${table} was rewritten${seen ? ` (${seen.mode}, held ${formatHeld(seen.heldMs)})` : ''}`
      : `${contradicted} ${table} was not rewritten on the verification database`;
  }
  const want = pgModeName(predicted.lock);
  if (!seen) {
    if (!table) return undefined; // the trace cannot say which table to look at
    return `${contradicted} no lock on ${table} was seen here (predicted ${want})`;
  }
  const where = seen === earlier ? `, already held since line ${seen.line}` : '';
  const on = seen.index ? `index ${seen.index} of ${seen.table}` : seen.table;
  return lockStrength(seen.mode) >= lockStrength(want)
    ? `${confirmed} ${seen.mode} on ${on}, held ${formatHeld(seen.heldMs)}${where}`
    : `${contradicted} only ${seen.mode} on ${on} (predicted ${want})`;
}
