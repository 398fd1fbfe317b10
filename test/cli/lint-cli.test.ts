import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { engineReady } from '../support/engine';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], cwd: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd,
    isTTY: false,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

function writeProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-cli-'));
  fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/alembic\n');
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

const GOOD = `"""create account"""
revision = "a1"
down_revision = None


def upgrade():
    op.add_column("account", sa.Column("note", sa.Text(), comment="why"))


def downgrade():
    op.drop_column("account", "note")
`;

const NO_DOWNGRADE = `"""add index"""
revision = "b2"
down_revision = "a1"


def upgrade():
    op.drop_index("ix_old")


def downgrade():
    pass
`;

describe('schema-warden lint (CLI)', () => {
  before(() => engineReady);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const project = (files: Record<string, string>) => {
    const d = writeProject(files);
    dirs.push(d);
    return d;
  };

  it('prints the stable JSON shape with 1-based positions and exits 1 on errors', async () => {
    const dir = project({ 'alembic/versions/a1.py': GOOD, 'alembic/versions/b2.py': NO_DOWNGRADE });
    const { code, stdout } = await run(['lint', '--format', 'json', '--select', 'SW101'], dir);
    assert.equal(code, 1);
    const json = JSON.parse(stdout);
    assert.equal(json.version, 1);
    assert.deepEqual(Object.keys(json), ['version', 'files', 'summary']);
    assert.deepEqual(json.summary, { files: 2, errors: 1, warnings: 0 });
    const b2 = json.files.find((f: { path: string }) => f.path.endsWith('b2.py'));
    assert.equal(b2.revision, 'b2');
    assert.equal(b2.diagnostics.length, 1);
    const { message, help, ...rest } = b2.diagnostics[0];
    assert.match(message, /^downgrade\(\) is only pass/);
    // The optional help key (what to do), added beside the documented keys; plain text, like the message.
    assert.match(help, /^Make downgrade\(\) reverse the upgrade\./);
    assert.doesNotMatch(`${message} ${help}`, /`/);
    assert.deepEqual(rest, {
      rule: 'SW101',
      name: 'require-downgrade',
      severity: 'error',
      line: 10,
      column: 5,
      endLine: 10,
      endColumn: 14,
      fixable: false,
    });
    assert.deepEqual(Object.keys(b2.diagnostics[0]), [
      'rule',
      'name',
      'severity',
      'message',
      'help',
      'line',
      'column',
      'endLine',
      'endColumn',
      'fixable',
    ]);
  });

  it('prints each finding as a plain-text message, a help line, and says where an editor-only fix is applied', async () => {
    const dir = project({ 'alembic/versions/a1.py': GOOD, 'alembic/versions/b2.py': NO_DOWNGRADE });
    const { stdout } = await run(['lint', '--no-color', '--select', 'SW101'], dir);
    assert.match(stdout, /SW101 \[require-downgrade\] downgrade\(\) is only pass, so rolling back/);
    assert.match(stdout, /\n\s+= help: Make downgrade\(\) reverse the upgrade\./);
    const reversible = project({
      'alembic/versions/c3.py':
        'revision = "c3"\ndown_revision = None\n\n\ndef upgrade():\n    op.add_column("t", sa.Column("note", sa.Text()))\n\n\ndef downgrade():\n    pass\n',
    });
    const fixable = await run(['lint', '--no-color', '--select', 'SW101'], reversible);
    assert.match(fixable.stdout, /= fix: Add downgrade .*\(a quick fix in the editor; --fix does not apply it\)/);
    assert.doesNotMatch(fixable.stdout, /\(editor only\)/);
  });

  it('exits 0 when only warnings or nothing is found', async () => {
    const dir = project({ 'alembic/versions/a1.py': GOOD });
    const { code, stdout } = await run(['lint', '--select', 'SW101,SW107'], dir);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /All checks passed/);
  });

  it('honours --ignore', async () => {
    const dir = project({ 'alembic/versions/a1.py': GOOD, 'alembic/versions/b2.py': NO_DOWNGRADE });
    const { code, stdout } = await run(
      ['lint', '--format', 'json', '--select', 'SW101,SW107', '--ignore', 'SW101'],
      dir,
    );
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).summary.errors, 0);
  });

  it('exits 2 with a message on usage errors', async () => {
    const dir = project({ 'alembic/versions/a1.py': GOOD });
    const unknownRule = await run(['lint', '--select', 'SW999'], dir);
    assert.equal(unknownRule.code, 2);
    assert.match(unknownRule.stderr, /unknown rule "SW999"/);
    const badFormat = await run(['lint', '--format', 'xml'], dir);
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /--format must be text, json, sarif, github, gitlab/);
    const badFlag = await run(['lint', '--frobnicate'], dir);
    assert.equal(badFlag.code, 2);
    const missing = await run(['lint', 'nope/'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or folder/);
  });

  it('exits 2 naming the key of a bad configuration', async () => {
    const dir = project({
      'alembic/versions/a1.py': GOOD,
      'pyproject.toml': '[tool.schema-warden]\npostgres-version = "fifteen"\n',
    });
    const { code, stderr } = await run(['lint'], dir);
    assert.equal(code, 2);
    assert.match(stderr, /`tool\.schema-warden\.postgres-version` must be a PostgreSQL major version/);
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.schema-warden]\nselct = ["SW101"]\n');
    const typo = await run(['lint'], dir);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /`tool\.schema-warden\.selct` is not a setting/);
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.schema-warden\n');
    const broken = await run(['lint'], dir);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /is not valid TOML/);
  });

  it('applies the configured severities and selection', async () => {
    const dir = project({
      'alembic/versions/a1.py': GOOD,
      'alembic/versions/b2.py': NO_DOWNGRADE,
      'pyproject.toml': '[tool.schema-warden]\nseverity = { SW101 = "warning" }\n',
    });
    const { code, stdout } = await run(['lint', '--format', 'json', '--select', 'SW101'], dir);
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).summary.warnings, 1);
  });

  it('reports SW000 for a file that is not valid Python and goes on with the rest', async () => {
    const dir = project({
      'alembic/versions/a1.py': GOOD,
      'alembic/versions/b2.py': NO_DOWNGRADE,
      'alembic/versions/c3.py': 'revision = "c3"\ndown_revision = "b2"\ndef upgrade(:\n    op.drop_table("x"\n',
    });
    const { code, stdout } = await run(['lint', '--format', 'json', '--select', 'SW000,SW101'], dir);
    assert.equal(code, 1);
    const json = JSON.parse(stdout);
    const rules = json.files
      .flatMap((f: { diagnostics: Array<{ rule: string }> }) => f.diagnostics.map((d) => d.rule))
      .sort();
    assert.ok(rules.includes('SW000'));
    assert.ok(rules.includes('SW101'), 'the other files are still linted');
  });

  it('lints a single file inside its project (the graph is still known)', async () => {
    const dir = project({ 'alembic/versions/a1.py': GOOD, 'alembic/versions/b2.py': NO_DOWNGRADE });
    const { stdout } = await run(['lint', '--format', 'json', 'alembic/versions/a1.py'], dir);
    const json = JSON.parse(stdout);
    assert.deepEqual(
      json.files.map((f: { path: string }) => f.path),
      [path.join('alembic', 'versions', 'a1.py')],
    );
    assert.ok(
      !json.files[0].diagnostics.some((d: { rule: string }) => d.rule === 'SW107'),
      'a1 has its child: no dangling head',
    );
  });

  it('writes SARIF 2.1.0 with rules and results', async () => {
    const dir = project({ 'alembic/versions/b2.py': NO_DOWNGRADE });
    const { stdout } = await run(['lint', '--format', 'sarif', '--select', 'SW101'], dir);
    const sarif = JSON.parse(stdout);
    assert.equal(sarif.version, '2.1.0');
    const runObj = sarif.runs[0];
    assert.equal(runObj.tool.driver.name, 'schema-warden');
    assert.ok(runObj.tool.driver.rules.some((r: { id: string }) => r.id === 'SW101'));
    assert.equal(runObj.results[0].ruleId, 'SW101');
    assert.equal(runObj.results[0].locations[0].physicalLocation.artifactLocation.uri, 'alembic/versions/b2.py');
    assert.equal(runObj.results[0].locations[0].physicalLocation.region.startLine, 10);
  });

  it('reports what kept files from being linted in every format: text, JSON (on stderr) and SARIF (notifications)', async () => {
    const dir = project({ 'alembic/versions/a1.py': GOOD });
    fs.symlinkSync('a1.py', path.join(dir, 'alembic', 'versions', 'alias.py'));
    const sameFile = /alias\.py is the same file as .*a1\.py \(a symbolic link\)/;
    const text = await run(['lint'], dir);
    assert.match(text.stdout, new RegExp(`warning: .*${sameFile.source}`));
    const json = await run(['lint', '--format', 'json'], dir);
    assert.deepEqual(
      Object.keys(JSON.parse(json.stdout)),
      ['version', 'files', 'summary'],
      'the JSON shape stays as it is',
    );
    assert.match(json.stderr, new RegExp(`schema-warden lint: warning: .*${sameFile.source}`));
    const sarif = await run(['lint', '--format', 'sarif'], dir);
    const [invocation] = JSON.parse(sarif.stdout).runs[0].invocations;
    assert.equal(invocation.executionSuccessful, true);
    assert.equal(invocation.toolExecutionNotifications.length, 1);
    assert.equal(invocation.toolExecutionNotifications[0].level, 'warning');
    assert.match(invocation.toolExecutionNotifications[0].message.text, sameFile);
    assert.match(sarif.stderr, sameFile);
    // Without problems: no notification, nothing on stderr.
    const clean = project({ 'alembic/versions/a1.py': GOOD });
    const quiet = await run(['lint', '--format', 'sarif'], clean);
    assert.deepEqual(JSON.parse(quiet.stdout).runs[0].invocations[0].toolExecutionNotifications, []);
    assert.equal(quiet.stderr, '');
  });

  it('renders annotated source lines in text format', async () => {
    const dir = project({ 'alembic/versions/b2.py': NO_DOWNGRADE });
    const { stdout } = await run(['lint', '--select', 'SW101'], dir);
    assert.match(stdout, /alembic\/versions\/b2\.py:10:5: error SW101 \[require-downgrade\]/);
    assert.match(stdout, /10 \| def downgrade\(\):\n\s+\| {5}\^{9}/);
  });

  it('prints help and version', async () => {
    assert.match((await run(['lint', '--help'], os.tmpdir())).stdout, /Usage: schema-warden lint/);
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
    assert.equal((await run(['--version'], os.tmpdir())).stdout.trim(), pkg.version);
  });
});
