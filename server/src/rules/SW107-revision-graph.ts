import type { GraphProblem } from '../model/graph';
import type { ProjectModel } from '../model/project';
import type { Span } from '../model/source';
import { defineRule, type RelatedInfo } from './types';

export default defineRule({
  meta: {
    id: 'SW107',
    name: 'revision-graph',
    severity: 'error',
    scope: 'project',
    readsSql: false,
    policySection: 'Migration Rules',
    policyClause:
      'Migration ordering must respect dependency graph; out-of-order revision merges must be resolved by new revisions rather than editing history.',
    docs: {
      summary: 'The revision graph must have one head, known parents, unique ids and no cycles.',
      whatItDoes:
        "Builds the revision graph from every revision's `revision`, `down_revision` and " +
        '`depends_on`, and reports: more than one head (two branches that were never merged), a ' +
        '`down_revision` or `depends_on` that names no revision, the same revision id in two files, ' +
        'a cycle, and a revision file without a `revision` id. Separate histories that carry their ' +
        'own `branch_labels` may each have their own head.',
      whyBad:
        '`alembic upgrade head` refuses to run with several heads, and a dangling or duplicated id makes the order in which migrations run undefined.',
      bad:
        '# versions/b1_add_note.py\nrevision = "b1"\ndown_revision = "a0"\n\n# ' +
        'versions/c1_add_index.py\nrevision = "c1"\ndown_revision = "a0"   # a second head',
      good: '# versions/d1_merge.py  (alembic merge -m "merge b1 and c1" b1 c1)\nrevision = "d1"\ndown_revision = ("b1", "c1")',
      howToFix:
        'Resolve several heads with a new merge revision (`alembic merge heads`); never edit the history of revisions that were already applied.',
      fixSafety: 'none',
    },
  },
  checkProject({ project, report }) {
    for (const problem of project.graph.problems) {
      for (const finding of describe(problem, project)) report(finding);
    }
  },
});

function describe(
  problem: GraphProblem,
  project: ProjectModel,
): Array<{ path: string; span: Span; message: string; help?: string; related?: RelatedInfo[] }> {
  const node = (id: string) => project.graph.nodes.get(id);
  const idSpan = (id: string): Span => node(id)?.migration.revisionSpan ?? { start: 0, end: 0 };
  switch (problem.kind) {
    case 'multiple-heads':
      return problem.heads.map((head) => ({
        path: node(head)?.path ?? '',
        span: idSpan(head),
        message: `The history has ${problem.heads.length} heads (${problem.heads.join(', ')}), so alembic upgrade head fails.`,
        help: 'Add a merge revision: alembic merge heads.',
        related: problem.heads
          .filter((h) => h !== head)
          .map((other) => ({
            path: node(other)?.path ?? '',
            span: idSpan(other),
            message: `the other head: ${other}`,
          })),
      }));
    case 'unknown-parent': {
      const n = node(problem.revision);
      return [
        {
          path: n?.path ?? '',
          span: n?.migration.downRevisionSpan ?? idSpan(problem.revision),
          message: `down_revision names "${problem.parent}", which is no revision of this project.`,
          help: 'Point down_revision at the revision this one follows.',
        },
      ];
    }
    case 'unknown-dependency':
      return [
        {
          path: node(problem.revision)?.path ?? '',
          span: idSpan(problem.revision),
          message: `depends_on names "${problem.dependency}", which is no revision or branch label of this project.`,
          help: 'Name an existing revision or branch label, or remove the dependency.',
        },
      ];
    case 'duplicate-id':
      return problem.paths.map((path) => {
        const m = project.byPath.get(path);
        return {
          path,
          span: m?.revisionSpan ?? { start: 0, end: 0 },
          message: `Revision id "${problem.revision}" is used by ${problem.paths.length} files, so Alembic cannot tell them apart.`,
          help: 'Give each revision its own id (alembic revision generates one).',
          related: problem.paths
            .filter((p) => p !== path)
            .map((p) => ({ path: p, span: project.byPath.get(p)?.revisionSpan, message: 'also uses this id' })),
        };
      });
    case 'cycle':
      return problem.revisions.map((id) => ({
        path: node(id)?.path ?? '',
        span: node(id)?.migration.downRevisionSpan ?? idSpan(id),
        message: `Revision ${id} is part of a cycle in the revision graph (${problem.revisions.join(' → ')}).`,
        help: 'Fix the down_revision that points back into the cycle.',
      }));
    case 'missing-id':
      return [
        {
          path: problem.path,
          span: { start: 0, end: 0 },
          message: 'This revision file has no revision id.',
          help: 'Add revision = "<id>" at module level, as Alembic\'s template does.',
        },
      ];
  }
}
