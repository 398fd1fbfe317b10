import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { escapeData, escapeProperty } from '../../server/src/cli/formats/github';
import { FINGERPRINT_KEY } from '../../server/src/cli/formats/sarif';
import type { CliIo } from '../../server/src/cli/io';
import { main } from '../../server/src/cli/main';
import { engineReady } from '../support/engine';

// The CI formats (#15): GitHub workflow commands, GitLab Code Quality, SARIF with fingerprints.
// The project sits in a subfolder of a git repository and the CLI runs from a folder inside the
// project, so every path must be relative to the repository root, not the working folder.

const SCHEMA = path.resolve(__dirname, '../../../test/fixtures/sarif/sarif-2.1.0-rtm.5.json');

async function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, isTTY: false };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const ROOT_REVISION = `"""create account"""
revision = "a1"
down_revision = None


def upgrade():
    op.create_table("account", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("account")
`;

// Two findings of one rule on identical lines (the fingerprint must still tell them apart), a
// message with a comma and a colon (escaping), a missing downgrade.
const BAD_REVISION = `"""add notes"""
revision = "b2"
down_revision = "a1"


def upgrade():
    op.add_column("account", sa.Column("note", sa.Text()))
    op.add_column("account", sa.Column("note", sa.Text()))
    op.drop_index("ix_old")


def downgrade():
    pass
`;

interface GitlabIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: string;
  location: { path: string; lines: { begin: number } };
}

describe('schema-warden lint: CI formats (github, gitlab, SARIF with fingerprints)', function () {
  this.timeout(60_000);
  let repo: string;
  let projectDir: string;
  let cwd: string;
  const badFile = () => path.join(projectDir, 'alembic', 'versions', 'b2.py');

  before(async () => {
    await engineReady;
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-ci-formats-'));
    execFileSync('git', ['init', '-q', repo]);
    projectDir = path.join(repo, 'services', 'billing');
    fs.mkdirSync(path.join(projectDir, 'alembic', 'versions'), { recursive: true });
    fs.writeFileSync(path.join(projectDir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/alembic\n');
    fs.writeFileSync(path.join(projectDir, 'alembic', 'versions', 'a1.py'), ROOT_REVISION);
    fs.writeFileSync(badFile(), BAD_REVISION);
    cwd = path.join(projectDir, 'alembic');
  });
  after(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('--format github: one workflow command per finding, positions and title as GitHub reads them', async () => {
    const json = JSON.parse((await run(['lint', '--format', 'json', '..'], cwd)).stdout);
    const { code, stdout, stderr } = await run(['lint', '--format', 'github', '..'], cwd);
    assert.equal(code, 1, stderr);
    const lines = stdout.trimEnd().split('\n');
    const expected: string[] = [];
    const command = { error: 'error', warning: 'warning', info: 'notice' } as Record<string, string>;
    for (const file of json.files)
      for (const d of file.diagnostics) {
        const repoPath = path.relative(repo, path.resolve(cwd, file.path)).split(path.sep).join('/');
        expected.push(
          `::${command[d.severity]} file=${repoPath},line=${d.line},col=${d.column},endLine=` +
            `${d.endLine},endColumn=${d.endColumn},title=${d.rule} ${d.name}::${escapeData(d.message)}`,
        );
      }
    assert.ok(expected.length >= 3, 'the fixture has findings');
    assert.deepEqual(lines, expected);
    // The line the issue names, exactly.
    const downgrade = lines.find((l) => l.includes('title=SW101 require-downgrade'));
    assert.ok(downgrade);
    assert.match(
      downgrade,
      /^::error file=services\/billing\/alembic\/versions\/b2\.py,line=12,col=5,endLine=12,endColumn=14,title=SW101 require-downgrade::downgrade\(\) is only pass/,
    );
    for (const line of lines) assert.doesNotMatch(line.split('::')[2], /[\r\n]/);
  });

  it("escapes messages and properties by the runner's rules (%, CR, LF; and : , in properties)", () => {
    assert.equal(escapeData('50% done\r\nnext: a, b'), '50%25 done%0D%0Anext: a, b');
    assert.equal(escapeProperty('a:b,c%\n'), 'a%3Ab%2Cc%25%0A');
  });

  it('--format gitlab: the Code Quality fields, repository paths, unique fingerprints', async () => {
    const { code, stdout } = await run(['lint', '--format', 'gitlab', '..'], cwd);
    assert.equal(code, 1);
    const issues = JSON.parse(stdout) as GitlabIssue[];
    assert.ok(Array.isArray(issues) && issues.length >= 3);
    for (const issue of issues) {
      assert.equal(typeof issue.description, 'string');
      assert.ok(issue.description.length > 0);
      assert.match(issue.check_name, /^SW\d{3}$/);
      assert.match(issue.fingerprint, /^[0-9a-f]{32}$/);
      assert.ok(['info', 'minor', 'major', 'critical', 'blocker'].includes(issue.severity), issue.severity);
      assert.match(issue.location.path, /^services\/billing\/alembic\/versions\/[ab]\d\.py$/);
      assert.ok(Number.isInteger(issue.location.lines.begin) && issue.location.lines.begin >= 1);
    }
    const fingerprints = issues.map((i) => i.fingerprint);
    assert.equal(new Set(fingerprints).size, fingerprints.length, 'fingerprints are unique');
    const twins = issues.filter((i) => i.location.lines.begin === 7 || i.location.lines.begin === 8);
    assert.ok(twins.length >= 2, 'the two identical add_column lines are both reported');
    const sw101 = issues.find((i) => i.check_name === 'SW101');
    assert.deepEqual(sw101 && { severity: sw101.severity, begin: sw101.location.lines.begin }, {
      severity: 'major',
      begin: 12,
    });
  });

  it('gitlab fingerprints are stable across runs and across unrelated edits above the finding', async () => {
    const first = JSON.parse((await run(['lint', '--format', 'gitlab', '..'], cwd)).stdout) as GitlabIssue[];
    const again = JSON.parse((await run(['lint', '--format', 'gitlab', '..'], cwd)).stdout) as GitlabIssue[];
    assert.deepEqual(again, first, 'the same report twice');
    const before = fs.readFileSync(badFile(), 'utf8');
    try {
      // Three lines above every finding of b2.py; the findings themselves are untouched.
      fs.writeFileSync(badFile(), `# reviewed by the data team\n# ticket DATA-12\n\n${before}`);
      const shifted = JSON.parse((await run(['lint', '--format', 'gitlab', '..'], cwd)).stdout) as GitlabIssue[];
      const key = (i: GitlabIssue) => `${i.fingerprint} ${i.check_name} ${i.location.path}`;
      assert.deepEqual(shifted.map(key).sort(), first.map(key).sort(), 'the same fingerprints');
      const lineOf = (list: GitlabIssue[], fp: string) => list.find((i) => i.fingerprint === fp)?.location.lines.begin;
      for (const issue of first.filter((i) => i.location.path.endsWith('b2.py')))
        assert.equal(lineOf(shifted, issue.fingerprint), issue.location.lines.begin + 3, issue.description);
    } finally {
      fs.writeFileSync(badFile(), before);
    }
  });

  it('--format sarif: valid against the SARIF 2.1.0 schema, with partialFingerprints and repository paths', async () => {
    const { code, stdout } = await run(['lint', '--format', 'sarif', '..'], cwd);
    assert.equal(code, 1);
    const sarif = JSON.parse(stdout) as { runs: Array<Record<string, unknown>> };
    // The schema has a language-tag pattern that is not valid with the u flag Ajv uses by default.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as object);
    assert.ok(validate(structuredClone(sarif)), JSON.stringify(validate.errors, null, 2));
    // The validator does reject a broken log (the check above can fail).
    assert.ok(!validate({ ...sarif, runs: [{ ...sarif.runs[0], results: [{ message: 'not an object' }] }] }));

    const runObj = sarif.runs[0] as {
      originalUriBaseIds: { SRCROOT: { uri: string } };
      results: unknown[];
    };
    assert.equal(runObj.originalUriBaseIds.SRCROOT.uri, new URL(`file://${repo}/`).href);
    const gitlab = JSON.parse((await run(['lint', '--format', 'gitlab', '..'], cwd)).stdout) as GitlabIssue[];
    const results = runObj.results as Array<{
      partialFingerprints: Record<string, string>;
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
    }>;
    assert.equal(results.length, gitlab.length);
    const fingerprints = results.map((r) => r.partialFingerprints[FINGERPRINT_KEY]);
    assert.ok(fingerprints.every((f) => /^[0-9a-f]{32}$/.test(f)));
    assert.equal(new Set(fingerprints).size, fingerprints.length);
    assert.deepEqual([...fingerprints].sort(), gitlab.map((i) => i.fingerprint).sort(), 'one identity in both reports');
    for (const r of results)
      assert.match(r.locations[0].physicalLocation.artifactLocation.uri, /^services\/billing\/alembic\/versions\//);
  });

  it('paths stay relative to the repository root whatever the working folder', async () => {
    const fromRoot = JSON.parse(
      (await run(['lint', '--format', 'gitlab', 'services/billing'], repo)).stdout,
    ) as GitlabIssue[];
    const fromInside = JSON.parse((await run(['lint', '--format', 'gitlab', '..'], cwd)).stdout) as GitlabIssue[];
    assert.deepEqual(fromRoot, fromInside);
  });
});
