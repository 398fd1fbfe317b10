// The Flask-Migrate fixture verified from the sidebar (issue #12): opened on the application factory
// of test/support/flaskMigrateProject.ts (scripts/test-e2e.sh makes one and opens it), the
// Revisions view's *Verify round trips* runs the project's own Flask-Migrate env.py inside the
// application's context on a throwaway local PostgreSQL; the Results view shows both revisions
// passed, and nothing ever connects to the development URL of the app's config (a listener of
// this test that counts connections, as the CLI test does). On another workspace the case is pending.
//
// Needs Flask-Migrate and Flask-SQLAlchemy for the interpreter: Debian's /usr/bin/python3 with
// python3-flask-migrate (E2E_FLASK_PYTHON overrides), and PostgreSQL 15 binaries.
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SchemaWardenApi } from '../../../client/src/extension';
import type { VerifyResult } from '../../../server/src/runner/verify';
import { FLASK_APP_FILE, FLASK_REVISIONS, setDevUrl } from '../../support/flaskMigrateProject';
import { EXTENSION_ID, workspaceRoot } from './helpers';

function isFlaskFixture(): boolean {
  const root = workspaceRoot().fsPath;
  return (
    fs.existsSync(path.join(root, 'wsgi.py')) &&
    fs.existsSync(path.join(root, FLASK_APP_FILE)) &&
    fs.existsSync(path.join(root, 'migrations', 'alembic.ini'))
  );
}

/** Where the development database would be: accepts TCP connections and counts them. */
async function tripwire(): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('Flask-Migrate from the sidebar', function () {
  this.timeout(180_000);

  it("verifies the application factory's revisions from the Revisions view; nothing reaches the app config's development URL", async function () {
    if (!isFlaskFixture()) this.skip();
    const ext = vscode.extensions.getExtension<SchemaWardenApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    const api = await ext.activate();
    const python = process.env.E2E_FLASK_PYTHON ?? '/usr/bin/python3';
    const config = vscode.workspace.getConfiguration('schemaWarden');
    await config.update('python', python, vscode.ConfigurationTarget.Workspace);
    await config.update('runner.target', 'local', vscode.ConfigurationTarget.Workspace);
    const dev = await tripwire();
    try {
      setDevUrl(workspaceRoot().fsPath, `postgresql://shop:devpass@127.0.0.1:${dev.port}/shop_dev`);

      // The Revisions view lists the history as Alembic reads it from migrations/alembic.ini.
      await vscode.commands.executeCommand('schemaWarden.revisions.focus');
      const listed = (await api.runner.revisions.getChildren()).map((i) => String(i.label)).sort();
      assert.deepEqual(listed, FLASK_REVISIONS);

      // The view's title action: the command the Revisions view's toolbar runs.
      const menus = (
        ext.packageJSON as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>> } }
      ).contributes.menus['view/title'];
      assert.ok(
        menus.some(
          (m) => m.command === 'schemaWarden.verifyRoundTrips' && /view == schemaWarden\.revisions/.test(m.when ?? ''),
        ),
        'Verify round trips is an action of the Revisions view',
      );
      const result = await vscode.commands.executeCommand<VerifyResult>('schemaWarden.verifyRoundTrips', {
        quiet: true,
      });
      assert.ok(result, 'the command returns the verification result');
      assert.equal(result.ok, true, JSON.stringify(result.failures ?? result.failure));

      // Flask-Migrate's layout: Alembic ran from the folder above migrations/ (where wsgi.py is).
      assert.equal(await api.runner.service.projectDir(), workspaceRoot().fsPath);
      assert.equal(api.runner.service.lastRun?.target.kind, 'local');

      // The Results view: both revisions passed, every step of each ✓.
      const rows = api.runner.results.getChildren();
      assert.deepEqual(
        rows.map((r) => String(r.label)),
        FLASK_REVISIONS.map((id) => `✓ ${id}`),
      );
      for (const row of rows)
        assert.ok(
          api.runner.results.getChildren(row).every((step) => !String(step.label).startsWith('✗')),
          `${String(row.label)}: no failed step`,
        );
      assert.match(api.runner.results.message ?? '', /^✓ 2 of 2 revision\(s\) round-tripped cleanly/);
      console.log(`Results view: ${rows.map((r) => String(r.label)).join(', ')}; ${api.runner.results.message}`);

      assert.equal(dev.connections(), 0, "nothing connected to the app config's development URL");
    } finally {
      await dev.close();
      await config.update('python', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('runner.target', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
