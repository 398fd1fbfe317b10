// The Database view: which target the runner uses, why it was chosen, its state and server
// version; the view's title bar starts, stops and resets it.
import * as vscode from 'vscode';
import { fitRow } from '../runner/resultNodes';
import type { RunnerService } from '../runner/runnerService';
import { detailCommand } from './detailPanel';
import { inEditorWords } from '../words';

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

  /** The target setting changed: the view shows it. */
  refresh(): void {
    this.changed.fire();
  }

  /**
   * Rows that fit the sidebar's default width: a short label and description each; why the target
   * was chosen, where it is and the whole error are in the tooltips and, on click, the detail panel.
   */
  getChildren(element?: vscode.TreeItem): vscode.TreeItem[] {
    if (element) return [];
    const status = this.runner.database;
    const settings = this.runner.settings();
    const items: vscode.TreeItem[] = [];
    const add = (label: string, value: string, icon: string, tooltip: string, detail?: string) => {
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
      item.description = fitRow(value, 32);
      item.tooltip = tooltip;
      item.iconPath = new vscode.ThemeIcon(icon);
      item.contextValue = `database.${label.toLowerCase().replace(/\s+/g, '-')}`;
      if (detail) item.command = detailCommand(`Database: ${label}`, detail);
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
    add(
      'State',
      [status.state, status.serverVersion ? `PostgreSQL ${status.serverVersion}` : ''].filter(Boolean).join(' · '),
      stateIcon,
      status.error ?? status.state,
    );
    const target = status.kind
      ? `${status.kind}${status.ephemeral ? ' (ephemeral)' : ' (your database)'}`
      : `${settings.target} (schemaWarden.runner.target)`;
    const about = [
      `Target: ${target}`,
      status.reason ? `Why: ${status.reason}` : '',
      status.description ? `Where: ${status.description}` : '',
      'Setting: schemaWarden.runner.target',
    ].filter(Boolean);
    add('Target', target, 'database', about.join('\n'), about.join('\n\n'));
    if (status.reason) add('Why', status.reason, 'question', status.reason, status.reason);
    if (status.description) add('Where', status.description, 'plug', status.description, status.description);
    if (status.error) {
      const error = inEditorWords(status.error);
      add('Error', error.split('\n')[0] ?? error, 'warning', error, error);
    }
    return items;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
