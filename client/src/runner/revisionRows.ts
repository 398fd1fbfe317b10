// The Revisions view's rows, built from the helper's `history` and the target's alembic_version.
// No vscode import: the tree's content is tested with plain mocha (test/runner-ui).
import type { HistoryResult, RevisionInfo } from '../../../server/src/runner/helperProtocol';
import { RevisionGraph } from '../../../server/src/runner/revisionGraph';

/**
 * Where a revision stands on the Database view's target: `current` (recorded in alembic_version),
 * `applied` (an ancestor of a current one), `pending`, or `unknown` when no database is running.
 */
export type AppliedState = 'current' | 'applied' | 'pending' | 'unknown';

export interface RevisionRow {
  revision: string;
  /** Down revisions (what a downgrade of this revision goes back to). */
  parents: string[];
  /** First line of the docstring (the `-m` message). */
  title: string;
  path: string | null;
  state: AppliedState;
  isHead: boolean;
  isBase: boolean;
  isMerge: boolean;
  isBranchPoint: boolean;
  branchLabels: string[];
  /** The tree item's label, description and tooltip. */
  label: string;
  description: string;
  tooltip: string;
  /** `revision.<state>`: the view's context menus match /^revision/. */
  contextValue: string;
}

const STATE_WORDS: Record<AppliedState, string> = {
  current: 'current',
  applied: 'applied',
  pending: 'pending',
  unknown: '',
};

/**
 * One row per revision, heads first (the order of `alembic history`), each branch kept together:
 * the reverse of the walk order the round trip uses.
 */
export function buildRevisionRows(history: HistoryResult, current: readonly string[] | undefined): RevisionRow[] {
  const graph = new RevisionGraph(history.revisions);
  const currentSet = new Set(current ?? []);
  const applied = current ? graph.closure(currentSet) : new Set<string>();
  const heads = new Set(history.heads.length > 0 ? history.heads : graph.heads());
  return graph
    .walkOrder()
    .reverse()
    .map((id) => {
      const info = graph.get(id);
      const state: AppliedState =
        current === undefined ? 'unknown' : currentSet.has(id) ? 'current' : applied.has(id) ? 'applied' : 'pending';
      return row(info, state, heads.has(id));
    });
}

function row(info: RevisionInfo, state: AppliedState, isHead: boolean): RevisionRow {
  const title = (info.doc.split('\n')[0] ?? '').trim();
  const marks = [
    isHead ? 'head' : '',
    info.isBase ? 'base' : '',
    info.isMerge ? `merge of ${info.downRevisions.join(' + ')}` : '',
    info.isBranchPoint ? 'branch point' : '',
    ...info.branchLabels.map((label) => `@${label}`),
    STATE_WORDS[state],
  ].filter((m) => m !== '');
  const description = [title, marks.length ? `(${marks.join(', ')})` : ''].filter(Boolean).join(' ');
  const parents = info.downRevisions.length ? info.downRevisions.join(', ') : 'base';
  const tooltip = [
    `${info.revision}: ${title || '(no message)'}`,
    `revises ${parents}`,
    state === 'unknown' ? 'applied state unknown: start the database' : `${state} on the database`,
    info.path ?? '',
  ]
    .filter(Boolean)
    .join('\n');
  return {
    revision: info.revision,
    parents: info.downRevisions,
    title,
    path: info.path,
    state,
    isHead,
    isBase: info.isBase,
    isMerge: info.isMerge,
    isBranchPoint: info.isBranchPoint,
    branchLabels: info.branchLabels,
    label: info.revision,
    description,
    tooltip,
    contextValue: `revision.${state}`,
  };
}

/**
 * The ranges `--sql` needs to print one revision's own SQL: from its parent to it (upgrade), and
 * back (downgrade). A root goes from the base; a merge has no single parent, so its upgrade SQL is
 * printed from the base and says so.
 */
export function sqlRanges(row: Pick<RevisionRow, 'revision' | 'parents'>): {
  upgrade: string;
  downgrade: string;
  fromBase: boolean;
} {
  if (row.parents.length === 1) {
    const parent = row.parents[0] as string;
    return { upgrade: `${parent}:${row.revision}`, downgrade: `${row.revision}:${parent}`, fromBase: false };
  }
  if (row.parents.length === 0) return { upgrade: row.revision, downgrade: `${row.revision}:base`, fromBase: false };
  return { upgrade: row.revision, downgrade: `${row.revision}:${row.parents[0]}`, fromBase: true };
}
