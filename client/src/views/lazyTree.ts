// A tree data provider that stands in for one of the runner's views until the runner's bundle is
// loaded: VS Code asks a view for its children only once it is visible, and that first question
// loads dist/runner.js (client/src/lazyRunner.ts). Afterwards every call and change event is the
// real provider's.
import * as vscode from 'vscode';

export class LazyTreeProvider<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private target: vscode.TreeDataProvider<T> | undefined;
  private forwarding: vscode.Disposable | undefined;
  private readonly changed = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  readonly onDidChangeTreeData = this.changed.event;

  /** `load` makes the runner's views (and calls `setTarget`); it runs at most once. */
  constructor(private readonly load: () => void) {}

  setTarget(provider: vscode.TreeDataProvider<T>): void {
    this.target = provider;
    this.forwarding?.dispose();
    this.forwarding = provider.onDidChangeTreeData?.((e) => this.changed.fire(e));
  }

  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return this.real().getTreeItem(element);
  }

  getChildren(element?: T): vscode.ProviderResult<T[]> {
    return this.real().getChildren(element);
  }

  private real(): vscode.TreeDataProvider<T> {
    if (!this.target) this.load();
    if (!this.target) throw new Error("the migration runner's views did not load");
    return this.target;
  }

  dispose(): void {
    this.forwarding?.dispose();
    this.changed.dispose();
  }
}
