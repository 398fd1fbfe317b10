// Proves the harness itself: these need a real editor (a workspace folder, the text-document
// model, built-in commands, the Python language from the built-in extensions) but nothing of
// Schema Warden's own, so they pass whatever state the extension is in.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';

const REVISION = 'alembic/versions/0001_missing_downgrade.py';

function workspaceRoot(): vscode.Uri {
  const folders = vscode.workspace.workspaceFolders;
  assert.ok(folders && folders.length === 1, `expected one workspace folder, got ${folders?.length ?? 0}`);
  return folders[0].uri;
}

describe('e2e harness (real editor)', () => {
  it('opens the fixture workspace (a temp copy with alembic.ini)', async () => {
    const root = workspaceRoot();
    const ini = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'alembic.ini'));
    assert.match(Buffer.from(ini).toString('utf8'), /script_location\s*=\s*alembic/);
    const found = await vscode.workspace.findFiles('alembic/versions/*.py');
    // Other suites add revisions to the same temp copy (e.g. the New revision command): the fixture's own must be found.
    assert.ok(
      found.map((u) => vscode.workspace.asRelativePath(u)).includes(REVISION),
      'the fixture revision is found by the file search',
    );
  });

  it('opens a revision as a Python document and shows it in an editor', async () => {
    const uri = vscode.Uri.joinPath(workspaceRoot(), REVISION);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.strictEqual(doc.languageId, 'python');
    assert.match(doc.getText(), /op\.create_table\(\s*"account"/);
    const editor = await vscode.window.showTextDocument(doc);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
    assert.ok(editor.document.lineCount > 10);
  });

  it('edits and saves a workspace file; the change reaches the disk the tests see', async () => {
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'scratch.py');
    fs.writeFileSync(uri.fsPath, 'x = 1\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(1, 0), 'y = 2\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await doc.save());
    assert.strictEqual(fs.readFileSync(uri.fsPath, 'utf8'), 'x = 1\ny = 2\n');
  });

  it('runs the built-in command workbench.action.files.newUntitledFile', async () => {
    const before = vscode.workspace.textDocuments.filter((d) => d.isUntitled).length;
    await vscode.commands.executeCommand('workbench.action.files.newUntitledFile');
    const active = vscode.window.activeTextEditor;
    assert.ok(active, 'an editor is active');
    assert.strictEqual(active.document.isUntitled, true);
    assert.strictEqual(vscode.workspace.textDocuments.filter((d) => d.isUntitled).length, before + 1);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
