import { acceptedHistory } from '../model/baseline';
import type { ProjectModel } from '../model/project';
import { sameMeaning } from '../model/meaning';
import { defineRule, type GitHistory } from './types';

export default defineRule({
  meta: {
    id: 'SW108',
    name: 'edited-history',
    severity: 'warning',
    scope: 'project',
    readsSql: false,
    policySection: 'Migration Rules',
    policyClause:
      'Migration ordering must respect dependency graph; out-of-order revision merges must be resolved by new revisions rather than editing history.',
    docs: {
      summary: 'A revision that already has a committed child is not edited.',
      whatItDoes:
        'Reads the git history of the revision files: a revision whose child revision is committed ' +
        'is reported when it has uncommitted changes (working tree or index), or when a commit ' +
        'changed it after the commit that added its child. It compares meaning, not text: a change ' +
        'that leaves the code the same (reformatting, quote style, comments, a licence header, the ' +
        'module docstring, import order and spelling, an import the file never uses, a logging ' +
        'call, the layout and comments of SQL text, `str.format()` written as an f-string) is not ' +
        "an edit of history, and commits listed in the file git's `blame.ignoreRevsFile` names (by " +
        'convention `.git-blame-ignore-revs`) are skipped. Without git, outside a repository, or ' +
        'for revisions whose children are not committed yet, nothing is reported.',
      whyBad:
        'Once a child revision is committed, the parent has been (or will be) applied to shared and ' +
        'production databases as it was. Alembic never runs a revision twice, so an edit to it ' +
        'never reaches those databases: the schema silently differs between environments, and the ' +
        'history no longer describes any real database. History is fixed by a new revision.',
      bad:
        '# versions/a1_add_invoice.py — committed, and b2 (down_revision = "a1") is committed ' +
        'too\ndef upgrade():\n    op.create_table("invoice", sa.Column("id", sa.UUID(), ' +
        'primary_key=True),\n                    sa.Column("note", sa.Text()))   # added afterwards',
      good:
        '# versions/c3_add_invoice_note.py — a new revision on top of the head\ndef ' +
        'upgrade():\n    op.add_column("invoice", sa.Column("note", sa.Text(), comment="free-text ' +
        'note"))',
      howToFix:
        'Revert the change to the old revision (`git restore <file>`, or revert the commit) and make the change in a new revision (`alembic revision -m "…"`).',
      fixSafety: 'none',
      notes:
        'Git is asked read-only questions per lint (the repository root, the names of the ' +
        'configured filter drivers, `blame.ignoreRevsFile`, `git status` and one `git log` over the ' +
        'revision folders), and for a revision that changed after its child was added, its earlier ' +
        'versions (`git cat-file blob`, which runs no filter), to compare their meaning; the log is ' +
        'cached while HEAD does not move. The rule never starts git itself: the engine gives it the ' +
        'history (engine/gitHistory.ts). Revisions of the accepted history (`baseline`) were ' +
        'accepted as they are committed: only an uncommitted edit of one is reported. A file edited ' +
        "in the same commit that added its child is not reported. A repository's own configuration " +
        '(`.git/config`) can make git run programs (`core.fsmonitor`, filter drivers, hooks, ' +
        '`log.showSignature`, submodules): git is always started with those turned off, and in an ' +
        'untrusted editor workspace the rule does not start git at all and reports nothing.',
    },
  },
  checkProject({ project, report, gitHistory }) {
    const git = gitHistory();
    if (!git) return;
    const accepted = acceptedHistory(project).revisions;
    for (const node of project.graph.nodes.values()) {
      const file = git.relative(node.path);
      const child = firstCommittedChild(project, git, node.id);
      if (!child || !file) continue;
      const addedAt = child.added;
      const childCommit = git.commits[addedAt].slice(0, 8);
      const span = node.migration.revisionSpan ?? { start: 0, end: 0 };
      const where = `Revision ${node.id} already has a committed child (${child.id}, added in ${childCommit})`;
      const advice = 'Revert the change and make it in a new revision.';
      const why = 'a revision that may already be applied is fixed with a new one, never by editing it';
      if (git.changed.has(file)) {
        const committed = git.textAt('HEAD', file);
        if (committed === undefined || !sameMeaning(committed, node.migration.source)) {
          report({ path: node.path, span, message: `${where} but has uncommitted changes: ${why}.`, help: advice });
          continue;
        }
      }
      // Accepted history (`baseline`) was accepted as it is in git: only a new, uncommitted edit is reported there.
      if (accepted.has(node.id)) continue;
      const edit = meaningfulEditAfter(git, file, addedAt);
      if (edit !== undefined)
        report({
          path: node.path,
          span,
          message: `${where} but was changed afterwards in ${git.commits[edit].slice(0, 8)}: ${why}.`,
          help: advice,
        });
    }
  },
});

/** The committed child of a revision that was committed first, with the index of the commit that added it. */
export function firstCommittedChild(
  project: ProjectModel,
  git: Pick<GitHistory, 'history' | 'relative'>,
  revision: string,
): { id: string; added: number } | undefined {
  const node = project.graph.nodes.get(revision);
  if (!node || node.children.length === 0) return undefined;
  // The commit that added each committed child: the oldest commit touching its file.
  const children = node.children.flatMap((id) => {
    const child = project.graph.nodes.get(id);
    const added = child ? git.history.get(git.relative(child.path))?.at(-1) : undefined;
    return child && added !== undefined ? [{ id: child.id, added }] : [];
  });
  // In `git log --topo-order` a larger index is an older commit: the first child committed is the one that matters.
  return children.length ? children.reduce((a, b) => (b.added > a.added ? b : a)) : undefined;
}

/**
 * The newest commit after `addedAt` that changed what the file means (see model/meaning.ts):
 * reformatting, comments or import order are not edits, and commits listed in the ignore-revs
 * file are skipped. Each commit is compared with the file in its first parent (the log's previous
 * entry can be a commit of a merged side branch); a file deleted and later added back is compared
 * with its text before the deletion, so that restoring it as it was is no edit.
 */
function meaningfulEditAfter(git: GitHistory, file: string, addedAt: number): number | undefined {
  const changes = git.history.get(file) ?? [];
  for (let i = 0; i < changes.length; i++) {
    const at = changes[i];
    if (at >= addedAt) break;
    const commit = git.commits[at];
    if (git.ignoredCommits.has(commit)) continue;
    const after = git.textAt(commit, file);
    // Deleted here (the file exists today, so it was added back later): the commit that added it back is the one compared.
    if (after === undefined) continue;
    // What this commit changed: its parent's text, not the log's previous entry, which may sit on a merged side branch.
    let previous = git.textAt(`${commit}^`, file);
    if (previous === undefined) {
      // Added by this commit: added back after a deletion (compared with the text before the deletion), or
      // added on a side branch as well (the same revision committed twice, then merged): no edit.
      const next = changes[i + 1];
      if (next === undefined || git.textAt(git.commits[next], file) !== undefined) continue;
      for (let j = i + 2; j < changes.length && previous === undefined; j++)
        previous = git.textAt(git.commits[changes[j]], file);
    }
    if (previous === undefined || !sameMeaning(previous, after)) return at;
  }
  return undefined;
}
