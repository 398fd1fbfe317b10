// The migration runner in the real editor: the Schema Warden sidebar lists the workspace's
// revisions; on the demo (E2E_WORKSPACE=examples/demo) a verification on local PostgreSQL binaries
// reports the deliberately leaky downgrade of 0002 as SW510 on the right file and line, a later
// passing run clears it, the Database view's cluster shows applied state, and nothing is left
// running afterwards.
//
// The runner needs the repository's Python with Alembic (<repo>/.venv, scripts/setup-python.sh)
// and PostgreSQL 15 binaries (scripts/setup-postgres.sh); E2E_PYTHON overrides the interpreter.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './helpers';
import type { SchemaWardenApi } from '../../../client/src/extension';
import { RunnerService } from '../../../client/src/runner/runnerService';
import { Client } from 'pg';
import type { DriftResult } from '../../../server/src/runner/drift';
import type { VerifyResult } from '../../../server/src/runner/verify';

const LEAKY = 'alembic/versions/0002_account_email_index.py';

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

/** Revision ids declared in the workspace's versions folder, read from the files themselves. */
function declaredRevisions(): string[] {
  const dir = path.join(workspaceDir(), 'alembic', 'versions');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.py'))
    .map((f) => /^revision\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]/m.exec(fs.readFileSync(path.join(dir, f), 'utf8'))?.[1])
    .filter((id): id is string => !!id)
    .sort();
}

/** Processes whose command line mentions `text` (a cluster's temp folder), from /proc. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline.trim()}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

function clusterFolders(): Set<string> {
  return new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('schema-warden-pg-')));
}

/** Cluster folders this extension host made (other test runs on the machine make their own). */
function ownClusterFolders(): string[] {
  return [...clusterFolders()].filter((f) => {
    try {
      return (
        (JSON.parse(fs.readFileSync(path.join(os.tmpdir(), f, 'owner.json'), 'utf8')) as { pid?: number }).pid ===
        process.pid
      );
    } catch {
      return false;
    }
  });
}

/** Alembic helpers this extension host started (children of this process). */
function ownHelpers(): string[] {
  return processesMentioning('alembic_helper.py').filter((line) => {
    try {
      const stat = fs.readFileSync(`/proc/${line.split(':')[0]}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
    } catch {
      return false;
    }
  });
}

describe('migration runner sidebar', function () {
  this.timeout(180_000);
  let api: SchemaWardenApi;
  const isDemo = () => fs.existsSync(path.join(workspaceDir(), LEAKY));

  before(async () => {
    const ext = vscode.extensions.getExtension<SchemaWardenApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    assert.ok(api?.runner, 'activate() returns the runner API');
    const python = process.env.E2E_PYTHON ?? path.join(ext.extensionUri.fsPath, '.venv', 'bin', 'python');
    assert.ok(fs.existsSync(python), `${python} exists (scripts/setup-python.sh)`);
    assert.ok(vscode.workspace.isTrusted, 'the test workspace is trusted');
    const config = vscode.workspace.getConfiguration('schemaWarden');
    await config.update('python', python, vscode.ConfigurationTarget.Workspace);
    await config.update('runner.target', 'local', vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await api?.runner.service.stopDatabase();
    const config = vscode.workspace.getConfiguration('schemaWarden');
    await config.update('python', undefined, vscode.ConfigurationTarget.Workspace);
    await config.update('runner.target', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('contributes the Schema Warden view container with Revisions, Database and Results', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    const views = (ext?.packageJSON.contributes.views.schemaWarden as Array<{ id: string; name: string }>).map(
      (v) => v.name,
    );
    assert.deepEqual(views, ['Revisions', 'Database', 'Results']);
    // The view is registered: focusing it works.
    await vscode.commands.executeCommand('schemaWarden.revisions.focus');
  });

  it("lists the workspace's revisions in the Revisions view, each opening its file", async () => {
    const items = await api.runner.revisions.getChildren();
    const labels = items.map((i) => String(i.label)).sort();
    assert.deepEqual(
      labels,
      declaredRevisions(),
      `items: ${items.map((i) => `${String(i.label)} ${String(i.description)}`).join(' | ')}`,
    );
    for (const item of items) {
      assert.match(item.contextValue ?? '', /^revision\./);
      const target = item.command?.arguments?.[0] as vscode.Uri | undefined;
      assert.ok(target && fs.existsSync(target.fsPath), `${String(item.label)} opens an existing file`);
      assert.ok(target.fsPath.startsWith(workspaceDir()), 'the file is in the workspace');
    }
    // No database started yet: the applied state is unknown.
    assert.ok(items.every((i) => i.contextValue === 'revision.unknown'));
  });

  it('offers Upgrade/Downgrade to here as code lenses above def upgrade / def downgrade', async function () {
    if (!isDemo()) this.skip();
    const uri = vscode.Uri.file(path.join(workspaceDir(), LEAKY));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const ours = lenses.filter((l) => l.command?.command.startsWith('schemaWarden.'));
    const text = fs.readFileSync(uri.fsPath, 'utf8').split('\n');
    assert.deepEqual(
      ours.map((l) => [l.command?.title, l.range.start.line, l.command?.arguments?.[0]]),
      [
        ['Upgrade to here', text.findIndex((l) => l.startsWith('def upgrade')), '0002'],
        ['Downgrade to here', text.findIndex((l) => l.startsWith('def downgrade')), '0002'],
      ],
    );
  });

  it('verification on the demo reports the leaky downgrade of 0002 as SW510 on its downgrade line; nothing is left running', async function () {
    if (!isDemo()) this.skip();
    const before = clusterFolders();
    const result = await vscode.commands.executeCommand<VerifyResult>('schemaWarden.verifyRoundTrips', { quiet: true });
    assert.ok(result, 'the command returns the verification result');
    assert.equal(result.ok, false);
    assert.equal(result.failure?.revision, '0002');
    assert.equal(result.failure?.step, 'downgrade');

    const file = path.join(workspaceDir(), LEAKY);
    const downgradeLine = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('def downgrade'));
    const diagnostics = vscode.languages
      .getDiagnostics(vscode.Uri.file(file))
      .filter((d) => typeof d.code === 'object' && d.code.value === 'SW510');
    assert.equal(diagnostics.length, 1, 'one SW510 diagnostic on 0002');
    const [d] = diagnostics;
    assert.equal(d?.source, 'schema-warden');
    assert.equal(d?.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d?.range.start.line, downgradeLine);
    assert.match(d?.message ?? '', /downgrade/);
    assert.match(d?.message ?? '', /index ix_account_email is left behind/);
    assert.match(
      String((d?.code as { target: vscode.Uri }).target),
      /^command:schemaWarden\.openRuleDocumentation\?.*SW510/,
    );

    // The Results view: ✓ 0001, ✗ 0002 with the difference under its downgrade step; the run keeps
    // going (schemaWarden.runner.keepGoing, on by default): 0003's empty downgrade fails too, 0004 passes.
    const results = api.runner.results.getChildren();
    assert.deepEqual(
      results.map((r) => String(r.label)),
      ['✓ 0001', '✗ 0002', '✗ 0003', '✓ 0004'],
    );
    const failedSteps = api.runner.results.getChildren(results[1]);
    const downgrade = failedSteps.find((s) => String(s.label) === '✗ downgrade');
    assert.ok(downgrade, 'the failed step is listed');
    assert.deepEqual(
      api.runner.results.getChildren(downgrade).map((c) => String(c.label)),
      ['index ix_account_email is left behind'],
    );

    // Ran on local binaries, in a temp folder that is gone with its server.
    const run = api.runner.service.lastRun;
    assert.equal(run?.target.kind, 'local');
    assert.ok(run?.target.ephemeral);
    const dir = run?.target.clusterDir;
    assert.ok(dir, 'the cluster folder is known');
    assert.ok(!before.has(path.basename(dir)), 'a fresh cluster');
    assert.ok(!fs.existsSync(dir), `${dir} is removed`);
    assert.deepEqual(processesMentioning(dir), [], 'no process of the run is left');
  });

  it('the Results view lists every failing revision of a keep-going run from the sidebar, with progress while it goes', async function () {
    if (!isDemo()) this.skip();
    // What the view's description said at each step the service reported.
    const seen: string[] = [];
    const listener = api.runner.service.onDidProgress((progress) => {
      if (progress) seen.push(String(api.runner.results.description ?? ''));
    });
    await vscode.commands.executeCommand('schemaWarden.results.focus');
    let result: VerifyResult | undefined;
    try {
      result = await vscode.commands.executeCommand<VerifyResult>('schemaWarden.verifyRoundTrips', { quiet: true });
    } finally {
      listener.dispose();
    }
    assert.ok(result && !result.ok, 'the demo fails verification');
    assert.ok(result.keepGoing, 'the sidebar verifies with keep-going');
    const failures = result.failures ?? [];
    assert.ok(
      failures.some((f) => f.revision === '0002' && f.step === 'downgrade'),
      JSON.stringify(failures),
    );
    console.log(
      `failures: ${failures.map((f) => `${f.revision} (${f.step})`).join(', ')}; progress: ${seen.join(' | ')}`,
    );
    assert.ok(
      seen.some((d) => /^running: downgrade 0002 \(\d+\/\d+\)$/.test(d)),
      `the view's description named the step under way: ${seen.join(' | ')}`,
    );
    assert.equal(api.runner.results.description, undefined, 'no "running" description once the run ended');

    // Every failing revision is a ✗ row whose description starts with its step and cause.
    const rows = api.runner.results.getChildren();
    const failed = rows.filter((r) => String(r.label).startsWith('✗'));
    assert.deepEqual(
      failed.map((r) => String(r.label)),
      failures.map((f) => `✗ ${f.revision}`),
    );
    failed.forEach((row, i) =>
      assert.ok(String(row.description).startsWith(`${failures[i]?.step}: `), String(row.description)),
    );
    assert.ok(rows.length > failed.length + 1, 'the run went on past the first failure');
    if (failures.length > 1)
      assert.match(api.runner.results.message ?? '', new RegExp(`${failures.length} failed: 0002 \\(downgrade\\)`));
  });

  it('a later passing run clears the SW510 diagnostic', async function () {
    if (!isDemo()) this.skip();
    const result = await vscode.commands.executeCommand<VerifyResult>('schemaWarden.verifyRoundTrips', {
      from: '0004',
      quiet: true,
    });
    assert.equal(result?.ok, true, JSON.stringify(result?.failure));
    const file = vscode.Uri.file(path.join(workspaceDir(), LEAKY));
    assert.deepEqual(
      vscode.languages.getDiagnostics(file).filter((d) => typeof d.code === 'object' && d.code.value === 'SW510'),
      [],
    );
    const dir = api.runner.service.lastRun?.target.clusterDir;
    assert.ok(dir && !fs.existsSync(dir));
  });

  it('Cancel stops a verification mid-run and leaves no helper, cluster or server behind', async function () {
    if (!isDemo()) this.skip();
    const helpersBefore = new Set(ownHelpers());
    const controller = new AbortController();
    let steps = 0;
    const run = api.runner.service.verify({
      signal: controller.signal,
      onStep: () => {
        steps++;
        controller.abort();
      },
    });
    await assert.rejects(
      run,
      (error: Error) => /cancel/i.test(`${error.name} ${error.message}`),
      'the run ends as cancelled',
    );
    assert.equal(steps, 1, 'it stopped after the first step');
    // The Results view keeps what the cancelled run verified, marked cancelled.
    assert.ok(api.runner.service.lastResultCancelled, 'the last result is the cancelled run');
    assert.match(api.runner.results.message ?? '', /^Cancelled: /);
    // Only 0001's upgrade ran: the revision is not counted as passed.
    assert.deepEqual(
      api.runner.results.getChildren().map((r) => String(r.label)),
      ['· 0001'],
    );
    // The browsing helper of the Revisions view may stay; the run's own helper must be gone.
    assert.deepEqual(
      ownHelpers().filter((p) => !helpersBefore.has(p)),
      [],
      'no Alembic helper of the run is left',
    );
    assert.deepEqual(ownClusterFolders(), [], 'the cluster folder is removed');
    const dir = api.runner.service.lastClusterDir;
    assert.ok(dir && dir !== api.runner.service.lastRun?.target.clusterDir, 'the cancelled run had its own cluster');
    assert.ok(!fs.existsSync(dir), `${dir} is removed`);
    assert.deepEqual(processesMentioning(dir), [], 'no postgres of the cancelled run is left');
  });

  it('deactivation (RunnerService.dispose) stops a running ephemeral database', async function () {
    if (!isDemo()) this.skip();
    const output = vscode.window.createOutputChannel('Schema Warden runner e2e', { log: true });
    const secrets: vscode.SecretStorage = {
      get: async () => undefined,
      store: async () => undefined,
      delete: async () => undefined,
      onDidChange: new vscode.EventEmitter<vscode.SecretStorageChangeEvent>().event,
    };
    const service = new RunnerService(output, secrets);
    try {
      const status = await service.startDatabase();
      assert.equal(status.state, 'running', status.error);
      const dir = /\((\/[^)]+)\)/.exec(status.description ?? '')?.[1];
      assert.ok(dir && fs.existsSync(dir), `the cluster runs in ${dir}`);
      await service.dispose();
      assert.ok(!fs.existsSync(dir), `${dir} is removed on dispose`);
      assert.deepEqual(processesMentioning(dir), [], 'its postgres is stopped');
    } finally {
      output.dispose();
    }
  });

  it('the Database view starts a local cluster, Upgrade to here marks applied/current/pending, Stop removes it', async function () {
    if (!isDemo()) this.skip();
    await vscode.commands.executeCommand('schemaWarden.startDatabase');
    const status = api.runner.service.database;
    assert.equal(status.state, 'running', status.error);
    assert.equal(status.kind, 'local');
    assert.match(status.reason ?? '', /local PostgreSQL 15 binaries/);
    const rows = api.runner.database.getChildren().map((i) => `${String(i.label)}=${String(i.description)}`);
    assert.ok(
      rows.some((r) => r.startsWith('State=running')),
      rows.join(' | '),
    );
    const why = api.runner.database.getChildren().find((i) => i.label === 'Why');
    assert.match(String(why?.tooltip), /local PostgreSQL/, rows.join(' | '));
    const where = /\((\/[^)]+)\)/.exec(status.description ?? '')?.[1];
    assert.ok(where && fs.existsSync(where), `the cluster folder is in the description: ${status.description}`);

    assert.equal(await vscode.commands.executeCommand('schemaWarden.upgradeToRevision', '0002'), true);
    const states = (await api.runner.revisions.getChildren()).map(
      (i) => `${String(i.label)}:${String(i.contextValue)}`,
    );
    assert.deepEqual(states, [
      '0004:revision.pending',
      '0003:revision.pending',
      '0002:revision.current',
      '0001:revision.applied',
    ]);

    // Drift: a column added by hand is reported as applied outside Alembic.
    const pg = new Client({
      connectionString: `postgresql://postgres@127.0.0.1:${/:(\d+)/.exec(status.description ?? '')?.[1]}/postgres`,
    });
    await pg.connect();
    try {
      await pg.query('ALTER TABLE account ADD COLUMN added_by_hand integer');
    } finally {
      await pg.end();
    }
    const drift = await vscode.commands.executeCommand<DriftResult>('schemaWarden.checkDrift');
    assert.equal(drift?.ok, false);
    assert.deepEqual(drift?.revisions, ['0002']);
    assert.ok(
      drift?.differences.some((d) => /added_by_hand/.test(d.message)),
      JSON.stringify(drift?.differences),
    );

    // Show SQL: the offline SQL of 0002, read-only.
    const sql = await vscode.commands.executeCommand<string>('schemaWarden.showRevisionSql', '0002');
    assert.match(sql ?? '', /CREATE UNIQUE INDEX ix_account_email/);
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.scheme, 'schema-warden-sql');
    assert.equal(editor?.document.languageId, 'sql');

    await vscode.commands.executeCommand('schemaWarden.stopDatabase');
    assert.equal(api.runner.service.database.state, 'stopped');
    assert.ok(!fs.existsSync(where), `${where} is removed`);
    assert.deepEqual(processesMentioning(where), []);
  });
});

// The sidebar's picture (registered only for a screenshot run, as screenshot.e2e.ts):
//   E2E_WORKSPACE=examples/demo E2E_SCREENSHOT=/tmp/sidebar.png E2E_GREP='runner sidebar scene' npm run test:e2e
if (process.env.E2E_SCREENSHOT) {
  describe('runner sidebar scene', function () {
    this.timeout(180_000);
    it('shows the Revisions, Database and Results views after a keep-going verification with failures', async () => {
      const ext = vscode.extensions.getExtension<SchemaWardenApi>(EXTENSION_ID);
      assert.ok(ext);
      const api = await ext.activate();
      const python = process.env.E2E_PYTHON ?? path.join(ext.extensionUri.fsPath, '.venv', 'bin', 'python');
      const config = vscode.workspace.getConfiguration('schemaWarden');
      await config.update('python', python, vscode.ConfigurationTarget.Workspace);
      await config.update('runner.target', 'local', vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('schemaWarden.startDatabase');
      await vscode.commands.executeCommand('schemaWarden.upgradeToRevision', '0002');
      await vscode.commands.executeCommand('schemaWarden.verifyRoundTrips', { quiet: true });
      const file = vscode.Uri.file(path.join(workspaceDir(), LEAKY));
      const downgradeLine = fs
        .readFileSync(file.fsPath, 'utf8')
        .split('\n')
        .findIndex((l) => l.startsWith('def downgrade'));
      await vscode.window.showTextDocument(file, { selection: new vscode.Range(downgradeLine, 0, downgradeLine, 0) });
      await vscode.commands.executeCommand('schemaWarden.revisions.focus');
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      // Keep-going lists every failing revision with its step and cause: one row each, all in view
      // at the sidebar's default size (the failing rows open expanded; their steps are a click away).
      await vscode.commands.executeCommand('schemaWarden.results.focus');
      await new Promise((r) => setTimeout(r, 500));
      await vscode.commands.executeCommand('list.collapseAll');
      // the upgrade's confirmation would cover the Problems panel
      await vscode.commands.executeCommand('notifications.clearAll');
      await vscode.window.showTextDocument(file, { preserveFocus: false });
      await new Promise((r) => setTimeout(r, 3000));
      console.log('E2E_TAKE_SCREENSHOT');
      await new Promise((r) => setTimeout(r, 3000));
      await api.runner.service.stopDatabase();
    });
  });
}
