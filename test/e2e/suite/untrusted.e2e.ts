// Schema Warden in a workspace the user has not trusted (restricted mode): running Alembic runs
// the project's own Python (env.py, the revisions), so the extension must start no Python,
// Alembic, Docker or PostgreSQL there — and no git either, whose repository configuration can run
// commands (SW108) — while static linting and quick fixes keep working.
//
// Runs only in the launcher's untrusted pass (E2E_UNTRUSTED=1, test/e2e/run.ts), which turns
// workspace trust on, does not trust the folder, and arms the workspace copy: env.py touches a
// marker when imported, the copy is a git repository whose .git/config runs marker-writing
// commands on `git status` (core.fsmonitor, a clean filter), and PATH starts with watchers named
// python, alembic, docker, pg_ctl, git… that log who started them (E2E_EXEC_LOG). On top of
// that, this suite samples /proc for descendants of the extension host during the whole run.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../client/src/commands';
import type { SchemaWardenApi } from '../../../client/src/extension';
import { EXTENSION_ID, waitFor, workspaceRoot as root } from './helpers';

const REVISION = 'alembic/versions/0001_missing_downgrade.py';
/** Programs that run the workspace's code or start databases (git is checked on its own). */
const FORBIDDEN =
  /^(python[0-9.]*|alembic|docker|dockerd|docker-proxy|containerd|initdb|pg_ctl|pg_ctlcluster|postgres|postmaster|psql)$/;
/** The runner's commands as the command table (client/src/commands.ts) marks them: they need trust. */
const RUNNER_COMMANDS: Record<string, unknown[]> = {
  'schemaWarden.newRevision': ['untrusted probe'],
  'schemaWarden.verifyRoundTrips': [{ quiet: true }],
  'schemaWarden.verifyFromRevision': ['0001'],
  'schemaWarden.checkDrift': [],
  'schemaWarden.startDatabase': [],
  'schemaWarden.resetDatabase': [],
  'schemaWarden.upgradeToRevision': ['0001'],
  'schemaWarden.downgradeToRevision': ['0001'],
  'schemaWarden.showRevisionSql': ['0001'],
};

const codeOf = (d: vscode.Diagnostic): string => String(typeof d.code === 'object' ? d.code.value : d.code);
const withCode = (uri: vscode.Uri, code: string): vscode.Diagnostic | undefined =>
  vscode.languages.getDiagnostics(uri).find((d) => d.source === 'schema-warden' && codeOf(d) === code);

/** The Schema Warden output channel's file(s) under the launcher's user-data folder (logs/TIME/exthostN/EXTENSION-ID/). */
function outputLog(): string {
  const logs = path.join(process.env.E2E_USER_DATA_DIR ?? '', 'logs');
  let text = '';
  for (const session of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
    for (const host of fs.readdirSync(path.join(logs, session)).filter((d) => d.startsWith('exthost'))) {
      const file = path.join(logs, session, host, EXTENSION_ID, 'Schema Warden.log');
      if (fs.existsSync(file)) text += fs.readFileSync(file, 'utf8');
    }
  }
  return text;
}

interface SeenProcess {
  pid: number;
  chain: number[];
  names: Set<string>;
  argv: string[];
}

/**
 * Every process that descends from the extension host (the language server is its child), seen
 * by reading /proc every few milliseconds; each process's names (comm, argv[0]) over its life,
 * since a child is first a copy of its parent and takes its program's name at exec.
 */
class ProcessWatch {
  readonly seen = new Map<number, SeenProcess>();
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly host: number) {}

  start(intervalMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  sample(): void {
    this.samples++;
    const parent = new Map<number, number>();
    const comm = new Map<number, string>();
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        comm.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
        parent.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]));
      } catch {
        /* gone meanwhile */
      }
    }
    for (const [pid, name] of comm) {
      const chain: number[] = [];
      for (let p = parent.get(pid); p !== undefined && p > 1 && chain.length < 64; p = parent.get(p)) {
        chain.push(p);
        if (p === this.host) break;
      }
      if (chain.at(-1) !== this.host) continue;
      let seen = this.seen.get(pid);
      if (!seen) this.seen.set(pid, (seen = { pid, chain, names: new Set(), argv: [] }));
      if (seen.names.has(name)) continue;
      seen.names.add(name);
      try {
        const argv = fs
          .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .split('\0')
          .filter((a) => a !== '');
        if (argv.length) {
          seen.argv = argv;
          seen.names.add(path.basename(argv[0]));
        }
      } catch {
        /* gone meanwhile */
      }
    }
  }

  describe(p: SeenProcess): string {
    return `${p.pid} [${[...p.names].join(', ')}] ${p.argv.join(' ').slice(0, 200)} (parents ${p.chain.join(' ')})`;
  }
}

describe('untrusted workspace (restricted mode)', function () {
  this.timeout(90_000);
  const watch = new ProcessWatch(process.pid);
  let api: SchemaWardenApi;
  const versionsDir = (): string => path.join(root().fsPath, 'alembic', 'versions');
  let revisionFiles: string[] = [];

  before(async () => {
    watch.start(15);
    const ext = vscode.extensions.getExtension<SchemaWardenApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    revisionFiles = fs.readdirSync(versionsDir()).sort();
  });

  after(() => watch.stop());

  it('runs with workspace trust on and the folder not trusted: vscode.workspace.isTrusted is false', () => {
    assert.strictEqual(vscode.workspace.isTrusted, false);
    assert.strictEqual(vscode.workspace.getConfiguration('security.workspace.trust').get('enabled'), true);
    assert.strictEqual(
      vscode.extensions.getExtension(EXTENSION_ID)?.isActive,
      true,
      'the extension activates in restricted mode (untrustedWorkspaces: limited)',
    );
    assert.ok(
      process.env.E2E_CANARY_DIR && fs.existsSync(process.env.E2E_CANARY_DIR),
      'the launcher armed the canaries (E2E_UNTRUSTED=1 run)',
    );
  });

  it('static linting still works: SW101 on a revision with an empty downgrade(), with its quick fix', async () => {
    const uri = vscode.Uri.joinPath(root(), REVISION);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const sw101 = await waitFor('SW101 on the fixture revision', 45_000, () => withCode(uri, 'SW101'));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      sw101.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => /downgrade/i.test(a.title) && a.edit);
    assert.ok(fix, `a quick fix that writes the downgrade among: ${actions.map((a) => a.title).join(' | ')}`);
    const inserted = (fix.edit?.get(uri) ?? []).map((e) => e.newText).join('');
    assert.match(inserted, /op\.drop_table\(\s*["']account["']/, 'the fix inverts create_table("account")');
    // Lint workspace is static too: it is not refused.
    const result = await vscode.commands.executeCommand<{ files: number; errors: number; warnings: number }>(
      'schemaWarden.lintWorkspace',
    );
    assert.ok(result && result.files >= 1, `Lint workspace linted the revisions: ${JSON.stringify(result)}`);
  });

  it('every command that runs Python, Alembic, Docker or PostgreSQL refuses with a message and starts nothing', async () => {
    const needTrust = COMMANDS.filter((c) => c.needsTrust)
      .map((c) => c.id)
      .sort();
    assert.deepStrictEqual(
      needTrust,
      Object.keys(RUNNER_COMMANDS).sort(),
      'the command table marks exactly these commands as needing trust',
    );
    const warnings: string[] = [];
    const window = vscode.window as { showWarningMessage: (...args: unknown[]) => unknown };
    const original = window.showWarningMessage;
    // Observes the real call (and lets it through): the refusal is what the user sees.
    window.showWarningMessage = (...args: unknown[]) => {
      warnings.push(String(args[0]));
      return original.apply(vscode.window, args);
    };
    try {
      for (const [id, args] of Object.entries(RUNNER_COMMANDS)) {
        const before = warnings.length;
        const result = await vscode.commands.executeCommand(id, ...args);
        assert.strictEqual(result, undefined, `${id} returns nothing`);
        const said = warnings.slice(before);
        assert.strictEqual(said.length, 1, `${id} says why it refuses: ${JSON.stringify(said)}`);
        assert.match(said[0], /trust the workspace/i, `${id}'s message`);
        assert.strictEqual(api.runner.service.database.state, 'stopped', `${id} started no database`);
      }
      // The rest of the runner's commands are allowed; in an untrusted window they have nothing to run.
      await vscode.commands.executeCommand('schemaWarden.refreshRevisions');
      await vscode.commands.executeCommand('schemaWarden.stopDatabase');
    } finally {
      window.showWarningMessage = original;
    }
    assert.deepStrictEqual(fs.readdirSync(versionsDir()).sort(), revisionFiles, 'New revision wrote no revision');
    assert.strictEqual(api.runner.service.lastResult, undefined, 'no verification ran');
    assert.ok(
      !vscode.workspace.textDocuments.some(
        (d) => d.uri.scheme !== 'file' && /\.sql$|schema-warden/i.test(d.uri.toString()),
      ),
      'Show SQL opened no document',
    );
    assert.ok(!fs.existsSync(path.join(process.env.E2E_CANARY_DIR ?? '', 'env.py-ran')), 'env.py was never imported');
  });

  it('offers no code lens that runs Alembic on a revision file', async () => {
    const uri = vscode.Uri.joinPath(root(), REVISION);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const lenses =
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const ours = lenses.filter((l) => l.command?.command.startsWith('schemaWarden.'));
    assert.deepStrictEqual(
      ours.map((l) => l.command?.title),
      [],
      'no Upgrade/Downgrade to here',
    );
  });

  it('the Revisions view asks to trust the workspace instead of reading the graph with Alembic', async () => {
    await vscode.commands.executeCommand('schemaWarden.revisions.focus'); // the workbench renders the real view
    const items = await api.runner.revisions.getChildren();
    assert.strictEqual(items.length, 1, `one message item: ${items.map((i) => String(i.label)).join(' | ')}`);
    assert.match(String(items[0].label), /trust the workspace/i);
    assert.strictEqual(items[0].contextValue, 'message', 'a message, not a revision with a context menu');
  });

  it("the language server asks git nothing (SW108): the repository's fsmonitor and filter commands never run", async () => {
    const canary = process.env.E2E_CANARY_DIR ?? '';
    // A full re-index runs the project rules, SW108 among them, once more.
    await vscode.commands.executeCommand('schemaWarden.lintWorkspace');
    const uri = vscode.Uri.joinPath(root(), REVISION);
    await waitFor('SW101 after the re-index', 30_000, () => withCode(uri, 'SW101'));
    assert.deepStrictEqual(fs.readdirSync(canary).sort(), [], 'no canary fired (env.py, core.fsmonitor, clean filter)');
    // …and says so once, in its log (the output channel's file in the window's logs).
    const log = await waitFor('the Schema Warden log to say git is not run', 15_000, () => {
      const text = outputLog();
      return /The workspace is not trusted: SW108 \(edited-history\) does not run git/.test(text) ? text : undefined;
    });
    assert.strictEqual(log.split('SW108 (edited-history) does not run git').length - 1, 1, 'said once');
    assert.match(log, /schemaWarden\.verifyRoundTrips \(Verify round trips\) refused: the workspace is not trusted/);
  });

  it('started none of python, alembic, docker, initdb, pg_ctl, postgres or git, from the extension host or the language server', () => {
    watch.stop();
    const all = [...watch.seen.values()];
    const server = all.find((p) => p.argv.some((a) => a.endsWith(path.join('dist', 'serverLauncher.js'))));
    // The watch sees the extension host's children: the language server is one of them.
    assert.ok(
      server,
      `the language server among the extension host's descendants (${watch.samples} samples): ${all.map((p) => watch.describe(p)).join('; ')}`,
    );
    console.log(
      `untrusted: ${watch.samples} samples of /proc; descendants of the extension host (${process.pid}): ${all.map((p) => watch.describe(p)).join('; ')}`,
    );
    const forbidden = all.filter(
      (p) => [...p.names].some((n) => FORBIDDEN.test(n)) || p.argv.slice(0, 2).some((a) => /(^|\/)alembic$/.test(a)),
    );
    assert.deepStrictEqual(
      forbidden.map((p) => watch.describe(p)),
      [],
      'no Python, Alembic, Docker or PostgreSQL process',
    );
    const git = all.filter((p) => p.names.has('git'));
    assert.deepStrictEqual(
      git.map((p) => watch.describe(p)),
      [],
      'no git (SW108 does not run in an untrusted workspace)',
    );
    // The PATH watchers saw every exec by name, however short-lived.
    const execLog = process.env.E2E_EXEC_LOG;
    assert.ok(execLog && fs.existsSync(execLog), 'the exec log exists');
    const lines = fs
      .readFileSync(execLog, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const ours = lines.filter((l) => (l.split('\t')[1] ?? '').split(' ').map(Number).includes(process.pid));
    if (lines.length) console.log(`untrusted: exec watchers saw: ${lines.join(' | ')}`);
    assert.deepStrictEqual(ours, [], 'no watched program started under the extension host');
    // The watchers are on the extension host's PATH: a git started here, now, is logged.
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    const after = fs
      .readFileSync(execLog, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('git\t') && (l.split('\t')[1] ?? '').split(' ').map(Number).includes(process.pid));
    assert.strictEqual(
      after.length,
      1,
      `the exec watcher saw the suite's own git --version: ${after.join(' | ')} (PATH ${process.env.PATH})`,
    );
  });
});
