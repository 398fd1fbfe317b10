// Schema Warden itself in the real editor: the extension is there, activates, and its language
// server publishes a diagnostic for a revision whose downgrade() is empty.
//
// E2E_EXPECT_EXTENSIONS_DIR (set by the .vsix launcher): the extension must be the copy installed
// there, not a development folder.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './helpers';

const REVISION = 'alembic/versions/0001_missing_downgrade.py';

describe('schema-warden extension', () => {
  it('is present and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    const expectedDir = process.env.E2E_EXPECT_EXTENSIONS_DIR;
    if (expectedDir) {
      const rel = path.relative(path.resolve(expectedDir), ext.extensionUri.fsPath);
      assert.ok(
        !rel.startsWith('..') && !path.isAbsolute(rel),
        `expected the installed copy under ${expectedDir}, got ${ext.extensionUri.fsPath}`,
      );
    }
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('publishes a schema-warden diagnostic for a revision with an empty downgrade()', async function () {
    this.timeout(60_000);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    await ext.activate(); // fails fast (rather than after the wait below) when activation fails
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const uri = vscode.Uri.joinPath(folder.uri, REVISION);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const ours = await waitFor('a diagnostic with source "schema-warden"', 45_000, () => {
      const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'schema-warden');
      return found.length > 0 ? found : undefined;
    });
    const doc = await vscode.workspace.openTextDocument(uri);
    for (const d of ours) {
      assert.ok(d.range.end.line < doc.lineCount, 'the diagnostic lies inside the file');
      assert.ok(d.message.length > 0);
    }
  });
});
