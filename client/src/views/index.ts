// The migration runner's service and the providers of the Schema Warden view container's views
// (Revisions, Database, Results) and the SW510 diagnostics, wired to one RunnerService. Part of
// dist/runner.js: the views themselves, the code lenses and the Show SQL documents are registered
// at activation by client/src/lazyRunner.ts, which loads this on first use.
import * as fs from 'fs';
import * as vscode from 'vscode';
import { findRevisionFunctions } from '../runner/revisionFile';
import { RunnerService, type RunLocator } from '../runner/runnerService';
import type { RevisionCodeLenses } from './codeLens';
import { DatabaseProvider } from './databaseView';
import { registerDetailPanel } from './detailPanel';
import { ResultsProvider } from './resultsView';
import { RevisionsProvider } from './revisionsView';
import { RoundTripDiagnostics } from './roundTripDiagnostics';
import type { SqlDocuments } from './sqlDocuments';

export { VIEW_IDS } from './ids';

/** Everything the runner's commands and the extension's API reach. */
export interface RunnerUi {
  service: RunnerService;
  revisions: RevisionsProvider;
  database: DatabaseProvider;
  results: ResultsProvider;
  diagnostics: RoundTripDiagnostics;
  sql: SqlDocuments;
  codeLenses: RevisionCodeLenses;
}

/** What the activation bundle registered already and the runner's UI shares. */
export interface RunnerShell {
  codeLenses: RevisionCodeLenses;
  sql: SqlDocuments;
  /** Where Alembic runs for an alembic.ini: project discovery's answer, through the language server. */
  runLocation?: RunLocator;
}

export function registerRunnerViews(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  shell: RunnerShell,
): RunnerUi {
  const service = new RunnerService(output, context.secrets, shell.runLocation);
  const ui: RunnerUi = {
    service,
    revisions: new RevisionsProvider(service),
    database: new DatabaseProvider(service),
    results: new ResultsProvider(service, context.workspaceState),
    diagnostics: new RoundTripDiagnostics(),
    sql: shell.sql,
    codeLenses: shell.codeLenses,
  };
  context.subscriptions.push(
    ui.revisions,
    ui.database,
    ui.results,
    ui.diagnostics,
    registerDetailPanel(),
    service.onDidVerify((result) => ui.diagnostics.publish(result)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => ui.revisions.refresh()), // the code lenses refresh themselves (lazyRunner.ts)
    vscode.workspace.onDidChangeConfiguration((e) => {
      // Another interpreter or env var: the next command starts a fresh helper.
      if (e.affectsConfiguration('schemaWarden.python') || e.affectsConfiguration('schemaWarden.runner')) {
        service.resetHelper();
        ui.revisions.refresh();
        ui.database.refresh(); // the target setting is shown there
      }
    }),
    // A new, renamed or deleted revision file changes the graph.
    watchRevisionFiles(() => {
      service.resetHelper();
      ui.revisions.refresh();
    }),
  );
  // Ephemeral clusters and containers of an editor that crashed are removed in the background.
  if (vscode.workspace.isTrusted) void service.cleanLeftovers();
  return ui;
}

/**
 * Revision files created or deleted anywhere in the workspace (version_locations may name any
 * folder, not only versions/): a created file counts when it is a revision by its own lines, a
 * deleted one unless it was in a folder of installed or generated code. Debounced: `alembic
 * revision` and a branch switch touch many files at once.
 */
function watchRevisionFiles(onChange: () => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.py', false, true, false);
  let timer: NodeJS.Timeout | undefined;
  const debounced = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, 500);
  };
  const created = (uri: vscode.Uri) => {
    if (IGNORED_FOLDER.test(uri.fsPath)) return;
    fs.promises.readFile(uri.fsPath, 'utf8').then(
      (text) => {
        const found = findRevisionFunctions(text);
        if (found.revision !== undefined && found.upgradeLine !== undefined) debounced();
      },
      () => undefined, // gone again, or unreadable: nothing to list
    );
  };
  const deleted = (uri: vscode.Uri) => {
    if (!IGNORED_FOLDER.test(uri.fsPath)) debounced();
  };
  const subscriptions = [watcher, watcher.onDidCreate(created), watcher.onDidDelete(deleted)];
  return new vscode.Disposable(() => {
    if (timer) clearTimeout(timer);
    for (const s of subscriptions) s.dispose();
  });
}

/** Folders whose Python files are never a project's revisions (a venv being installed, caches). */
const IGNORED_FOLDER = /[\\/](?:node_modules|\.venv|venv|site-packages|__pycache__|\.git|\.tox|\.nox)[\\/]/;
