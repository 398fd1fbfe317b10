// The Results view: the last verification as a tree of revisions × steps (✓/✗), with the schema
// differences or Postgres' error of a failure as children. A click opens the revision's file.
import * as vscode from 'vscode';
import { buildResultNodes, summarizeResult, type ResultNode } from '../runner/resultNodes';
import type { RunnerService } from '../runner/runnerService';
import { detailCommand } from './detailPanel';

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

export class ResultsProvider implements vscode.TreeDataProvider<ResultItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private view: vscode.TreeView<ResultItem> | undefined;

  constructor(private readonly runner: RunnerService) {
    this.subscription = runner.onDidVerify(() => {
      this.changed.fire();
      this.updateMessage();
    });
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
    const result = this.runner.lastResult;
    return result ? buildResultNodes(result).map((node) => new ResultItem(node)) : [];
  }

  /** The view's message (none before the first run, so that the welcome's Verify button shows). */
  get message(): string | undefined {
    return this.view?.message;
  }

  private updateMessage(): void {
    if (!this.view) return;
    const result = this.runner.lastResult;
    const run = this.runner.lastRun;
    // No message before the first run: a message would hide the view's welcome (its Verify button).
    this.view.message = result ? `${summarizeResult(result)}${run ? ` — ${run.target.description}` : ''}` : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
