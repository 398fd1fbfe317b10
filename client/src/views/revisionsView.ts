// The Revisions view: the project's revision graph, heads first, with the applied state on the
// Database view's target. A click opens the revision's file; the context menu upgrades,
// downgrades, shows the offline SQL or verifies from there.
import * as vscode from 'vscode';
import { buildRevisionRows, type RevisionRow } from '../runner/revisionRows';
import type { RunnerService } from '../runner/runnerService';

export class RevisionItem extends vscode.TreeItem {
  constructor(readonly row: RevisionRow) {
    super(row.label, vscode.TreeItemCollapsibleState.None);
    this.id = `revision:${row.revision}`;
    this.description = row.description;
    this.tooltip = row.tooltip;
    this.contextValue = row.contextValue;
    this.iconPath = iconFor(row);
    if (row.path) {
      this.resourceUri = vscode.Uri.file(row.path);
      this.command = { title: 'Open revision', command: 'vscode.open', arguments: [vscode.Uri.file(row.path)] };
    }
  }
}

class MessageItem extends vscode.TreeItem {
  constructor(label: string, tooltip?: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.contextValue = 'message';
    if (tooltip) this.tooltip = tooltip;
    this.iconPath = new vscode.ThemeIcon('info');
  }
}

function iconFor(row: RevisionRow): vscode.ThemeIcon {
  const color =
    row.state === 'current'
      ? new vscode.ThemeColor('charts.green')
      : row.state === 'pending'
        ? new vscode.ThemeColor('disabledForeground')
        : undefined;
  const shape =
    row.state === 'current'
      ? 'pass-filled'
      : row.isMerge
        ? 'git-merge'
        : row.isBranchPoint
          ? 'repo-forked'
          : row.isHead
            ? 'git-commit'
            : row.state === 'applied'
              ? 'check'
              : 'circle-outline';
  return new vscode.ThemeIcon(shape, color);
}

export class RevisionsProvider implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runner: RunnerService) {
    this.subscription = runner.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(element: vscode.TreeItem): vscode.TreeItem {
    return element;
  }

  /** The rows behind the items (for tests and the commands that take a revision). */
  async rows(): Promise<RevisionRow[]> {
    const history = await this.runner.history();
    const current = await this.runner.currentRevisions().catch((error: Error) => {
      this.runner.log(`could not read alembic_version: ${error.message}`);
      return undefined;
    });
    return buildRevisionRows(history, current);
  }

  async getChildren(element?: vscode.TreeItem): Promise<vscode.TreeItem[]> {
    if (element) return [];
    if (!vscode.workspace.isTrusted)
      return [
        new MessageItem(
          'Trust the workspace to read the revision graph',
          "The Revisions view runs the project's Alembic (its env.py and revision files) with your Python.",
        ),
      ];
    try {
      const rows = await this.rows();
      return rows.length
        ? rows.map((row) => new RevisionItem(row))
        : [
            new MessageItem(
              'No revisions yet',
              'alembic revision -m "…" (or Schema Warden: New revision) creates the first one.',
            ),
          ];
    } catch (error) {
      const message = (error as Error).message;
      this.runner.log(`Revisions view: ${message}`);
      return [new MessageItem(message.split('\n')[0] ?? message, message)];
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
