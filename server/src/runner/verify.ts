// Round-trip verification: for each revision from a start to the head, in graph order, upgrade to
// it and take a snapshot; downgrade to its parent(s) and compare with the parent's snapshot;
// upgrade again and compare with its own. Branches and merges are handled by bringing the database
// to exactly the revision's ancestors before each round trip. With keepGoing, a failure does not
// end the run: the database is rebuilt empty and brought (unchecked) to the next revision's parent.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { Client } from 'pg';
import { newPgClient } from './pgClient';
import { AlembicCommandError, ProjectEnvError, type AlembicHelper } from './alembicHelper';
import { PG_DISK_FULL, saysDiskFull } from './diskFull';
import { RunnerCancelledError } from './errors';
import type { HelperErrorDetail, RevisionInfo, TracedLock } from './helperProtocol';
import { formatMs, silentLog, type RunnerLog } from './log';
import { RevisionGraph } from './revisionGraph';
import { diffSnapshots, takeSnapshot } from './snapshot';
import type { SchemaDifference, SchemaSnapshot } from './snapshotModel';

export type VerifyStepName = 'upgrade' | 'downgrade' | 'upgrade again';
export const VERIFY_STEPS: readonly VerifyStepName[] = ['upgrade', 'downgrade', 'upgrade again'];

export interface VerifyStepResult {
  step: VerifyStepName;
  status: 'passed' | 'failed';
  /** The Alembic command the step ran ("downgrade 1a2b3c4d5e6f"). */
  command: string;
  durationMs: number;
  /** Python's or Postgres' error, with the failing SQL when there was one. */
  error?: HelperErrorDetail;
  /** The schema differences that made the step fail. */
  differences?: SchemaDifference[];
  /** One sentence saying what went wrong. */
  message?: string;
}

export interface RevisionVerifyResult {
  revision: string;
  parents: string[];
  doc: string;
  path: string | null;
  status: 'passed' | 'failed' | 'not run';
  steps: VerifyStepResult[];
  /** Why a revision was not run although the run went on (keepGoing): an ancestor cannot be applied. */
  notRunReason?: string;
  /**
   * The locks the first upgrade's backend held, traced on the scratch database (see TracedLock;
   * entries with `new: true` are on relations the upgrade created). Set once the upgrade passed
   * with tracing on.
   */
  locks?: TracedLock[];
  /** The existing tables that upgrade rewrote (tables it created are not listed: their locks say `new`). */
  rewrites?: string[];
  /** Why the trace is incomplete, when it is. */
  traceError?: string;
  /**
   * SHA-256 (hex) of the revision file's text when it was traced: the trace's lines are lines of
   * that text, so the editor uses the trace only while the file still has it.
   */
  fileSha256?: string;
}

export interface VerifyFailure {
  revision: string;
  step: VerifyStepName;
  message: string;
  path: string | null;
  line?: number;
}

export interface VerifyResult {
  ok: boolean;
  revisions: RevisionVerifyResult[];
  /** The first failure. Without keepGoing verification stops there (the database cannot be trusted past it). */
  failure?: VerifyFailure;
  /** Every failing revision, in the order verified (one entry without keepGoing). Always set by verifyRoundTrips. */
  failures?: VerifyFailure[];
  /** Whether the run went on after failures. */
  keepGoing?: boolean;
  /** The verification server's version (`server_version`, e.g. "15.18"): locks and rewrites differ by version. */
  postgresVersion?: string;
  durationMs: number;
}

export interface VerifyOptions {
  helper: AlembicHelper;
  /** An empty database (see createScratchDatabase) the round trip may do anything to. */
  databaseUrl: string;
  /** First revision to verify (its ancestors are applied without checks); default: the base. */
  from?: string;
  /** Last revision(s); default: all heads. */
  to?: string;
  /** The accepted history (`baseline`): these revisions and their ancestors are applied without checks. */
  after?: readonly string[];
  versionTable?: string;
  /**
   * Go on after a failing revision: rebuild the database (rebuildDatabase, which must leave it
   * empty) and apply, unchecked, the next revision's parent. Every failure is reported.
   */
  keepGoing?: boolean;
  /** Empties the database at databaseUrl (drop and create again); required with keepGoing. */
  rebuildDatabase?: () => Promise<void>;
  signal?: AbortSignal;
  log?: RunnerLog;
  /** Trace the locks of each revision's first upgrade (default: true). */
  traceLocks?: boolean;
  /** Filled with where the run's own time went (snapshots, alembic_version reads, rebuilds), for the budget. */
  timings?: VerifyTimings;
  /** Called after every step, for progress reporting. */
  onStep?: (revision: RevisionInfo, step: VerifyStepResult, index: number, total: number) => void;
}

/** Time verify spent outside the helper's commands, summed over the run (milliseconds). */
export interface VerifyTimings {
  snapshots: number;
  snapshotMs: number;
  versionReads: number;
  versionReadMs: number;
  rebuildMs: number;
}

/** Which revisions `from`..`to` covers, in the order they are verified. */
export function selectRevisions(
  graph: RevisionGraph,
  from?: string,
  to?: string,
  after: readonly string[] = [],
): string[] {
  const targets = graph.resolve(to ?? 'heads');
  const wanted = new Set<string>();
  for (const head of targets) {
    wanted.add(head);
    for (const ancestor of graph.ancestors(head)) wanted.add(ancestor);
  }
  if (from && from !== 'base') {
    const starts = graph.resolve(from);
    const fromOn = new Set<string>(starts);
    for (const start of starts) for (const descendant of graph.descendants(start)) fromOn.add(descendant);
    for (const id of [...wanted]) if (!fromOn.has(id)) wanted.delete(id);
  }
  for (const accepted of after.flatMap((ref) => graph.resolve(ref))) {
    wanted.delete(accepted);
    for (const ancestor of graph.ancestors(accepted)) wanted.delete(ancestor);
  }
  return graph.walkOrder().filter((id) => wanted.has(id));
}

export async function verifyRoundTrips(options: VerifyOptions): Promise<VerifyResult> {
  const began = performance.now();
  const log = options.log ?? silentLog;
  const { helper } = options;
  const history = await helper.history();
  const graph = new RevisionGraph(history.revisions);
  const order = selectRevisions(graph, options.from, options.to, options.after);
  const results: RevisionVerifyResult[] = order.map((id) => {
    const info = graph.get(id);
    return { revision: id, parents: info.downRevisions, doc: info.doc, path: info.path, status: 'not run', steps: [] };
  });

  if (options.keepGoing && !options.rebuildDatabase)
    throw new Error('verifyRoundTrips: keepGoing needs rebuildDatabase (to empty the database after a failure)');
  let connectionError: Error | undefined;
  const connect = async (): Promise<Client> => {
    const fresh = newPgClient({ connectionString: options.databaseUrl });
    // Without a listener, a server that goes away would crash the whole process.
    fresh.on('error', (error) => {
      connectionError = error;
    });
    await fresh.connect();
    return fresh;
  };
  let client = await connect();
  const postgresVersion = await readServerVersion(client);
  const snapshots = new Map<string, SchemaSnapshot>();
  // The table env.py configured (one per history under named sections), known once env.py ran.
  const versionTable = (): string =>
    options.versionTable ?? options.helper.environment?.versionTable ?? 'alembic_version';
  const timings = options.timings;
  const timed = async <T>(work: Promise<T>, add: (ms: number) => void): Promise<T> => {
    if (!timings) return work;
    const start = performance.now();
    try {
      return await work;
    } finally {
      add(performance.now() - start);
    }
  };
  const snapshot = () =>
    timed(
      takeSnapshot(client, { excludeTables: [versionTable()] }).catch((error: Error) => {
        throw new TargetLostError(
          `the database server stopped answering while taking a schema snapshot: ${connectionError?.message ?? error.message}`,
        );
      }),
      (ms) => {
        (timings as VerifyTimings).snapshots++;
        (timings as VerifyTimings).snapshotMs += ms;
      },
    );
  const readVersionTable = (): (() => Promise<string[]>) => {
    const read = versionTableReader(() => client, versionTable);
    return () =>
      timed(read(), (ms) => {
        (timings as VerifyTimings).versionReads++;
        (timings as VerifyTimings).versionReadMs += ms;
      });
  };
  let appliedHeads = readVersionTable();
  const keyOf = (heads: Iterable<string>) => [...heads].sort().join(',') || '(base)';
  const checkCancelled = () => {
    if (options.signal?.aborted) throw new RunnerCancelledError();
  };
  const runStep = async (
    step: VerifyStepName,
    command: string,
    work: () => Promise<void>,
  ): Promise<VerifyStepResult> => {
    const stepBegan = performance.now();
    try {
      await work();
      return { step, status: 'passed', command, durationMs: performance.now() - stepBegan };
    } catch (error) {
      // Crashes, cancellation, a broken env.py: not a verdict on the migration.
      if (!(error instanceof AlembicCommandError) || error instanceof ProjectEnvError) throw error;
      checkCancelled();
      // Neither is a full disk: the same migration passes on a server with room.
      if (error.detail.pgcode === PG_DISK_FULL || saysDiskFull(error.detail.message)) {
        throw new TargetLostError(
          `the database server ran out of disk space during alembic ${command}: ${error.detail.message}`,
        );
      }
      // A failure because the server went away is not the migration's fault.
      await client.query('SELECT 1').catch((lost: Error) => {
        throw new TargetLostError(
          `the database server stopped answering during alembic ${command}: ${connectionError?.message ?? lost.message} ` +
            `(Alembic said: ${error.detail.message})`,
        );
      });
      return { step, status: 'failed', command, durationMs: performance.now() - stepBegan, error: error.detail };
    }
  };

  const failures: VerifyFailure[] = [];
  let rebuildFirst = false;
  const rebuild = async () => {
    await client.end().catch(() => undefined);
    log('keep going: rebuilding the scratch database empty');
    // The helper's kept connections would hold the database open (DROP DATABASE waits for no one
    // before PostgreSQL 13): closed first, kept again afterwards.
    await helper.keepConnections(false);
    await timed((options.rebuildDatabase as () => Promise<void>)(), (ms) => {
      (timings as VerifyTimings).rebuildMs += ms;
    });
    await helper.keepConnections(true);
    client = await connect();
    appliedHeads = readVersionTable();
  };
  try {
    // Three commands a revision: the helper keeps its connection from one to the next.
    await helper.keepConnections(true);
    for (const [index, id] of order.entries()) {
      checkCancelled();
      const result = results[index] as RevisionVerifyResult;
      const info = graph.get(id);
      const ancestors = graph.ancestors(id);
      const parentKey = keyOf(graph.headsOf(ancestors));

      // 1. Bring the database to exactly this revision's ancestors (other branches downgraded);
      // after a failure (keepGoing), from an empty database, applying the ancestors unchecked.
      try {
        if (rebuildFirst) {
          rebuildFirst = false;
          await rebuild();
        }
        const headsBefore = await appliedHeads();
        const moved = await moveToSubsetOf(graph, helper, ancestors, headsBefore, log);
        let applied = graph.closure(moved ? await appliedHeads() : headsBefore);
        if (!snapshots.has(parentKey) || applied.size !== ancestors.size) {
          for (const parent of graph.parents(id)) await helper.upgrade(parent);
          applied = graph.closure(await appliedHeads());
          snapshots.set(parentKey, await snapshot());
        }
      } catch (error) {
        // Only after an earlier failure can an ancestor fail to apply: this one cannot be checked.
        if (!options.keepGoing || failures.length === 0 || !(error instanceof AlembicCommandError)) throw error;
        if (error instanceof ProjectEnvError) throw error;
        result.notRunReason = `its ancestors cannot be applied: ${describeError(error.detail)}`;
        log(`keep going: ${short(id)} not run, ${result.notRunReason}`);
        rebuildFirst = true;
        continue;
      }
      const parentSnapshot = snapshots.get(parentKey) as SchemaSnapshot;

      const record = (step: VerifyStepResult) => {
        result.steps.push(step);
        options.onStep?.(info, step, index, order.length);
        if (step.status === 'failed') {
          result.status = 'failed';
          const line =
            step.error?.line !== undefined && step.error.file === info.path
              ? step.error.line
              : functionLine(info.path, step.step);
          failures.push({
            revision: id,
            step: step.step,
            message: step.message ?? 'failed',
            path: info.path,
            ...(line !== undefined ? { line } : {}),
          });
          // The database is in an unknown state: start the next revision from an empty one.
          rebuildFirst = true;
        }
        return step.status === 'passed';
      };
      const stop = () => !options.keepGoing;

      // 2. Upgrade to it: the reference snapshot of this revision.
      const upgrade = await runStep('upgrade', `upgrade ${id}`, async () => {
        if (options.traceLocks === false) return helper.upgrade(id);
        const fileSha256 = sha256Of(info.path);
        if (fileSha256) result.fileSha256 = fileSha256;
        const trace = await helper.tracedUpgrade(id);
        result.locks = trace.locks;
        result.rewrites = trace.rewrites;
        if (trace.traceError) result.traceError = trace.traceError;
      });
      if (upgrade.error) {
        // Postgres rolls the failed migration back; say whether the database is as it was.
        const after = diffSnapshots(parentSnapshot, await snapshot());
        upgrade.message = `upgrade to ${short(id)} failed: ${describeError(upgrade.error)}${after.length ? `; the database was left changed: ${after.map((d) => d.message).join('; ')}` : ' (the database was rolled back to its parent)'}`;
        if (after.length) upgrade.differences = after;
      }
      if (!record(upgrade)) {
        if (stop()) break;
        continue;
      }
      const ownKey = keyOf(graph.headsOf(new Set([...ancestors, id])));
      const own = await snapshot();
      snapshots.set(ownKey, own);

      // 3. Downgrade to its parent(s): the schema must be the parent's again.
      const downTarget = downgradeTarget(graph, id, ancestors);
      const downgrade = await runStep('downgrade', `downgrade ${downTarget}`, () => helper.downgrade(downTarget));
      if (downgrade.error) {
        downgrade.message = `downgrade of ${short(id)} failed: ${describeError(downgrade.error)}`;
      } else {
        const heads = await appliedHeads();
        const expectedHeads = graph.headsOf(ancestors);
        const differences = diffSnapshots(parentSnapshot, await snapshot());
        if (keyOf(heads) !== keyOf(expectedHeads)) {
          downgrade.status = 'failed';
          downgrade.message = `downgrade of ${short(id)} left alembic_version at ${keyOf(heads)} instead of ${keyOf(expectedHeads)}`;
        } else if (differences.length > 0) {
          downgrade.status = 'failed';
          downgrade.differences = differences;
          downgrade.message =
            `downgrade of ${short(id)} does not restore the schema of ` +
            `${parentKey === '(base)' ? 'the base' : short(parentKey)}: ${differences.map((d) => d.message).join('; ')}`;
        }
      }
      if (!record(downgrade)) {
        if (stop()) break;
        continue;
      }

      // 4. Upgrade again: the same schema as the first time.
      const again = await runStep('upgrade again', `upgrade ${id}`, () => helper.upgrade(id));
      if (again.error) {
        again.message = `upgrade to ${short(id)} failed the second time, after its downgrade: ${describeError(again.error)}`;
      } else {
        const differences = diffSnapshots(own, await snapshot(), {
          extra: 'appears only after the second upgrade',
          missing: 'is missing after the second upgrade',
        });
        if (differences.length > 0) {
          again.status = 'failed';
          again.differences = differences;
          again.message = `upgrading ${short(id)} again after its downgrade gives a different schema: ${differences.map((d) => d.message).join('; ')}`;
        }
      }
      if (!record(again)) {
        if (stop()) break;
        continue;
      }
      result.status = 'passed';
      log(
        `round trip of ${short(id)} passed (${result.steps.map((s) => `${s.step} ${formatMs(s.durationMs)}`).join(', ')})`,
      );
    }
  } catch (error) {
    // Cancelling kills the helper and stops an ephemeral server at once, so whatever fails after
    // it (a snapshot query, a step) fails because of it: say so, not "the server stopped answering".
    if (options.signal?.aborted) throw new RunnerCancelledError();
    throw error;
  } finally {
    await client.end().catch(() => undefined);
    await helper.keepConnections(false).catch(() => undefined);
  }
  const failure = failures[0];
  return {
    ok: failures.length === 0 && results.every((r) => r.status === 'passed'),
    revisions: results,
    ...(failure ? { failure } : {}),
    failures,
    keepGoing: options.keepGoing === true,
    ...(postgresVersion ? { postgresVersion } : {}),
    durationMs: performance.now() - began,
  };
}

/**
 * The server's version as "15.18" (Debian's builds say "15.18 (Debian 15.18-1.pgdg120+1)": the
 * number is kept). Undefined when it cannot be read: the version only labels the result.
 */
export async function readServerVersion(client: Client): Promise<string | undefined> {
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return /^\d+(\.\d+)*/.exec(rows[0]?.server_version ?? '')?.[0];
  } catch {
    return undefined;
  }
}

/** SHA-256 (hex) of a file's bytes; undefined when it cannot be read. */
function sha256Of(file: string | null): string | undefined {
  if (!file) return undefined;
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** The database server went away during the run: a problem of the target, not of a migration. */
export class TargetLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetLostError';
  }
}

/** Line (1-based) of `def upgrade` / `def downgrade` in a revision file, where a diagnostic belongs. */
export function functionLine(file: string | null, step: VerifyStepName): number | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const name = step === 'downgrade' ? 'downgrade' : 'upgrade';
  const index = text.split('\n').findIndex((line) => new RegExp(`^\\s*def ${name}\\s*\\(`).test(line));
  return index >= 0 ? index + 1 : undefined;
}

/**
 * Alembic's `downgrade X` removes every applied revision that descends from X. To take the
 * database back to a subset of `target`, downgrade to the applied ancestor that removes the
 * least; to the base when nothing else works. Says whether it downgraded.
 */
async function moveToSubsetOf(
  graph: RevisionGraph,
  helper: AlembicHelper,
  target: Set<string>,
  heads: string[],
  log: RunnerLog,
): Promise<boolean> {
  const applied = graph.closure(heads);
  if ([...applied].every((r) => target.has(r))) return false;
  let best: { revision: string; keeps: number } | undefined;
  for (const candidate of applied) {
    if (!target.has(candidate)) continue;
    const removed = graph.descendants(candidate);
    const left = [...applied].filter((r) => !removed.has(r));
    if (left.every((r) => target.has(r)) && (!best || left.length > best.keeps))
      best = { revision: candidate, keeps: left.length };
  }
  const destination = best?.revision ?? 'base';
  log(`switching branch: downgrade ${destination} (applied: ${graph.headsOf(applied).join(', ')})`);
  await helper.downgrade(destination);
  return true;
}

/** The downgrade destination that removes exactly `id` from the state "ancestors of id, and id". */
function downgradeTarget(graph: RevisionGraph, id: string, ancestors: Set<string>): string {
  const parents = graph.downRevisions(id);
  if (parents.length === 0) return 'base';
  const applied = new Set([...ancestors, id]);
  for (const parent of parents) {
    const removed = graph.descendants(parent);
    const left = [...applied].filter((r) => !removed.has(r));
    if (left.length === ancestors.size) return parent;
  }
  return parents[0] as string;
}

/**
 * Reads the revisions alembic_version records. Alembic creates the table on the first upgrade and
 * never drops it, so once seen only one query per read is needed.
 */
function versionTableReader(clientOf: () => Client, tableOf: () => string): () => Promise<string[]> {
  let exists = false;
  let table = '';
  let quoted = '';
  return async () => {
    const client = clientOf();
    // The name is known once env.py ran (it may configure its own): a new name is looked up again.
    if (tableOf() !== table) {
      table = tableOf();
      quoted = table
        .split('.')
        .map((part) => `"${part.replace(/"/g, '""')}"`)
        .join('.');
      exists = false;
    }
    if (!exists) {
      const found = await client.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [quoted]);
      if (!found.rows[0]?.oid) return [];
      exists = true;
    }
    const result = await client.query<{ version_num: string }>(`SELECT version_num FROM ${quoted}`);
    return result.rows.map((r) => r.version_num).sort();
  };
}

export function describeError(error: HelperErrorDetail): string {
  const where = error.file && error.line ? ` (${error.file.split('/').pop()}:${error.line})` : '';
  return `${error.type}: ${error.message}${where}${error.sql ? ` — SQL: ${oneLine(error.sql)}` : ''}`;
}

function short(id: string): string {
  return id.length > 12 ? id.slice(0, 12) : id;
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}…` : flat;
}
