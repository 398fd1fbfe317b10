import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodeActionKind, type CodeAction, type TextEdit as LspTextEdit } from 'vscode-languageserver';
import { lintProject } from '../../server/src/engine/lint';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { loadProjects } from '../../server/src/engine/loadProject';
import { applyEdits } from '../../server/src/fixes/applyEdits';
import { codeActions, type Published } from '../../server/src/lsp/codeActions';
import { toDiagnostic } from '../../server/src/lsp/diagnostics';
import { pathToUri } from '../../server/src/lsp/uri';
import { withRevision, type ProjectModel } from '../../server/src/model/project';
import { committedChildOf } from '../../server/src/engine/gitHistory';
import type { Finding, TextEdit } from '../../server/src/rules/types';
import { compileWithCPython, pythonAvailable } from '../fuzz/python';
import { engineReady } from '../support/engine';

/**
 * The fix-closure property (issue #14): on every revision of the test fixtures, each quick fix
 * the editor offers with an edit, applied alone, still compiles with CPython and brings no
 * finding of a rule the file did not already have. The quick fixes are asked of the language
 * server's own `codeActions` for every diagnostic of the file, as the editor's light bulb does.
 * The history lock (no edits on a revision with a committed child) is left off here, so every
 * fix of every revision is checked; the last case checks the lock on a real git repository.
 */
const REPO = path.resolve(__dirname, '../../..');
/** Every folder of revisions the tests use; each is linted as the CLI lints it (whole projects). */
const FIXTURE_ROOTS = [
  'test/fixtures',
  'test/e2e/workspace',
  'examples/demo',
  'test/fixtures/real-world-shapes', // the shared set of #13, when present
];

interface Checked {
  file: string;
  title: string;
  before: string;
  after: string;
  newRules: string[];
}

function lspToEdits(published: Published, edits: readonly LspTextEdit[]): TextEdit[] {
  return edits.map((e) => ({
    span: { start: published.lines.offsetAt(e.range.start), end: published.lines.offsetAt(e.range.end) },
    newText: e.newText,
  }));
}

function rulesOf(findings: readonly Finding[] | undefined): Set<string> {
  return new Set((findings ?? []).map((f) => f.ruleId));
}

/** The project with one file's text replaced (the others as they are). */
function withText(project: ProjectModel, file: string, text: string): ProjectModel {
  return withRevision(project, analyzeOnce(file, text));
}

async function fixtureProjects(): Promise<ProjectModel[]> {
  const folders = new Set<string>();
  for (const root of FIXTURE_ROOTS) {
    const abs = path.join(REPO, root);
    if (!fs.existsSync(abs)) continue;
    folders.add(abs);
  }
  // test/fixtures/revisions is a loose folder of revision files; the others are Alembic projects.
  const { projects } = await loadProjects([...folders], REPO);
  const looseRevisions = path.join(REPO, 'test/fixtures/revisions');
  if (fs.existsSync(looseRevisions)) projects.push(...(await loadProjects([looseRevisions], REPO)).projects);
  const byRoot = new Map<string, ProjectModel>();
  for (const p of projects) byRoot.set(`${p.root}\0${p.revisions.map((r) => r.path).join('\0')}`, p);
  return [...byRoot.values()];
}

/** Every quick fix the server offers for all diagnostics of a file, as the light bulb asks for them. */
function quickFixes(
  project: ProjectModel,
  file: string,
  findings: Finding[],
  committedChild?: Published['committedChild'],
): { published: Published; actions: CodeAction[] } {
  const migration = project.byPath.get(file)!;
  const text = migration.lines.text;
  const published: Published = {
    uri: pathToUri(file),
    version: 1,
    findings,
    lines: migration.lines,
    revision: migration.revision,
    canWaive: true,
    committedChild,
  };
  const diagnostics = findings.map((f, index) => toDiagnostic(f, { ruleId: f.ruleId, version: 1, index }, project));
  const actions = codeActions(
    {
      textDocument: { uri: published.uri },
      range: { start: { line: 0, character: 0 }, end: migration.lines.rangeOf(text.length, text.length).end },
      context: { diagnostics, only: [CodeActionKind.QuickFix] },
    },
    published,
  );
  return { published, actions };
}

describe('fix closure: every quick fix on every fixture revision compiles and brings no new rule', function () {
  this.timeout(600_000);

  it('holds on every revision of test/fixtures, the e2e workspace and the demo', async function () {
    await engineReady;
    assert.ok(pythonAvailable(), 'python3 is needed to compile the fixed files');
    const projects = await fixtureProjects();
    const checked: Checked[] = [];
    let revisions = 0;
    for (const project of projects) {
      const findings = lintProject(project, { trusted: false });
      for (const migration of project.revisions) {
        revisions++;
        const file = migration.path;
        const text = migration.lines.text;
        const own = findings.get(file) ?? [];
        const { published, actions } = quickFixes(project, file, own);
        const before = rulesOf(own);
        for (const action of actions) {
          const edits = action.edit?.changes?.[published.uri];
          if (!edits?.length) continue;
          const after = applyEdits(text, lspToEdits(published, edits)).text;
          const relinted = withText(project, file, after);
          const newFindings = lintProject(relinted, { trusted: false }).get(file);
          const newRules = [...rulesOf(newFindings)].filter((r) => !before.has(r));
          checked.push({ file: path.relative(REPO, file), title: action.title, before: text, after, newRules });
        }
      }
    }
    const compiled = compileWithCPython(checked.map((c) => c.after));
    const problems: string[] = [];
    checked.forEach((c, i) => {
      if (compiled[i]) problems.push(`${c.file}: "${c.title}" does not compile: ${compiled[i]}`);
      if (c.newRules.length) problems.push(`${c.file}: "${c.title}" brings ${c.newRules.join(', ')}`);
    });
    console.log(`      ${checked.length} quick fixes on ${revisions} revisions of ${projects.length} projects`);
    assert.ok(revisions >= 25, `only ${revisions} fixture revisions found`);
    assert.ok(checked.length >= 10, `only ${checked.length} quick fixes found`);
    assert.deepEqual(problems, []);
  });

  it('offers no edit on a revision with a committed child: the fixes are disabled with the reason, the decision record stays', async function () {
    await engineReady;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-history-lock-'));
    try {
      fs.cpSync(path.join(REPO, 'test/fixtures/fix-closure'), dir, { recursive: true });
      const git = (...args: string[]): void => {
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
          cwd: dir,
          stdio: 'ignore',
        });
      };
      git('init', '-q');
      git('add', '.');
      git('commit', '-q', '-m', 'history');
      const [project] = (await loadProjects([dir], dir)).projects;
      const findings = lintProject(project, { trusted: true });
      const fileOf = (name: string): string => [...project.byPath.keys()].find((f) => f.endsWith(name))!;
      const parentFile = fileOf('f1000002_account_email_index.py');
      const locked = committedChildOf(project, parentFile);
      assert.equal(locked?.child, 'f1000003');
      const { actions } = quickFixes(project, parentFile, findings.get(parentFile) ?? [], locked);
      assert.deepEqual(
        actions.filter((a) => a.edit),
        [],
        'no quick fix edits a revision whose child is committed',
      );
      const disabled = actions.filter((a) => a.disabled);
      assert.ok(disabled.length >= 1, 'the fixes are listed as disabled');
      assert.match(disabled[0].disabled!.reason, /committed child \(f1000003, added in [0-9a-f]{8}\).*new revision/);
      assert.ok(actions.some((a) => /^Allow SW601 with a decision record… \(history is committed/.test(a.title)));
      // the head has no child: its fixes are offered
      const headFile = fileOf('f1000003_account_region.py');
      assert.equal(committedChildOf(project, headFile), undefined);
      assert.ok(quickFixes(project, headFile, findings.get(headFile) ?? []).actions.some((a) => a.edit));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
