// The Database view: which target the runner uses, why it was chosen, its state and server
// version; the view's title bar starts, stops and resets it.
import * as vscode from 'vscode';
import type { RunnerService } from '../runner/runnerService';

export class DatabaseProvider implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runner: RunnerService) {
    this.subscription = runner.onDidChange(() => this.changed.fire());
  }

  getTreeItem(element: vscode.TreeItem): vscode.TreeItem {
    return element;
  }

  getChildren(element?: vscode.TreeItem): vscode.TreeItem[] {
    if (element) return [];
    const status = this.runner.database;
    const settings = this.runner.settings();
    const items: vscode.TreeItem[] = [];
    const add = (label: string, value: string, icon: string, tooltip?: string) => {
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
      item.description = value;
      item.tooltip = tooltip ?? `${label}: ${value}`;
      item.iconPath = new vscode.ThemeIcon(icon);
      item.contextValue = `database.${label.toLowerCase().replace(/\s+/g, '-')}`;
      items.push(item);
    };
    const stateIcon =
      status.state === 'running'
        ? 'vm-running'
        : status.state === 'failed'
          ? 'error'
          : status.state === 'stopped'
            ? 'vm-outline'
            : 'loading~spin';
    add('State', status.state, stateIcon, status.error);
    add(
      'Target',
      status.kind
        ? `${status.kind}${status.ephemeral ? ' (ephemeral)' : ' (your database)'}`
        : `${settings.target} (schemaWarden.runner.target)`,
      'database',
    );
    if (status.reason) add('Why', status.reason, 'question', status.reason);
    if (status.description) add('Where', status.description, 'plug', status.description);
    if (status.serverVersion) add('Server', `PostgreSQL ${status.serverVersion}`, 'server');
    if (status.error) add('Error', status.error.split('\n')[0] ?? status.error, 'warning', status.error);
    return items;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
