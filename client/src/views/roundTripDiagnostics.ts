// SW510: a failed round trip becomes an error on the failing revision's file and line, owned by
// the client (the language server never runs migrations). Replaced by every run; cleared by a run
// that passes.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { ruleDocsCommandUri } from '../ruleDocs';
import type { VerifyResult } from '../../../server/src/runner/verify';
import { roundTripDiagnostics } from '../../../server/src/runner/roundTripDiagnostics';

export class RoundTripDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('schema-warden-round-trip');

  publish(result: VerifyResult): void {
    this.collection.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const finding of roundTripDiagnostics(result)) {
      const line = finding.line - 1;
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(line, 0, line, lineLength(finding.path, line)),
        finding.message,
        vscode.DiagnosticSeverity.Error,
      );
      diagnostic.source = finding.source;
      diagnostic.code = { value: finding.ruleId, target: ruleDocsCommandUri(finding.ruleId) };
      const list = byFile.get(finding.path) ?? [];
      list.push(diagnostic);
      byFile.set(finding.path, list);
    }
    for (const [file, diagnostics] of byFile) this.collection.set(vscode.Uri.file(file), diagnostics);
  }

  dispose(): void {
    this.collection.dispose();
  }
}

/** Length of a line, from the open document when there is one (unsaved edits), else from disk. */
function lineLength(file: string, line: number): number {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
  if (open) return line < open.lineCount ? open.lineAt(line).text.length : 0;
  try {
    return fs.readFileSync(file, 'utf8').split(/\r?\n/)[line]?.length ?? 0;
  } catch {
    return 0;
  }
}
