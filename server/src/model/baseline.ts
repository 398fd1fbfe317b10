import type { ProjectModel } from './project';
import type { RevisionGraph } from './graph';
import { ObjectMemo } from './objectMemo';

/**
 * The accepted history (`baseline` in the team configuration, as strong_migrations'
 * `start_after`): the named revisions and everything they build on. Their own findings are not
 * reported, but they still build the schema that newer revisions are checked against.
 */
export interface AcceptedHistory {
  /** The configured ids as found in this project's graph (a unique prefix resolved to the full id). */
  ids: string[];
  /** Revision ids of the accepted history. */
  revisions: ReadonlySet<string>;
  /** Their files. */
  paths: ReadonlySet<string>;
  /** Configured ids this project does not have (another project of the repository may). */
  unknown: string[];
}

const NONE: AcceptedHistory = { ids: [], revisions: new Set(), paths: new Set(), unknown: [] };
const memo = new ObjectMemo<RevisionGraph, { baseline: readonly string[]; accepted: AcceptedHistory }>('memo');

/** The project's accepted history; memoised per revision graph (the editor makes one per edit of an id). */
export function acceptedHistory(project: ProjectModel): AcceptedHistory {
  const baseline = project.config.baseline;
  if (!baseline || baseline.length === 0) return NONE;
  const known = memo.get(project.graph);
  if (known && known.baseline === baseline) return known.accepted;
  const accepted = computeAccepted(project.graph, baseline);
  memo.set(project.graph, { baseline, accepted });
  return accepted;
}

function computeAccepted(graph: RevisionGraph, baseline: readonly string[]): AcceptedHistory {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const given of baseline) {
    const id = resolveRevision(graph, given);
    if (id) ids.push(id);
    else unknown.push(given);
  }
  const revisions = new Set<string>();
  const stack = [...ids];
  while (stack.length) {
    const id = stack.pop() as string;
    if (revisions.has(id)) continue;
    const node = graph.nodes.get(id);
    if (!node) continue;
    revisions.add(id);
    // `alembic upgrade <id>` also applies what it depends on: that is accepted history too.
    stack.push(...node.parents, ...node.dependsOn);
  }
  const paths = new Set([...revisions].map((id) => graph.nodes.get(id)?.path as string));
  return { ids, revisions, paths, unknown };
}

/** A full id, or a unique prefix of one (Alembic accepts both). */
function resolveRevision(graph: RevisionGraph, given: string): string | undefined {
  if (graph.nodes.has(given)) return given;
  const matches = [...graph.nodes.keys()].filter((id) => id.startsWith(given));
  return matches.length === 1 ? matches[0] : undefined;
}

/** Whether a file belongs to the accepted history. */
export function isAccepted(project: ProjectModel, file: string): boolean {
  return acceptedHistory(project).paths.has(file);
}
