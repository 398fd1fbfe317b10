import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { npmEnv, REPO } from './packedCli';

// The hook as a team uses it (#15): a real `pre-commit` (Debian's package) installs the
// `schema-warden` hook of this repository's .pre-commit-hooks.yaml from git, at a tag made by
// scripts/hook-release.sh (HEAD plus the bundles: dist/ is not committed), and runs it on commits
// in a git repository holding an Alembic project. The hook repository is a clone of this one, so
// the manifest tested is the committed one (in CI, the commit under test).

interface HookManifest {
  id: string;
  entry: string;
  language: string;
  files?: string;
  types?: string[];
  stages?: string[];
  pass_filenames?: boolean;
  require_serial?: boolean;
  name: string;
}

const GOOD = `"""add a note to accounts"""
revision = "0005"
down_revision = "0004"

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("account", sa.Column("note", sa.Text(), nullable=True, comment="free text from support"))


def downgrade():
    op.drop_column("account", "note")
`;

const BAD = GOOD.replace('    op.drop_column("account", "note")', '    pass');

function manifest(): HookManifest[] {
  return parse(fs.readFileSync(path.join(REPO, '.pre-commit-hooks.yaml'), 'utf8')) as HookManifest[];
}

describe('pre-commit: the schema-warden hook refuses a bad revision and passes a good one', function () {
  this.timeout(240_000);
  let work: string;
  let repo: string;
  let env: NodeJS.ProcessEnv;
  const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, env, encoding: 'utf8' });

  before(function () {
    const version = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
    if (version.status !== 0)
      throw new Error('pre-commit is not installed: apt-get install pre-commit (scripts/setup-pre-commit.sh)');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-pre-commit-'));
    repo = path.join(work, 'project');
    env = npmEnv({
      PRE_COMMIT_HOME: path.join(work, 'pre-commit-home'),
      npm_config_cache: path.join(work, 'npm-cache'),
      // Installing the hook needs no registry: the tagged package has no dependencies.
      npm_config_offline: 'true',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: work,
    });
    // The hook repository: this one at HEAD, tagged with the bundles already built in dist/.
    const hookRepo = path.join(work, 'schema-warden');
    execFileSync('git', ['clone', '-q', REPO, hookRepo], { env });
    fs.cpSync(path.join(REPO, 'dist'), path.join(hookRepo, 'dist'), { recursive: true });
    execFileSync('bash', ['scripts/hook-release.sh', 'v0.0.0-test'], {
      cwd: hookRepo,
      env: { ...env, HOOK_RELEASE_SKIP_BUILD: '1' },
      stdio: 'pipe',
    });
    fs.cpSync(path.join(REPO, 'examples', 'demo'), repo, { recursive: true });
    const config = { repos: [{ repo: hookRepo, rev: 'v0.0.0-test', hooks: [{ id: 'schema-warden' }] }] };
    fs.writeFileSync(path.join(repo, '.pre-commit-config.yaml'), stringify(config));
    execFileSync('git', ['init', '-q', '-b', 'main', repo], { env });
    // The demo's own revisions break the policy on purpose: they are the history, committed
    // without the hook; the hook then judges what each new commit touches.
    assert.equal(git('add', '-A').status, 0);
    assert.equal(git('commit', '-q', '-m', 'the demo project').status, 0);
    const install = spawnSync('pre-commit', ['install'], { cwd: repo, env, encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('declares the lint hook (language node, revision files, whole project) and an opt-in verify hook', () => {
    const [lint, verify] = manifest();
    assert.equal(lint.id, 'schema-warden');
    assert.equal(lint.language, 'node');
    assert.equal(lint.entry, 'schema-warden lint');
    assert.match('migrations/versions/0001_init.py', new RegExp(lint.files as string));
    assert.doesNotMatch('app/models.py', new RegExp(lint.files as string));
    assert.equal(verify.id, 'schema-warden-verify');
    assert.equal(verify.entry, 'schema-warden verify');
    assert.equal(verify.pass_filenames, false);
    assert.deepEqual(verify.stages, ['manual'], 'verify runs only when a team opts in');
  });

  it('refuses a commit whose revision has no downgrade, naming the finding', () => {
    const file = path.join(repo, 'alembic', 'versions', '0005_account_note.py');
    fs.writeFileSync(file, BAD);
    assert.equal(git('add', file).status, 0);
    const commit = git('commit', '-m', 'account note');
    const output = commit.stdout + commit.stderr;
    assert.notEqual(commit.status, 0, output);
    assert.match(output, /Schema Warden \(lint migrations\)\.+Failed/);
    assert.match(output, /0005_account_note\.py:\d+:\d+: error SW101 \[require-downgrade\]/);
    // Only the staged revision is reported; the rest of the project is context (0004 exists, so no SW107).
    assert.doesNotMatch(output, /000[1-4]_[a-z_]+\.py:\d+:\d+:/);
    assert.equal(git('rev-list', '--count', 'HEAD').stdout.trim(), '1', 'nothing was committed');
  });

  it('lets the fixed revision through', () => {
    const file = path.join(repo, 'alembic', 'versions', '0005_account_note.py');
    fs.writeFileSync(file, GOOD);
    assert.equal(git('add', file).status, 0);
    const commit = git('commit', '-m', 'account note');
    const output = commit.stdout + commit.stderr;
    assert.equal(commit.status, 0, output);
    assert.match(output, /Schema Warden \(lint migrations\)\.+Passed/);
    assert.equal(git('rev-list', '--count', 'HEAD').stdout.trim(), '2');
  });
});
