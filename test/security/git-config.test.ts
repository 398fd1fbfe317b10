// A repository's own configuration (.git/config, .git/info/attributes) comes with the repository,
// and can make even read-only git commands run programs: core.fsmonitor on `git status`, a clean
// filter on files whose timestamps changed, log.showSignature with gpg.program, pagers, external
// diffs. SW108 asks git about the revision files, so linting such a repository must not run them
// (git is started with those turned off), and in an untrusted editor workspace git is not
// started at all. Each canary writes a marker file; a plain `git status` proves they are armed.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../server/src/cli/io';
import { main } from '../../server/src/cli/main';
import { defaultConfig } from '../../server/src/config/config';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { lintProjectRules } from '../../server/src/engine/lint';
import { createProjectModel } from '../../server/src/model/project';
import SW108 from '../../server/src/rules/SW108-edited-history';
import { filterOverrides } from '../../server/src/engine/git';
import { engineReady } from '../support/engine';
import { bundleServer, LspSession } from '../lsp/lspSession';

const A1 = `"""create account"""
revision = "a1"
down_revision = None


def upgrade():
    op.create_table("account", sa.Column("id", sa.UUID(), primary_key=True))


def downgrade():
    op.drop_table("account")
`;
const B1 = `"""add note"""
revision = "b1"
down_revision = "a1"


def upgrade():
    op.add_column("account", sa.Column("note", sa.Text(), comment="free text"))


def downgrade():
    op.drop_column("account", "note")
`;
const MARKERS = ['fsmonitor', 'filter', 'gpg', 'pager', 'external-diff', 'textconv'];

/**
 * A repository with a1 and its child b1 committed and a1 edited since (SW108 reports it), whose
 * .git/config and .git/info/attributes point every execution path at marker-writing scripts.
 */
class BoobyTrappedRepo {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-gitcfg-'));
  readonly markers = path.join(this.root, '..', `${path.basename(this.root)}-markers`);
  readonly a1 = path.join(this.root, 'alembic', 'versions', 'a1_account.py');

  constructor() {
    fs.mkdirSync(path.dirname(this.a1), { recursive: true });
    fs.mkdirSync(this.markers);
    fs.writeFileSync(path.join(this.root, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/alembic\n');
    fs.writeFileSync(path.join(this.root, 'alembic', 'env.py'), '');
    fs.writeFileSync(this.a1, A1);
    fs.writeFileSync(path.join(this.root, 'alembic', 'versions', 'b1_note.py'), B1);
    this.git('init', '-q');
    this.git('add', '-A');
    this.git('commit', '-q', '-m', 'a1 and b1');
    fs.writeFileSync(this.a1, A1.replace('primary_key=True)', 'primary_key=True), sa.Column("email", sa.Text())'));
    const hook = (name: string, tail: string): string => {
      const file = path.join(this.markers, `${name}.sh`);
      fs.writeFileSync(file, `#!/bin/sh\necho "$*" >> '${path.join(this.markers, name)}'\n${tail}\n`, { mode: 0o755 });
      return file;
    };
    fs.appendFileSync(
      path.join(this.root, '.git', 'config'),
      [
        '[core]',
        `\tfsmonitor = ${hook('fsmonitor', 'exit 0')}`,
        `\tpager = ${hook('pager', 'cat')}`,
        '[log]',
        '\tshowSignature = true',
        '[gpg]',
        `\tprogram = ${hook('gpg', 'exit 1')}`,
        '[diff]',
        `\texternal = ${hook('external-diff', 'exit 0')}`,
        '[diff "canary"]',
        `\ttextconv = ${hook('textconv', 'cat "$1"')}`,
        '[filter "canary"]',
        `\tclean = ${hook('filter', 'cat')}`,
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(this.root, '.git', 'info', 'attributes'), '*.py filter=canary diff=canary\n');
    // Timestamps newer than the index's: git status re-reads the files, through the clean filter.
    const later = new Date(Date.now() + 5000);
    for (const f of fs.readdirSync(path.dirname(this.a1)))
      fs.utimesSync(path.join(path.dirname(this.a1), f), later, later);
  }

  git(...args: string[]): string {
    return execFileSync(
      'git',
      ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
      {
        cwd: this.root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
      },
    );
  }

  fired(): string[] {
    return MARKERS.filter((m) => fs.existsSync(path.join(this.markers, m)));
  }

  reset(): void {
    for (const m of MARKERS) fs.rmSync(path.join(this.markers, m), { force: true });
  }

  lint(trusted?: boolean): string[] {
    const dir = path.dirname(this.a1);
    const models = fs
      .readdirSync(dir)
      .sort()
      .map((f) => analyzeOnce(path.join(dir, f), fs.readFileSync(path.join(dir, f), 'utf8')));
    const project = createProjectModel(this.root, defaultConfig(this.root), models);
    return [...lintProjectRules(project, { rules: [SW108], ...(trusted === undefined ? {} : { trusted }) }).values()]
      .flat()
      .map((f) => `${path.basename(f.path)} ${f.ruleId}`);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
    fs.rmSync(this.markers, { recursive: true, force: true });
  }
}

describe('git runs nothing a repository configures (SW108)', function () {
  this.timeout(30_000);
  before(() => engineReady);
  let repo: BoobyTrappedRepo;
  beforeEach(() => {
    repo = new BoobyTrappedRepo();
    // The canaries are armed: plain git runs the fsmonitor hook and the clean filter on status,
    // the external diff on `git diff`, the textconv driver on `git log -p`. (The pager runs only
    // on a terminal, which git never has here; it is turned off all the same.)
    repo.git('status', '--porcelain');
    repo.git('diff');
    repo.git('log', '-p', '-1');
    const armed = repo.fired();
    for (const m of ['fsmonitor', 'filter', 'external-diff', 'textconv'])
      assert.ok(armed.includes(m), `the ${m} canary fires with plain git (fired: ${armed.join(', ')})`);
    repo.reset();
  });
  afterEach(() => repo.dispose());

  it('the rule asks git (and reports the edited revision) without running any of them', () => {
    assert.deepEqual(repo.lint(), ['a1_account.py SW108'], 'git was asked: the uncommitted edit of a1 is found');
    assert.deepEqual(repo.fired(), []);
  });

  it('in an untrusted workspace (trusted: false) the rule reports nothing and runs nothing', () => {
    assert.deepEqual(repo.lint(false), []);
    assert.deepEqual(repo.fired(), []);
  });

  it('schema-warden lint (with its early git questions) runs none of them', async () => {
    let stdout = '';
    const io: CliIo = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: () => undefined,
      cwd: repo.root,
      isTTY: false,
    };
    await main(['lint', '--format', 'json', '--select', 'SW108'], io);
    assert.match(stdout, /"SW108"/, `the CLI reports SW108: ${stdout.slice(0, 400)}`);
    assert.deepEqual(repo.fired(), []);
  });

  it('filterOverrides turns off every configured driver, and refuses names it cannot quote', () => {
    assert.deepEqual(filterOverrides('filter.lfs.clean\0filter.lfs.smudge\0filter.a.b.process\0'), [
      '-c',
      'filter.lfs.clean=',
      '-c',
      'filter.lfs.process=',
      '-c',
      'filter.a.b.clean=',
      '-c',
      'filter.a.b.process=',
    ]);
    assert.deepEqual(filterOverrides(''), []);
    assert.equal(filterOverrides('filter.x=y.clean\0'), undefined);
  });
});

describe('the language server and workspace trust (SW108)', function () {
  this.timeout(30_000);
  before(() => bundleServer());
  let repo: BoobyTrappedRepo;
  let session: LspSession | undefined;
  beforeEach(() => {
    repo = new BoobyTrappedRepo();
  });
  afterEach(async () => {
    await session?.stop();
    session = undefined;
    repo.dispose();
  });

  async function diagnosticsOfA1(initializationOptions?: unknown): Promise<string[]> {
    session = new LspSession(repo.root);
    await session.initialize(initializationOptions);
    await session.waitForStatus((s) => s.state === 'ready' && s.filesAnalysed === 2, 20_000);
    const published = session.diagnostics.get(`file://${repo.a1}`);
    return (published?.diagnostics ?? []).map((d) => String(d.code)).filter((c) => c === 'SW108');
  }

  it('told the workspace is untrusted, it asks git nothing, reports no SW108 and says so once', async () => {
    assert.deepEqual(await diagnosticsOfA1({ workspaceTrusted: false }), []);
    assert.equal(
      session!.logs.filter((l) => /not trusted: SW108 \(edited-history\) does not run git/.test(l)).length,
      1,
      session!.logs.join('\n'),
    );
    assert.deepEqual(repo.fired(), []);
  });

  it("trusted (or told nothing, as other editors), it reports SW108 and still runs none of the repository's commands", async () => {
    assert.deepEqual(await diagnosticsOfA1({ workspaceTrusted: true }), ['SW108']);
    assert.deepEqual(repo.fired(), []);
    await session!.stop();
    assert.deepEqual(await diagnosticsOfA1(), ['SW108']);
    assert.ok(!session!.logs.some((l) => /not trusted/.test(l)));
    assert.deepEqual(repo.fired(), []);
  });
});
