// Code lenses above `def upgrade` / `def downgrade` in revision files: *Upgrade to here* /
// *Downgrade to here* on the Database view's target. Only in trusted workspaces (they run Alembic).
import * as vscode from 'vscode';
import { findRevisionFunctions } from '../runner/revisionFile';

export class RevisionCodeLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.isTrusted) return [];
    const found = findRevisionFunctions(document.getText());
    if (!found.revision) return [];
    const lenses: vscode.CodeLens[] = [];
    if (found.upgradeLine !== undefined) {
      lenses.push(
        new vscode.CodeLens(new vscode.Range(found.upgradeLine, 0, found.upgradeLine, 0), {
          title: 'Upgrade to here',
          command: 'schemaWarden.upgradeToRevision',
          // The file too: with named sections in alembic.ini, it says which history to run.
          arguments: [found.revision, document.uri.fsPath],
          tooltip: `alembic upgrade ${found.revision} on the Schema Warden database`,
        }),
      );
    }
    if (found.downgradeLine !== undefined) {
      lenses.push(
        new vscode.CodeLens(new vscode.Range(found.downgradeLine, 0, found.downgradeLine, 0), {
          title: 'Downgrade to here',
          command: 'schemaWarden.downgradeToRevision',
          arguments: [found.revision, document.uri.fsPath],
          tooltip: `alembic downgrade ${found.revision} on the Schema Warden database`,
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
