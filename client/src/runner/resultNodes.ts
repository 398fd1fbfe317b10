// The Results view's tree: revisions × steps of the last verification, with ✓/✗ and the schema
// differences or Postgres' error of a failure as children. No vscode import (tested with mocha).
import type {
  RevisionVerifyResult,
  VerifyFailure,
  VerifyResult,
  VerifyStepName,
  VerifyStepResult,
} from '../../../server/src/runner/verify';
import { VERIFY_STEPS } from '../../../server/src/runner/verify';
import { summarizeLocks } from '../../../server/src/runner/lockSummary';

export type ResultStatus = 'passed' | 'failed' | 'not run' | 'detail';

export interface ResultNode {
  /** Stable id, unique in the tree. */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  status: ResultStatus;
  children: ResultNode[];
  /** The whole text of a detail row, for the detail panel (the row shows its start). */
  detail?: { title: string; text: string };
  /** Where a click goes: the revision's file and (1-based) line. */
  path?: string;
  line?: number;
}

/** A row's text cut to what fits the sidebar's default width; the rest is in the tooltip and the detail panel. */
export function fitRow(text: string, max = 44): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const MARK: Record<Exclude<ResultStatus, 'detail'>, string> = { passed: '✓', failed: '✗', 'not run': '·' };

/** How the shown result came about: a cancelled run (partial), or a run of an earlier window session. */
export interface ResultOrigin {
  cancelled?: boolean;
  previousSession?: boolean;
}

export function buildResultNodes(result: VerifyResult, origin: ResultOrigin = {}): ResultNode[] {
  return result.revisions.map((revision) => revisionNode(revision, result, origin));
}

/** Every failing revision of the run (all of them with keep-going), falling back to the first failure. */
export function failuresOf(result: VerifyResult): VerifyFailure[] {
  return result.failures ?? (result.failure ? [result.failure] : []);
}

/** One line for the view's message and notifications: how many passed, and every failing revision with its step. */
export function summarizeResult(result: VerifyResult, origin: ResultOrigin = {}): string {
  const passed = result.revisions.filter((r) => r.status === 'passed').length;
  const total = result.revisions.length;
  const seconds = (result.durationMs / 1000).toFixed(1);
  const prefix = `${origin.previousSession ? '(previous session) ' : ''}${origin.cancelled ? 'Cancelled: ' : ''}`;
  if (origin.cancelled) {
    const failed = failuresOf(result);
    const where = failed.length ? `; failed: ${failed.map((f) => `${f.revision} (${f.step})`).join(', ')}` : '';
    return `${prefix}${passed} revision(s) passed before the run was stopped${where} (${seconds} s)`;
  }
  if (result.ok) return `${prefix}✓ ${passed} of ${total} revision(s) round-tripped cleanly in ${seconds} s`;
  const failed = failuresOf(result);
  const where =
    failed.length === 1
      ? `: ${failed[0]?.revision} failed at ${failed[0]?.step}`
      : failed.length
        ? `: ${failed.length} failed: ${failed.map((f) => `${f.revision} (${f.step})`).join(', ')}`
        : '';
  return `${prefix}✗ ${passed} of ${total} revision(s) passed${where} (${seconds} s)`;
}

function revisionNode(revision: RevisionVerifyResult, result: VerifyResult, origin: ResultOrigin): ResultNode {
  const title = (revision.doc.split('\n')[0] ?? '').trim();
  const failure = failuresOf(result).find((f) => f.revision === revision.revision);
  const failureLine = failure?.line;
  const total = revision.steps.reduce((sum, s) => sum + s.durationMs, 0);
  // A failing revision says its step and cause first: with keep-going several rows fail, each for its own reason.
  const cause = failure ? `${failure.step}: ${failure.message}` : undefined;
  const rowCause = failure ? `${failure.step}: ${shortCause(revision, failure)}` : undefined;
  // A revision with some steps but no verdict is the one a partial run was in.
  const started = revision.steps.length > 0;
  const notRun = origin.cancelled
    ? started
      ? 'cancelled during it'
      : 'not run (cancelled)'
    : started
      ? 'running'
      : 'not run';
  const whyNotRun =
    revision.notRunReason ??
    (origin.cancelled
      ? 'the run was cancelled first'
      : result.keepGoing
        ? undefined
        : 'verification stops at the first failure');
  return {
    id: `rev:${revision.revision}`,
    label: `${MARK[revision.status]} ${revision.revision}`,
    description: [rowCause ? fitRow(rowCause) : title, revision.status === 'not run' ? notRun : formatMs(total)]
      .filter(Boolean)
      .join(' · '),
    tooltip: [
      `${revision.revision}: ${revision.status}${revision.status === 'not run' && whyNotRun ? ` (${whyNotRun})` : ''}`,
      title,
      cause,
    ]
      .filter(Boolean)
      .join('\n'),
    status: revision.status,
    children: [
      ...VERIFY_STEPS.map((name) =>
        stepNode(
          revision,
          name,
          revision.steps.find((s) => s.step === name),
        ),
      ),
      ...(revision.locks ? [locksNode(revision)] : []),
    ],
    ...(revision.path ? { path: revision.path } : {}),
    ...(failureLine !== undefined ? { line: failureLine } : {}),
  };
}

/**
 * The cause without what the row already says (the revision, the step): the schema differences when
 * there are some ("index ix_account_email is left behind"), else the error after "failed: ". The
 * whole sentence stays in the tooltip; the row has room for about 44 characters.
 */
function shortCause(revision: RevisionVerifyResult, failure: VerifyFailure): string {
  const differences = revision.steps.find((s) => s.step === failure.step)?.differences;
  if (differences?.length) return differences.map((d) => d.message).join('; ');
  const error = /\bfailed(?: the second time, after its downgrade)?: ([\s\S]+)$/.exec(failure.message);
  return error?.[1] ?? failure.message;
}

function stepNode(
  revision: RevisionVerifyResult,
  name: VerifyStepName,
  step: VerifyStepResult | undefined,
): ResultNode {
  const id = `rev:${revision.revision}/step:${name}`;
  if (!step)
    return { id, label: `${MARK['not run']} ${name}`, description: 'not run', status: 'not run', children: [] };
  const children: ResultNode[] = [];
  const detail = (suffix: string, label: string, tooltip?: string): ResultNode => {
    const text = [label, tooltip].filter(Boolean).join('\n\n');
    return {
      id: `${id}/${suffix}`,
      label: fitRow(label),
      status: 'detail',
      children: [],
      tooltip: text,
      detail: { title: `${revision.revision} · ${name}`, text },
    };
  };
  if (step.differences?.length) {
    step.differences.forEach((d, i) =>
      children.push(
        detail(
          `diff:${i}`,
          d.message,
          [d.expected && `expected: ${d.expected}`, d.actual && `actual: ${d.actual}`].filter(Boolean).join('\n') ||
            undefined,
        ),
      ),
    );
  }
  if (step.error) {
    children.push(detail('error', `${step.error.type}: ${step.error.message}`, step.error.traceback));
    if (step.error.sql)
      children.push(detail('sql', `SQL: ${step.error.sql.replace(/\s+/g, ' ').trim()}`, step.error.sql));
  }
  if (step.status === 'failed' && children.length === 0 && step.message) children.push(detail('message', step.message));
  return {
    id,
    label: `${MARK[step.status]} ${name}`,
    description: `${step.command} · ${formatMs(step.durationMs)}`,
    ...(step.message ? { tooltip: step.message } : {}),
    status: step.status,
    children,
    ...(revision.path ? { path: revision.path } : {}),
  };
}

/**
 * "Locks": what the traced upgrade locked, one child per existing table with its strongest lock (a
 * click goes to the line that took it), then the tables the upgrade created (locking them keeps
 * nobody waiting).
 */
function locksNode(revision: RevisionVerifyResult): ResultNode {
  const id = `rev:${revision.revision}/locks`;
  const tables = summarizeLocks(revision.locks ?? [], revision.rewrites);
  const created = [
    ...new Set((revision.locks ?? []).filter((l) => l.new && l.index === undefined).map((l) => l.table)),
  ];
  const children: ResultNode[] = tables.map((table) => ({
    id: `${id}/${table.table}`,
    label: `${table.table}: ${table.mode}`,
    description: [
      `held ${formatMs(table.heldMs)}`,
      table.line !== null ? `line ${table.line}` : '',
      table.rewritten ? 'rewritten' : '',
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip: (revision.locks ?? [])
      .filter((l) => l.table === table.table && !l.new)
      .map((l) => `${l.index ? `${l.index} (index)` : l.table}: ${l.mode}, held ${formatMs(l.heldMs)} — ${l.statement}`)
      .join('\n'),
    status: 'detail',
    children: [],
    ...(revision.path ? { path: revision.path } : {}),
    ...(table.line !== null ? { line: table.line } : {}),
  }));
  if (created.length)
    children.push({ id: `${id}/new`, label: `new: ${created.join(', ')}`, status: 'detail', children: [] });
  if (revision.traceError)
    children.push({
      id: `${id}/error`,
      label: `trace incomplete: ${revision.traceError}`,
      status: 'detail',
      children: [],
    });
  const strongest = tables.find((t) => t.mode === 'AccessExclusiveLock') ?? tables[0];
  return {
    id,
    label: 'Locks',
    description: tables.length
      ? `${tables.length} existing table(s)${strongest ? ` · strongest ${strongest.mode} on ${strongest.table}` : ''}`
      : 'no existing table locked',
    status: 'detail',
    children,
  };
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
