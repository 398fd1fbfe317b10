// The Schema Warden view container's views (Revisions, Database, Results), the code lenses of
// revision files, the Show SQL documents and the SW510 diagnostics, wired to one RunnerService.
import * as vscode from 'vscode';
import { RunnerService } from '../runner/runnerService';
import { RevisionCodeLenses } from './codeLens';
import { DatabaseProvider } from './databaseView';
import { ResultsProvider, type ResultItem } from './resultsView';
import { RevisionsProvider } from './revisionsView';
import { RoundTripDiagnostics } from './roundTripDiagnostics';
import { SQL_SCHEME, SqlDocuments } from './sqlDocuments';

export const VIEW_IDS = { revisions: 'schemaWarden.revisions', database: 'schemaWarden.database', results: 'schemaWarden.results' } as const;

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

export function registerRunnerViews(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): RunnerUi {
  const service = new RunnerService(output, context.secrets);
  const ui: RunnerUi = {
    service,
    revisions: new RevisionsProvider(service),
    database: new DatabaseProvider(service),
    results: new ResultsProvider(service),
    diagnostics: new RoundTripDiagnostics(),
    sql: new SqlDocuments(),
    codeLenses: new RevisionCodeLenses(),
  };
  const resultsView = vscode.window.createTreeView<ResultItem>(VIEW_IDS.results, { treeDataProvider: ui.results });
  ui.results.attach(resultsView);
  context.subscriptions.push(
    ui.revisions, ui.database, ui.results, ui.diagnostics, ui.sql, ui.codeLenses, resultsView,
    vscode.window.createTreeView(VIEW_IDS.revisions, { treeDataProvider: ui.revisions, showCollapseAll: false }),
    vscode.window.createTreeView(VIEW_IDS.database, { treeDataProvider: ui.database }),
    vscode.workspace.registerTextDocumentContentProvider(SQL_SCHEME, ui.sql),
    vscode.languages.registerCodeLensProvider({ scheme: 'file', language: 'python', pattern: '**/versions/**/*.py' }, ui.codeLenses),
    service.onDidVerify((result) => ui.diagnostics.publish(result)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      ui.revisions.refresh();
      ui.codeLenses.refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // Another interpreter or env var: the next command starts a fresh helper.
      if (e.affectsConfiguration('schemaWarden.python') || e.affectsConfiguration('schemaWarden.runner')) {
        service.resetHelper();
        ui.revisions.refresh();
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

function watchRevisionFiles(onChange: () => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher('**/versions/**/*.py', false, true, false);
  let timer: NodeJS.Timeout | undefined;
  const debounced = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, 500);
  };
  const subscriptions = [watcher, watcher.onDidCreate(debounced), watcher.onDidDelete(debounced)];
  return new vscode.Disposable(() => {
    if (timer) clearTimeout(timer);
    for (const s of subscriptions) s.dispose();
  });
}
