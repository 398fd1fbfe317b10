// Adopting Schema Warden on an existing project, in real git repositories made by the test:
// `baseline --write` accepts the history, `lint` then reports only what comes after it, and
// `lint --changed` only what a branch added or modified.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../server/src/cli/io';
import { main } from '../../server/src/cli/main';
import { selectRevisions } from '../../server/src/runner/verify';
import type { RevisionInfo } from '../../server/src/runner/helperProtocol';
import { RevisionGraph } from '../../server/src/runner/revisionGraph';
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

/** The legacy history: integer keys, naive timestamps, no rationale: plenty of findings. */
const A1 = `"""create account"""
revision = "a1"
down_revision = None


def upgrade():
    op.create_table("accounts", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("created", sa.DateTime()))


def downgrade():
    op.drop_table("accounts")
`;
const B1 = `"""add last login"""
revision = "b1"
down_revision = "a1"


def upgrade():
    op.add_column("accounts", sa.Column("last_login", sa.DateTime()))


def downgrade():
    op.drop_column("accounts", "last_login")
`;
/** The new revision: a naive timestamp (SW204) and nothing else wrong. */
const C1 = `"""add seen at"""
revision = "c1"
down_revision = "b1"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("accounts", sa.Column("seen_at", sa.DateTime(), comment="last activity"))


def downgrade():
    op.drop_column("accounts", "seen_at")
`;

const PYPROJECT = `# The project's own settings; Schema Warden must not disturb them.
[project]
name    =   "legacy"     # odd spacing on purpose
version = '1.0'

[tool.ruff]
line-length = 100
`;

class Repo {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-baseline-'));
  readonly versions = path.join(this.root, 'alembic', 'versions');
  constructor() {
    fs.mkdirSync(this.versions, { recursive: true });
    fs.writeFileSync(path.join(this.root, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/alembic\n');
    fs.writeFileSync(path.join(this.root, 'alembic', 'env.py'), '');
    fs.writeFileSync(path.join(this.root, 'pyproject.toml'), PYPROJECT);
    fs.writeFileSync(path.join(this.versions, 'a1_account.py'), A1);
    fs.writeFileSync(path.join(this.versions, 'b1_last_login.py'), B1);
    this.git('init', '-q', '-b', 'main');
    this.commit('legacy history');
  }
  git(...args: string[]): string {
    return execFileSync(
      'git',
      ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
      { cwd: this.root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  }
  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
  }
  write(name: string, text: string): void {
    fs.writeFileSync(path.join(this.versions, name), text);
  }
  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** `file rule` for every finding of a JSON report. */
function findingsOf(stdout: string): string[] {
  const report = JSON.parse(stdout) as { files: Array<{ path: string; diagnostics: Array<{ rule: string }> }> };
  return report.files.flatMap((f) => f.diagnostics.map((d) => `${path.basename(f.path)} ${d.rule}`));
}

describe('adopting Schema Warden on an existing project (baseline, lint --changed)', function () {
  this.timeout(60_000);
  before(() => engineReady);
  let repo: Repo;
  beforeEach(() => {
    repo = new Repo();
  });
  afterEach(() => repo.dispose());

  it('baseline prints the head; --write records it, keeping the rest of pyproject.toml byte for byte', async () => {
    const before = await run(['lint', '--format', 'json'], repo.root);
    assert.equal(before.code, 1, 'the legacy history has error findings');
    assert.ok(findingsOf(before.stdout).some((f) => f.startsWith('a1_account.py')));

    const printed = await run(['baseline'], repo.root);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout, 'b1\n');

    const written = await run(['baseline', '--write'], repo.root);
    assert.equal(written.code, 0, written.stderr);
    assert.match(
      written.stdout,
      /Recorded baseline = "b1" in pyproject\.toml \[tool\.schema-warden\]: 2 revisions accepted/,
    );
    const text = fs.readFileSync(path.join(repo.root, 'pyproject.toml'), 'utf8');
    assert.equal(text, `${PYPROJECT}\n[tool.schema-warden]\nbaseline = "b1"\n`);

    const after = await run(['lint'], repo.root);
    assert.equal(after.code, 0, after.stdout);
    assert.match(after.stdout, /All checks passed \(2 files\)/);
    assert.match(after.stderr, /baseline b1: 2 revisions accepted/);
  });

  it('after the baseline, a new revision with a naive timestamp is the only thing reported, in every format', async () => {
    assert.equal((await run(['baseline', '--write'], repo.root)).code, 0);
    repo.commit('accept the history');
    repo.write('c1_seen_at.py', C1);
    const json = await run(['lint', '--format', 'json'], repo.root);
    assert.equal(json.code, 1);
    assert.deepEqual(findingsOf(json.stdout), ['c1_seen_at.py SW204']);
    const sarif = await run(['lint', '--format', 'sarif'], repo.root);
    const results = (
      JSON.parse(sarif.stdout) as {
        runs: Array<{
          results: Array<{
            ruleId: string;
            locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
          }>;
        }>;
      }
    ).runs[0].results;
    assert.deepEqual(
      results.map((r) => `${path.basename(r.locations[0].physicalLocation.artifactLocation.uri)} ${r.ruleId}`),
      ['c1_seen_at.py SW204'],
    );
  });

  it('lint --changed reports only the revisions a branch added or modified (uncommitted and untracked count)', async () => {
    // No baseline here: the old revisions have findings, and --changed alone leaves them out.
    repo.write('c1_seen_at.py', C1);
    const untracked = await run(['lint', '--changed', '--format', 'json'], repo.root);
    assert.equal(untracked.code, 1, untracked.stderr);
    assert.deepEqual(findingsOf(untracked.stdout), ['c1_seen_at.py SW204']);
    assert.match(untracked.stderr, /--changed: 1 changed file\(s\) relative to HEAD/);

    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit('c1');
    const committed = await run(['lint', '--changed', 'main', '--format', 'json'], repo.root);
    assert.equal(committed.code, 1, committed.stderr);
    assert.deepEqual(findingsOf(committed.stdout), ['c1_seen_at.py SW204']);
    // The whole history still builds the schema: c1 adds to a table only a1 creates.
    const sarif = await run(['lint', '--changed=main', '--format', 'sarif'], repo.root);
    assert.equal((JSON.parse(sarif.stdout) as { runs: Array<{ results: unknown[] }> }).runs[0].results.length, 1);
    const text = await run(['lint', '--changed', 'main'], repo.root);
    assert.match(text.stdout, /c1_seen_at\.py:8:\d+: error SW204/);
    assert.doesNotMatch(text.stdout, /a1_account|b1_last_login/);

    // With an upstream, the default base is the merge-base with it.
    repo.git('branch', '-q', '--set-upstream-to=main');
    const upstream = await run(['lint', '--changed', '--format', 'json'], repo.root);
    assert.deepEqual(findingsOf(upstream.stdout), ['c1_seen_at.py SW204']);
    assert.match(upstream.stderr, /relative to main \(merge-base [0-9a-f]{8}\)/);

    // Nothing changed since HEAD on main: nothing is reported, and the run says why.
    repo.git('checkout', '-q', 'main');
    const clean = await run(['lint', '--changed'], repo.root);
    assert.equal(clean.code, 0);
    assert.match(clean.stderr, /--changed: 0 changed file\(s\) relative to HEAD/);
  });

  it('lint --changed outside a git repository exits 2 and says why; so does an unknown REF', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-nogit-'));
    try {
      fs.writeFileSync(path.join(outside, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/alembic\n');
      fs.mkdirSync(path.join(outside, 'alembic', 'versions'), { recursive: true });
      fs.writeFileSync(path.join(outside, 'alembic', 'versions', 'c1.py'), C1);
      const result = await run(['lint', '--changed', '--format', 'json'], outside);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /--changed compares with git, and .* is not inside a git repository/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
    const unknown = await run(['lint', '--changed=no-such-branch'], repo.root);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--changed no-such-branch: git knows no commit by that name/);
  });

  it('a baseline naming no revision is a configuration error naming the key; a list accepts one id per head', async () => {
    fs.appendFileSync(path.join(repo.root, 'pyproject.toml'), '\n[tool.schema-warden]\nbaseline = "zz9"\n');
    const unknown = await run(['lint'], repo.root);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /configuration error: .*pyproject\.toml: `tool\.schema-warden\.baseline` names "zz9", which is not a revision/,
    );
    fs.writeFileSync(path.join(repo.root, 'pyproject.toml'), `${PYPROJECT}\n[tool.schema-warden]\nbaseline = ["a1"]\n`);
    const list = await run(['lint', '--format', 'json'], repo.root);
    assert.ok(
      findingsOf(list.stdout).every((f) => f.startsWith('b1_last_login.py')),
      list.stdout,
    );
    assert.ok(findingsOf(list.stdout).length > 0);
  });

  it('revision-graph errors (SW107) are still reported on accepted revisions', async () => {
    // Two roots: a second history starting from nothing is a graph error, accepted or not.
    repo.write('x1_orphan.py', A1.replace('revision = "a1"', 'revision = "x1"'));
    fs.writeFileSync(
      path.join(repo.root, 'pyproject.toml'),
      `${PYPROJECT}\n[tool.schema-warden]\nbaseline = ["b1", "x1"]\n`,
    );
    const result = await run(['lint', '--format', 'json'], repo.root);
    const rules = new Set(findingsOf(result.stdout).map((f) => f.split(' ')[1]));
    assert.deepEqual([...rules], ['SW107'], result.stdout);
  });

  it('an uncommitted edit of an accepted revision is still reported (SW108), a committed old one is accepted', async () => {
    // History as found: a1 was edited after b1 was committed, long ago.
    repo.write(
      'a1_account.py',
      A1.replace('"accounts", sa.Column("id"', '"accounts", sa.Column("email", sa.Text()), sa.Column("id"'),
    );
    repo.commit('an old edit of a1');
    const before = await run(['lint', '--format', 'json', '--select', 'SW108'], repo.root);
    assert.deepEqual(findingsOf(before.stdout), ['a1_account.py SW108']);
    assert.equal((await run(['baseline', '--write'], repo.root)).code, 0);
    repo.commit('accept the history');
    const accepted = await run(['lint', '--format', 'json'], repo.root);
    assert.deepEqual(findingsOf(accepted.stdout), [], 'the old edit is part of the accepted history');
    repo.write('a1_account.py', A1.replace('sa.Integer()', 'sa.BigInteger()'));
    const edited = await run(['lint', '--format', 'json'], repo.root);
    assert.deepEqual(findingsOf(edited.stdout), ['a1_account.py SW108'], 'editing accepted history now is reported');
  });

  it('baseline --write keeps an existing key in place, and writes schema-warden.toml when that is the configuration', async () => {
    fs.writeFileSync(
      path.join(repo.root, 'pyproject.toml'),
      `${PYPROJECT}\n[tool.schema-warden]\nignore   = ["SW201"]\nbaseline   =   "a1"   # accepted ` +
        `on adoption day\n\n[tool.schema-warden.severity]\nSW206 = "off"\n`,
    );
    assert.equal((await run(['baseline', '--write'], repo.root)).code, 0);
    assert.equal(
      fs.readFileSync(path.join(repo.root, 'pyproject.toml'), 'utf8'),
      `${PYPROJECT}\n[tool.schema-warden]\nignore   = ["SW201"]\nbaseline   =   "b1"   # accepted ` +
        `on adoption day\n\n[tool.schema-warden.severity]\nSW206 = "off"\n`,
    );
    fs.writeFileSync(
      path.join(repo.root, 'schema-warden.toml'),
      '# team policy\npostgres-version = 15\n\n[severity]\nSW206 = "off"\n',
    );
    assert.equal((await run(['baseline', '--write'], repo.root)).code, 0);
    assert.equal(
      fs.readFileSync(path.join(repo.root, 'schema-warden.toml'), 'utf8'),
      '# team policy\npostgres-version = 15\nbaseline = "b1"\n\n[severity]\nSW206 = "off"\n',
    );
  });

  it('verify leaves the accepted history out of the round trips unless --all (selection of revisions)', () => {
    const info = (revision: string, down: string[]): RevisionInfo => ({
      revision,
      downRevisions: down,
      dependencies: [],
      branchLabels: [],
      doc: '',
      path: `${revision}.py`,
      isHead: revision === 'c1',
      isBase: down.length === 0,
      isMerge: false,
      isBranchPoint: false,
    });
    const graph = new RevisionGraph([info('a1', []), info('b1', ['a1']), info('c1', ['b1'])]);
    assert.deepEqual(selectRevisions(graph, undefined, undefined, ['b1']), ['c1']);
    assert.deepEqual(selectRevisions(graph), ['a1', 'b1', 'c1']);
  });
});
