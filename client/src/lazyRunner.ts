// The migration runner in the activation bundle: the three views (with stand-in providers), the
// code lenses and the Show SQL documents are registered at once; the service, the real view
// providers and the runner's commands come from dist/runner.js, loaded on first use.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type * as RunnerBundle from './runnerBundle';
import type { RunnerUi } from './views';
import type { RunLocator } from './runner/runnerService';
import { RevisionCodeLenses } from './views/codeLens';
import { VIEW_IDS } from './views/ids';
import { LazyTreeProvider } from './views/lazyTree';
import type { ResultItem } from './views/resultsView';
import type { VerifyResult } from '../../server/src/runner/verify';
import { SQL_SCHEME, SqlDocuments } from './views/sqlDocuments';

export interface LoadedRunner {
  ui: RunnerUi;
  commands: typeof RunnerBundle.commands;
}

/** Ephemeral clusters and containers of an editor that crashed are removed this long after activation. */
const LEFTOVER_CLEANUP_DELAY_MS = 5_000;

export class LazyRunner implements vscode.Disposable {
  private loaded: LoadedRunner | undefined;
  private readonly codeLenses = new RevisionCodeLenses();
  private readonly sql = new SqlDocuments();
  private readonly trees = {
    revisions: new LazyTreeProvider<vscode.TreeItem>(() => this.get()),
    database: new LazyTreeProvider<vscode.TreeItem>(() => this.get()),
    results: new LazyTreeProvider<ResultItem>(() => this.get()),
  };
  private readonly resultsView: vscode.TreeView<ResultItem>;
  private cleanup: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly runLocation?: RunLocator,
    /** Called after every finished verification (the language server is told what it traced). */
    private readonly onVerified: (result: VerifyResult) => void = () => undefined,
  ) {
    this.resultsView = vscode.window.createTreeView(VIEW_IDS.results, { treeDataProvider: this.trees.results });
    context.subscriptions.push(
      this.codeLenses,
      this.sql,
      this.trees.revisions,
      this.trees.database,
      this.trees.results,
      this.resultsView,
      vscode.window.createTreeView(VIEW_IDS.revisions, {
        treeDataProvider: this.trees.revisions,
        showCollapseAll: false,
      }),
      vscode.window.createTreeView(VIEW_IDS.database, { treeDataProvider: this.trees.database }),
      vscode.workspace.registerTextDocumentContentProvider(SQL_SCHEME, this.sql),
      // Every Python file, not **/versions/**: version_locations may name any folder (a named
      // section's history/, a package's revisions/); the provider reads the file's own
      // `revision = "…"` and `def upgrade` lines and gives other files no lens.
      vscode.languages.registerCodeLensProvider({ scheme: 'file', language: 'python' }, this.codeLenses),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.codeLenses.refresh()),
    );
    if (vscode.workspace.isTrusted)
      this.cleanup = setTimeout(() => {
        this.cleanup = undefined;
        this.get();
      }, LEFTOVER_CLEANUP_DELAY_MS);
  }

  /** The runner's service, views and commands; loads dist/runner.js the first time. */
  get(): LoadedRunner {
    if (this.loaded) return this.loaded;
    if (this.cleanup) clearTimeout(this.cleanup);
    this.cleanup = undefined;
    const started = performance.now();
    // Beside this bundle in dist/; a computed path, so that esbuild leaves it to run time.
    const bundle = require(path.join(__dirname, 'runner.js')) as typeof RunnerBundle;
    const ui = bundle.registerRunnerViews(this.context, this.output, {
      codeLenses: this.codeLenses,
      sql: this.sql,
      ...(this.runLocation ? { runLocation: this.runLocation } : {}),
    });
    this.trees.revisions.setTarget(ui.revisions);
    this.trees.database.setTarget(ui.database);
    this.trees.results.setTarget(ui.results);
    ui.results.attach(this.resultsView);
    this.context.subscriptions.push(ui.service.onDidVerify((result) => this.onVerified(result)));
    this.loaded = { ui, commands: bundle.commands };
    this.output.info(`Migration runner loaded in ${Math.round(performance.now() - started)} ms.`);
    return this.loaded;
  }

  /** The runner's UI if it was loaded (deactivation has nothing to stop otherwise). */
  get ui(): RunnerUi | undefined {
    return this.loaded?.ui;
  }

  dispose(): void {
    if (this.cleanup) clearTimeout(this.cleanup);
    this.cleanup = undefined;
  }
}
