// Read-only documents for *Show SQL*: the offline (`--sql`) output of one revision, served from
// memory under the schema-warden-sql: scheme (virtual documents cannot be edited or saved).
import * as vscode from 'vscode';

export const SQL_SCHEME = 'schema-warden-sql';

export class SqlDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '-- This SQL is no longer available: run Show SQL again.\n';
  }

  /** Stores the text and opens it as a SQL document. */
  async show(name: string, text: string): Promise<vscode.TextDocument> {
    const uri = vscode.Uri.from({ scheme: SQL_SCHEME, path: `/${name}.sql` });
    this.contents.set(uri.toString(), text);
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    const typed = await vscode.languages.setTextDocumentLanguage(document, 'sql');
    await vscode.window.showTextDocument(typed, { preview: true });
    return typed;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
