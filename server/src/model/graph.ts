import type { MigrationModel } from './migration';

export interface RevisionNode {
  id: string;
  path: string;
  parents: string[];
  children: string[];
  branchLabels: string[];
  dependsOn: string[];
  migration: MigrationModel;
}

export type GraphProblem =
  | { kind: 'multiple-heads'; heads: string[] }
  | { kind: 'unknown-parent'; revision: string; parent: string }
  | { kind: 'unknown-dependency'; revision: string; dependency: string }
  | { kind: 'duplicate-id'; revision: string; paths: string[] }
  | { kind: 'cycle'; revisions: string[] }
  | { kind: 'missing-id'; path: string };

export interface RevisionGraph {
  nodes: ReadonlyMap<string, RevisionNode>;
  roots: string[];
  heads: string[];
  /** Base → head, parents before children (for the replayed schema and verification). */
  order: string[];
  problems: GraphProblem[];
}

/** Builds Alembic's revision graph from the revisions' own `revision`/`down_revision` lines. */
export function buildRevisionGraph(migrations: readonly MigrationModel[]): RevisionGraph {
  const nodes = new Map<string, RevisionNode>();
  const problems: GraphProblem[] = [];
  const paths = new Map<string, string[]>();
  for (const m of migrations) {
    if (!m.isRevision) continue;
    if (!m.revision) {
      problems.push({ kind: 'missing-id', path: m.path });
      continue;
    }
    paths.set(m.revision, [...(paths.get(m.revision) ?? []), m.path]);
    if (nodes.has(m.revision)) continue;
    const parents = m.downRevision == null ? [] : Array.isArray(m.downRevision) ? m.downRevision : [m.downRevision];
    nodes.set(m.revision, {
      id: m.revision,
      path: m.path,
      parents,
      children: [],
      branchLabels: m.branchLabels,
      dependsOn: m.dependsOn,
      migration: m,
    });
  }
  for (const [revision, where] of paths)
    if (where.length > 1) problems.push({ kind: 'duplicate-id', revision, paths: where });
  const labels = new Set([...nodes.values()].flatMap((n) => n.branchLabels));
  for (const node of nodes.values()) {
    for (const parent of node.parents) {
      const target = nodes.get(parent);
      if (target) target.children.push(node.id);
      else problems.push({ kind: 'unknown-parent', revision: node.id, parent });
    }
    for (const dependency of node.dependsOn) {
      if (!nodes.has(dependency) && !labels.has(dependency) && !resolvesByPrefix(nodes, dependency))
        problems.push({ kind: 'unknown-dependency', revision: node.id, dependency });
    }
  }
  const roots = [...nodes.values()].filter((n) => n.parents.length === 0).map((n) => n.id);
  const heads = [...nodes.values()].filter((n) => n.children.length === 0).map((n) => n.id);
  // Separate histories with their own branch labels are meant to have one head each.
  // A head cut off by an unknown parent is already reported as such; counting it again is noise.
  const dangling = new Set(
    problems.filter((p) => p.kind === 'unknown-parent').map((p) => (p as { revision: string }).revision),
  );
  const unlabelledHeads = heads.filter(
    (h) =>
      !hasOnPath(
        nodes,
        h,
        (n) => n.branchLabels.length > 0 || n.migration.unresolvedBranchLabels === true || dangling.has(n.id),
      ),
  );
  if (heads.length > 1 && unlabelledHeads.length > 1) problems.push({ kind: 'multiple-heads', heads: unlabelledHeads });

  const order = topologicalOrder(nodes);
  if (order.length < nodes.size) {
    const inCycle = [...nodes.keys()].filter((id) => !order.includes(id));
    problems.push({ kind: 'cycle', revisions: inCycle });
  }
  return { nodes, roots, heads, order, problems };
}

function resolvesByPrefix(nodes: Map<string, RevisionNode>, id: string): boolean {
  if (id.length < 4) return false;
  for (const key of nodes.keys()) if (key.startsWith(id)) return true;
  return false;
}

function hasOnPath(nodes: Map<string, RevisionNode>, head: string, test: (node: RevisionNode) => boolean): boolean {
  const seen = new Set<string>();
  const stack = [head];
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = nodes.get(id);
    if (!node) continue;
    if (test(node)) return true;
    stack.push(...node.parents);
  }
  return false;
}

/** Kahn's algorithm; ties broken by id so the order is stable. */
function topologicalOrder(nodes: Map<string, RevisionNode>): string[] {
  const pending = new Map<string, number>();
  for (const node of nodes.values()) pending.set(node.id, node.parents.filter((p) => nodes.has(p)).length);
  const ready = [...pending]
    .filter(([, n]) => n === 0)
    .map(([id]) => id)
    .sort();
  const order: string[] = [];
  while (ready.length) {
    const id = ready.shift() as string;
    order.push(id);
    for (const child of (nodes.get(id) as RevisionNode).children.slice().sort()) {
      const left = (pending.get(child) as number) - 1;
      pending.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  return order;
}

/** All ancestors of a revision (not including itself). */
export function ancestorsOf(graph: RevisionGraph, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(graph.nodes.get(id)?.parents ?? [])];
  while (stack.length) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(graph.nodes.get(next)?.parents ?? []));
  }
  return seen;
}
