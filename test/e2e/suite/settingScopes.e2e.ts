// Machine settings in workspace settings, in the real editor (issue #14, point 9): the settings
// that choose machine paths are `machine-overridable` (test/lsp/settingScopes.test.ts reads
// package.json), so a workspace's .vscode/settings.json may set them, as in a remote window where
// the local user's settings do not apply. Written to the file as a user would, VS Code reads them
// at the workspace level (a `machine` setting's workspace value would be ignored) and the runner
// uses them: the interpreter, the target, the URL and the Docker image.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SchemaWardenApi } from '../../../client/src/extension';
import { EXTENSION_ID, waitFor, workspaceRoot } from './helpers';

describe('setting scopes: machine paths set in the workspace settings', function () {
  this.timeout(60_000);

  it("schemaWarden.python and the runner's target, URL and image written to .vscode/settings.json are read and used", async () => {
    const ext = vscode.extensions.getExtension<SchemaWardenApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    const api = await ext.activate();
    const root = workspaceRoot().fsPath;
    const file = path.join(root, '.vscode', 'settings.json');
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    // An interpreter path that exists on this machine, and is none of the defaults (no .venv here).
    const python = process.execPath;
    const written = {
      'schemaWarden.python': python,
      'schemaWarden.runner.target': 'url',
      'schemaWarden.runner.url': 'postgresql://app@127.0.0.1:5432/app_dev',
      'schemaWarden.runner.dockerImage': 'postgres:15-alpine',
    };
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(
        file,
        JSON.stringify({ ...(before ? (JSON.parse(before) as object) : {}), ...written }, null, 2),
      );
      const config = () => vscode.workspace.getConfiguration('schemaWarden');
      await waitFor('VS Code to read the workspace settings', 20_000, () =>
        config().get('python') === python && config().get('runner.dockerImage') === 'postgres:15-alpine'
          ? true
          : undefined,
      );
      for (const [key, value] of Object.entries(written)) {
        const name = key.replace(/^schemaWarden\./, '');
        const inspected = config().inspect(name);
        assert.equal(inspected?.workspaceValue, value, `${key} is read at the workspace level`);
        assert.equal(config().get(name), value, `${key}: the workspace's value is the one in effect`);
      }
      // The runner uses them.
      const choice = await api.runner.service.python(root);
      assert.deepEqual(choice, { python, source: 'the schemaWarden.python setting' });
      const settings = api.runner.service.settings();
      assert.equal(settings.target, 'url');
      assert.equal(settings.url, 'postgresql://app@127.0.0.1:5432/app_dev');
      assert.equal(settings.dockerImage, 'postgres:15-alpine');
      // The Database view follows the target setting.
      await waitFor('the Database view to show the url target', 10_000, () =>
        api.runner.database
          .getChildren()
          .some((row) => /url/.test(`${String(row.label)} ${String(row.description)} ${String(row.tooltip)}`))
          ? true
          : undefined,
      );
    } finally {
      if (before === undefined) fs.rmSync(file, { force: true });
      else fs.writeFileSync(file, before);
      await waitFor('the workspace settings to be restored', 20_000, () =>
        vscode.workspace.getConfiguration('schemaWarden').inspect('python')?.workspaceValue === undefined ||
        before !== undefined
          ? true
          : undefined,
      );
    }
  });
});
