// Traced locks in the real editor (#17): on the demo (E2E_WORKSPACE=examples/demo), a
// verification on local PostgreSQL binaries traces what each revision's first upgrade locks; the
// hover over `op.create_index` in 0002 then shows the ShareLock the trace saw on "account", the
// hover over `op.add_column` the AccessExclusiveLock, and the SW601 finding on that call says the
// trace confirmed it. Needs the repository's Python with Alembic (<repo>/.venv) and PostgreSQL 15
// binaries, as the runner suite does; in the test workspace its case is pending.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SchemaWardenApi } from '../../../client/src/extension';
import type { VerifyResult } from '../../../server/src/runner/verify';
import { activateWithRunner, resetRunnerSettings, workspaceRoot } from './helpers';

const REVISION = 'alembic/versions/0002_account_email_index.py';

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

/** The hover at the first occurrence of `needle` in the document, once it holds `expected`. */
async function hoverOnceItSays(uri: vscode.Uri, needle: string, expected: RegExp, timeoutMs: number): Promise<string> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const position = doc.positionAt(doc.getText().indexOf(needle) + 4);
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
    text = hoverText(hovers ?? []);
    if (expected.test(text)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`the hover over ${needle} never said ${String(expected)}; last:\n${text}`);
}

describe('traced locks in the editor', function () {
  this.timeout(180_000);
  let api: SchemaWardenApi;
  const isDemo = () => fs.existsSync(path.join(workspaceRoot().fsPath, REVISION));

  before(async function () {
    if (!isDemo()) this.skip();
    api = await activateWithRunner();
  });

  after(async () => {
    if (api) await resetRunnerSettings(api); // nothing was set when the suite was skipped
  });

  it('after a verification, the hover over op.create_index shows the traced ShareLock and SW601 says it is confirmed', async () => {
    const uri = vscode.Uri.file(path.join(workspaceRoot().fsPath, REVISION));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    // Before any verification (the runner suite may have run one in this window) the hover has the
    // static prediction only.
    if (!api.runner.service.lastResult) {
      const doc = await vscode.workspace.openTextDocument(uri);
      const at = doc.positionAt(doc.getText().indexOf('op.create_index') + 4);
      const before = hoverText(
        await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at),
      );
      assert.match(before, /\*\*Lock:\*\* `SHARE`/);
      assert.doesNotMatch(before, /traced:/);
    }

    const result = await vscode.commands.executeCommand<VerifyResult>('schemaWarden.verifyRoundTrips', { quiet: true });
    assert.ok(result, 'the command returns the verification result');
    const traced = result.revisions.find((r) => r.revision === '0002');
    assert.ok(traced?.locks?.length, `0002 was traced: ${JSON.stringify(traced)}`);

    const index = await hoverOnceItSays(uri, 'op.create_index', /traced: ShareLock on account, held \d/, 20_000);
    assert.match(index, /\*\*Traced\*\* by the last verification \(revision 0002/);
    assert.doesNotMatch(index, /table rewritten/);
    const column = await hoverOnceItSays(
      uri,
      'op.add_column',
      /traced: AccessExclusiveLock on account, held \d/,
      5_000,
    );
    assert.doesNotMatch(column, /table rewritten/, 'a nullable column without a default rewrites nothing');

    const line = fs
      .readFileSync(uri.fsPath, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('op.create_index'));
    const sw601 = vscode.languages
      .getDiagnostics(uri)
      .find((d) => typeof d.code === 'object' && d.code.value === 'SW601' && d.range.start.line === line);
    assert.ok(sw601, 'SW601 is reported on op.create_index');
    assert.match(sw601.message, /confirmed by trace on PostgreSQL \d+(\.\d+)*: ShareLock on account, held \d/);
  });
});
