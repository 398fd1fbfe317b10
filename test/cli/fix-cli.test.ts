import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyFixes } from '../../server/src/cli/fix';
import type { CliIo } from '../../server/src/cli/io';
import { main } from '../../server/src/cli/main';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { loadProjects } from '../../server/src/engine/loadProject';
import type { Rule } from '../../server/src/rules/types';
import { engineReady } from '../support/engine';

// `lint --fix` says what it fixed and what remains; `--unsafe-fixes` applies the editor's fixes,
// atomically and only where the file still parses (#15).

async function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, isTTY: false };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const REPO = path.resolve(__dirname, '..', '..', '..');

/** Every revision file of a project, by name. */
function revisions(dir: string): Record<string, string> {
  const versions = path.join(dir, 'alembic', 'versions');
  return Object.fromEntries(
    fs
      .readdirSync(versions)
      .filter((f) => f.endsWith('.py'))
      .map((f) => [f, fs.readFileSync(path.join(versions, f), 'utf8')]),
  );
}

describe('schema-warden lint --fix / --unsafe-fixes', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const demo = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-fix-'));
    dirs.push(dir);
    fs.cpSync(path.join(REPO, 'examples', 'demo'), dir, { recursive: true });
    return dir;
  };
  before(() => engineReady);
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('--fix on the demo (only fixes that need a review) changes nothing and says how to apply them', async () => {
    const dir = demo();
    const before = revisions(dir);
    const { code, stdout } = await run(['lint', '--fix'], dir);
    assert.equal(code, 1);
    assert.deepEqual(revisions(dir), before, 'no file changed');
    assert.match(stdout, /^No fixes applied\.$/m);
    assert.match(stdout, /^\d+ fixable with `--fix --unsafe-fixes`/m);
  });

  it('--fix --unsafe-fixes applies them, lists them by file and rule, and leaves files that parse', async () => {
    const dir = demo();
    const before = revisions(dir);
    const initial = await run(['lint', '--format', 'json'], dir);
    const { code, stdout } = await run(['lint', '--fix', '--unsafe-fixes'], dir);
    assert.ok(code === 0 || code === 1);
    const fixed = /^Fixed (\d+) problems? in (\d+) files?:$/m.exec(stdout);
    assert.ok(fixed, stdout);
    assert.ok(Number(fixed[1]) >= 4);
    assert.match(stdout, /^ {2}alembic\/versions\/0003_create_orders\.py: .*SW101 Add downgrade/m);
    const after = revisions(dir);
    assert.notDeepEqual(after, before);
    assert.match(
      after['0003_create_orders.py'],
      /def downgrade\(\)[^:\n]*:\n(?: {4}.*\n)*? {4}op\.drop_table\("orders"\)/,
    );
    for (const [name, text] of Object.entries(after)) {
      assert.deepEqual(analyzeOnce(name, text).syntaxErrors, [], `${name} still parses`);
      // CPython agrees.
      execFileSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), sys.argv[1], "exec")', name], {
        input: text,
      });
    }
    const remaining = JSON.parse((await run(['lint', '--format', 'json'], dir)).stdout).summary;
    const first = JSON.parse(initial.stdout).summary;
    assert.ok(
      remaining.errors + remaining.warnings < first.errors + first.warnings,
      JSON.stringify({ first, remaining }),
    );
    // No temporary file is left beside the revisions (atomic writes rename theirs).
    assert.deepEqual(
      fs.readdirSync(path.join(dir, 'alembic', 'versions')).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  it('in a machine format, the summary goes to standard error and standard output stays parseable', async () => {
    const dir = demo();
    const { stdout, stderr } = await run(['lint', '--fix', '--unsafe-fixes', '--format', 'json'], dir);
    assert.doesNotThrow(() => JSON.parse(stdout));
    assert.match(stderr, /^Fixed \d+ problems? in \d+ files?:$/m);
  });

  it('--unsafe-fixes alone is a usage error', async () => {
    const { code, stderr } = await run(['lint', '--unsafe-fixes'], demo());
    assert.equal(code, 2);
    assert.match(stderr, /--unsafe-fixes applies fixes only with --fix/);
  });

  it('never writes a fix whose result would not parse, and says so', async () => {
    const dir = demo();
    const file = path.join(dir, 'alembic', 'versions', '0003_create_orders.py');
    const text = fs.readFileSync(file, 'utf8');
    // A rule whose only fix would break the file (an unclosed call at the end of it).
    const breaking: Rule = {
      meta: {
        id: 'SW101',
        name: 'require-downgrade',
        severity: 'error',
        scope: 'revision',
        policySection: 'test',
        policyClause: 'test',
        docs: {
          summary: '',
          whatItDoes: '',
          whyBad: '',
          bad: '',
          good: '',
          howToFix: '',
          fixSafety: 'unsafe',
        },
      },
      check(context) {
        if (!context.migration.path.endsWith('0003_create_orders.py')) return;
        const end = context.migration.source.length;
        context.report({
          message: 'test',
          span: { start: 0, end: 1 },
          fixes: [
            { title: 'Break it', safe: false, edits: [{ span: { start: end, end }, newText: 'op.drop_table(\n' }] },
          ],
        });
      },
    };
    const [project] = (await loadProjects([dir], dir)).projects;
    const outcome = applyFixes(project, [breaking], () => true, 'unsafe');
    assert.equal(fs.readFileSync(file, 'utf8'), text, 'the file is untouched');
    const refusal = outcome.files.find((f) => f.path === file);
    assert.deepEqual(refusal?.applied, []);
    assert.deepEqual(refusal?.refused, ['SW101 "Break it" not applied: the result would not parse']);
  });
});
