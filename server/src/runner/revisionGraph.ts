// The project's revision graph as the helper's `history` reports it, with the set operations the
// round trip needs: ancestors, descendants, a walk order that keeps each branch together.
import type { RevisionInfo } from './helperProtocol';

export class RevisionGraph {
  private readonly byId = new Map<string, RevisionInfo>();
  private readonly childrenOf = new Map<string, string[]>();

  constructor(readonly revisions: RevisionInfo[]) {
    for (const revision of revisions) this.byId.set(revision.revision, revision);
    for (const revision of revisions) {
      for (const parent of this.parents(revision.revision)) {
        const list = this.childrenOf.get(parent) ?? [];
        list.push(revision.revision);
        this.childrenOf.set(parent, list);
      }
    }
  }

  get(id: string): RevisionInfo {
    const revision = this.byId.get(id);
    if (!revision) throw new Error(`unknown revision ${id}`);
    return revision;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Down revisions plus depends_on: Alembic applies both before a revision. */
  parents(id: string): string[] {
    const revision = this.get(id);
    return [...revision.downRevisions, ...revision.dependencies.filter((d) => this.byId.has(d))];
  }

  /** Only the down revisions (what a downgrade of this revision goes back to). */
  downRevisions(id: string): string[] {
    return this.get(id).downRevisions;
  }

  children(id: string): string[] {
    return this.childrenOf.get(id) ?? [];
  }

  heads(): string[] {
    return this.revisions
      .filter((r) => this.children(r.revision).length === 0)
      .map((r) => r.revision)
      .sort();
  }

  /** Strict ancestors of `id`. */
  ancestors(id: string): Set<string> {
    return this.reach(this.parents(id), (r) => this.parents(r));
  }

  /** Strict descendants of `id`. */
  descendants(id: string): Set<string> {
    return this.reach(this.children(id), (r) => this.children(r));
  }

  /** Everything applied when the database's alembic_version holds `heads`. */
  closure(heads: Iterable<string>): Set<string> {
    const start = [...heads].filter((h) => this.byId.has(h));
    const set = this.reach(start, (r) => this.parents(r));
    for (const head of start) set.add(head);
    return set;
  }

  /** The members of `applied` that no other member depends on (what alembic_version records). */
  headsOf(applied: Set<string>): string[] {
    return [...applied].filter((r) => !this.children(r).some((c) => applied.has(c))).sort();
  }

  /**
   * Topological order, base first, finishing one branch before starting the next: a stack of
   * revisions whose parents are all done, so the database switches branches as rarely as possible.
   */
  walkOrder(): string[] {
    const pending = new Map<string, number>();
    for (const r of this.revisions) pending.set(r.revision, this.parents(r.revision).length);
    const ready = this.revisions
      .filter((r) => pending.get(r.revision) === 0)
      .map((r) => r.revision)
      .sort()
      .reverse();
    const order: string[] = [];
    while (ready.length > 0) {
      const next = ready.pop() as string;
      order.push(next);
      const unlocked: string[] = [];
      for (const child of this.children(next)) {
        const left = (pending.get(child) ?? 0) - 1;
        pending.set(child, left);
        if (left === 0) unlocked.push(child);
      }
      ready.push(...unlocked.sort().reverse());
    }
    return order;
  }

  /**
   * Resolves what a user types (--from/--to): a full id, a unique prefix, a branch label,
   * "head"/"heads" (all heads) or "base" (no revision).
   */
  resolve(ref: string): string[] {
    if (ref === 'head' || ref === 'heads') return this.heads();
    if (ref === 'base') return [];
    if (this.byId.has(ref)) return [ref];
    const labelled = this.revisions.filter((r) => r.branchLabels.includes(ref)).map((r) => r.revision);
    if (labelled.length > 0) return labelled;
    const prefixed = this.revisions.filter((r) => r.revision.startsWith(ref)).map((r) => r.revision);
    if (prefixed.length === 1) return prefixed;
    if (prefixed.length > 1) throw new Error(`revision "${ref}" is ambiguous: ${prefixed.join(', ')}`);
    throw new Error(`no revision "${ref}" in this project`);
  }

  private reach(start: string[], next: (id: string) => string[]): Set<string> {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (seen.has(id) || !this.byId.has(id)) continue;
      seen.add(id);
      stack.push(...next(id));
    }
    return seen;
  }
}
