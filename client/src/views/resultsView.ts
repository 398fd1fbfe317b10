// The Results view: the last verification as a tree of revisions × steps (✓/✗), with the schema
// differences or Postgres' error of a failure as children. A click opens the revision's file.
// While a run goes it shows the steps reported so far and "running: …" as the view's description;
// the last result is kept in workspaceState and shown after a window reload, marked as such.
import * as vscode from 'vscode';
import type { VerifyResult } from '../../../server/src/runner/verify';
import { buildResultNodes, summarizeResult, type ResultNode, type ResultOrigin } from '../runner/resultNodes';
import type { RunnerService } from '../runner/runnerService';
import { detailCommand } from './detailPanel';
import { STORED_RESULT_KEY, type StoredResult } from '../storedResult';

export class ResultItem extends vscode.TreeItem {
  constructor(readonly node: ResultNode) {
    super(
      node.label,
      node.children.length
        ? node.status === 'failed'
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    this.id = node.id;
    if (node.description) this.description = node.description;
    if (node.tooltip) this.tooltip = node.tooltip;
    this.contextValue = `result.${node.status.replace(' ', '-')}`;
    if (node.status === 'failed')
      this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    else if (node.status === 'passed')
      this.iconPath = new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    else if (node.status === 'not run') this.iconPath = new vscode.ThemeIcon('circle-slash');
    if (node.detail) this.command = detailCommand(node.detail.title, node.detail.text);
    else if (node.path) {
      const line = Math.max(0, (node.line ?? 1) - 1);
      this.command = {
        title: 'Open revision',
        command: 'vscode.open',
        arguments: [vscode.Uri.file(node.path), { selection: new vscode.Range(line, 0, line, 0) }],
      };
    }
  }
}

const STORED_KEY = STORED_RESULT_KEY;

export class ResultsProvider implements vscode.TreeDataProvider<ResultItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private view: vscode.TreeView<ResultItem> | undefined;
  /** The last run of an earlier window session, until this session verifies. */
  private previous: StoredResult | undefined;

  constructor(
    private readonly runner: RunnerService,
    private readonly state?: vscode.Memento,
  ) {
    this.previous = state?.get<StoredResult>(STORED_KEY);
    const refresh = () => {
      this.changed.fire();
      this.updateMessage();
    };
    this.subscriptions = [
      runner.onDidProgress((progress) => {
        // A finished run is stored on onDidVerify; a cancelled one only ends its progress.
        if (!progress && runner.lastResultCancelled) void this.store();
        refresh();
      }),
      runner.onDidVerify(() => {
        void this.store();
        refresh();
      }),
    ];
  }

  /** The result the view shows and how it came about (the run under way first). */
  shown(): { result: VerifyResult; origin: ResultOrigin; target?: string } | undefined {
    const progress = this.runner.runProgress;
    if (progress) return { result: progress.result(), origin: {} };
    const result = this.runner.lastResult;
    if (result)
      return {
        result,
        origin: { cancelled: this.runner.lastResultCancelled },
        ...(this.runner.lastRun ? { target: this.runner.lastRun.target.description } : {}),
      };
    if (this.previous)
      return {
        result: this.previous.result,
        origin: { cancelled: this.previous.cancelled, previousSession: true },
        ...(this.previous.target ? { target: this.previous.target } : {}),
      };
    return undefined;
  }

  /** Keeps this session's last result for the next window session. */
  private async store(): Promise<void> {
    const result = this.runner.lastResult;
    if (!result || !this.state) return;
    this.previous = undefined;
    const target = this.runner.lastResultCancelled ? undefined : this.runner.lastRun?.target.description;
    const stored: StoredResult = {
      result,
      cancelled: this.runner.lastResultCancelled,
      ...(target ? { target } : {}),
    };
    await this.state.update(STORED_KEY, stored).then(undefined, () => undefined);
  }

  attach(view: vscode.TreeView<ResultItem>): void {
    this.view = view;
    this.updateMessage();
  }

  getTreeItem(element: ResultItem): ResultItem {
    return element;
  }

  getChildren(element?: ResultItem): ResultItem[] {
    if (element) return element.node.children.map((child) => new ResultItem(child));
    const shown = this.shown();
    return shown ? buildResultNodes(shown.result, shown.origin).map((node) => new ResultItem(node)) : [];
  }

  /** The view's message (none before the first run, so that the welcome's Verify button shows). */
  get message(): string | undefined {
    return this.view?.message;
  }

  private updateMessage(): void {
    if (!this.view) return;
    const progress = this.runner.runProgress;
    this.view.description = progress ? progress.text : undefined;
    const shown = progress ? undefined : this.shown();
    // No message before the first run: a message would hide the view's welcome (its Verify button).
    this.view.message = shown
      ? `${summarizeResult(shown.result, shown.origin)}${shown.target ? ` — ${shown.target}` : ''}`
      : progress
        ? progress.text
        : undefined;
  }

  /** The view's description ("running: downgrade 0003 (3/6)" while a run goes). */
  get description(): string | undefined {
    return this.view?.description;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
