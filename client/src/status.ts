import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/shared/protocol';
import { countText, plural } from './words';

/** The language status item (the `{}` next to the language mode): what the server last validated. */
export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;

  constructor(selector: vscode.DocumentSelector) {
    this.item = vscode.languages.createLanguageStatusItem('schemaWarden.status', selector);
    this.item.name = 'Schema Warden';
    this.item.text = '$(loading~spin) Schema Warden';
    this.item.detail = 'starting';
    this.item.command = { title: 'Lint workspace', command: 'schemaWarden.lintWorkspace' };
  }

  update(status: StatusParams): void {
    this.item.busy = status.state === 'indexing';
    if (status.state === 'indexing') {
      this.item.text = 'Schema Warden: indexing';
      this.item.detail = 'reading the Alembic revisions';
      return;
    }
    this.item.text = `Schema Warden: ${countText({ files: status.filesAnalysed, errors: status.errors, warnings: status.warnings })}`;
    const heads = status.heads.length
      ? `head${status.heads.length > 1 ? 's' : ''} ${status.heads.join(', ')}`
      : 'no revisions';
    const when = status.lastValidation
      ? `validated ${new Date(status.lastValidation).toLocaleTimeString()}${status.lastValidationMs !== undefined ? ` in ${status.lastValidationMs} ms` : ''}`
      : 'not validated yet';
    // The accepted history (`baseline`): its revisions show no diagnostics, which the user should know.
    const baseline = status.baseline
      ? `baseline ${status.baseline.ids.join(', ')}: ${plural(status.baseline.accepted, 'revision')} accepted · `
      : '';
    this.item.detail = `${baseline}${heads} · ${when}`;
    this.item.severity =
      status.errors > 0
        ? vscode.LanguageStatusSeverity.Error
        : status.warnings > 0
          ? vscode.LanguageStatusSeverity.Warning
          : vscode.LanguageStatusSeverity.Information;
  }

  stopped(): void {
    this.item.busy = false;
    this.item.text = 'Schema Warden: stopped';
    this.item.detail = 'the language server is not running';
    this.item.severity = vscode.LanguageStatusSeverity.Warning;
  }

  dispose(): void {
    this.item.dispose();
  }
}
