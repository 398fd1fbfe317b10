// The scene of the README's screenshot (docs/images/problems-and-quick-fix.png): the demo
// project's revision with the Problems panel open and the quick-fix menu showing on a finding.
// Registered only for the screenshot run (the suite asks the launcher for the picture while the scene is live):
//   E2E_WORKSPACE=examples/demo E2E_SCREENSHOT=docs/images/problems-and-quick-fix.png \
//   E2E_GREP=screenshot npm run test:e2e
import * as assert from 'assert';
import * as vscode from 'vscode';

if (process.env.E2E_SCREENSHOT) {
  describe('screenshot scene', function () {
    this.timeout(90_000);

    it('shows the Problems panel and the quick-fix menu on a finding of the demo project', async () => {
      const ext = vscode.extensions.getExtension('schema-warden.schema-warden');
      assert.ok(ext);
      await ext.activate();
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder);
      const uri = vscode.Uri.joinPath(folder.uri, 'alembic', 'versions', '0003_create_orders.py');
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const deadline = Date.now() + 45_000;
      let target: vscode.Diagnostic | undefined;
      while (!target && Date.now() < deadline) {
        target = vscode.languages
          .getDiagnostics(uri)
          .find(
            (d) =>
              d.source === 'schema-warden' && String(typeof d.code === 'object' ? d.code.value : d.code) === 'SW101',
          );
        if (!target) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(target, 'the SW101 finding of the demo project');
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await vscode.window.showTextDocument(editor.document, { preserveFocus: false });
      editor.selection = new vscode.Selection(target.range.start, target.range.start);
      editor.revealRange(target.range, vscode.TextEditorRevealType.InCenter);
      await new Promise((r) => setTimeout(r, 1500)); // squiggles and the Problems list render
      await vscode.commands.executeCommand('editor.action.quickFix');
      await new Promise((r) => setTimeout(r, 2000)); // the menu renders
      console.log('E2E_TAKE_SCREENSHOT'); // the launcher photographs the workbench now
      await new Promise((r) => setTimeout(r, 3000));
    });
  });
}
