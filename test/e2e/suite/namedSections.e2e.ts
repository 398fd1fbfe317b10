// An alembic.ini keeping two histories in named sections ([core], [tenant]; `alembic -n core`) in
// the real editor, on a copy of test/fixtures/layouts/named-sections
// (E2E_GREP="named sections in the real editor"): the revision at hand picks the history the runner
// runs. A code lens in a [tenant] revision upgrades the tenant history (its own version table,
// alembic_version_tenant); one in the [core] revision then switches the runner to core; a
// verification started with a tenant revision open round-trips the tenant history only. On another
// workspace the cases are pending.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SchemaWardenApi } from '../../../client/src/extension';
import type { VerifyResult } from '../../../server/src/runner/verify';
import { activateWithRunner, clickLens, resetRunnerSettings, workspaceRoot } from './helpers';

const tenantFile = (): string =>
  path.join(workspaceRoot().fsPath, 'shipyard', 'revisions', 'tenant', 'history', 't002_berth_depth.py');
const coreFile = (): string => path.join(workspaceRoot().fsPath, 'revisions', 'core', 'versions', 'k001_harbours.py');
const isNamedSections = (): boolean => fs.existsSync(tenantFile()) && fs.existsSync(coreFile());

/** Each revision the Revisions view lists, with its applied state (`t0020000t002:revision.current`). */
async function revisionStates(api: SchemaWardenApi): Promise<string[]> {
  return (await api.runner.revisions.getChildren()).map((i) => `${String(i.label)}:${String(i.contextValue)}`).sort();
}

/** Waits (up to 15 s) until `check` holds; the Revisions view refreshes 0.5 s after the last file event. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`the new revision was never ${what} in the Revisions view`);
}

describe('named sections in the real editor: the revision at hand picks the history the runner runs', function () {
  this.timeout(180_000);
  let api: SchemaWardenApi | undefined;
  after(() => resetRunnerSettings(api));

  it('Upgrade to here in a [tenant] revision, then in the [core] one, then Verify round trips with the tenant revision open', async function () {
    if (!isNamedSections()) this.skip();
    api = await activateWithRunner();

    // A code lens in the tenant history: the runner runs alembic -n tenant, and the applied state
    // is read from that history's own version table.
    assert.equal(await clickLens(tenantFile(), 'Upgrade to here'), true);
    assert.deepEqual(await revisionStates(api), ['t0010000t001:revision.applied', 't0020000t002:revision.current']);
    assert.deepEqual(await api.runner.service.currentRevisions(), ['t0020000t002']);

    // A code lens in the core history switches the runner to [core], on the same database.
    assert.equal(await clickLens(coreFile(), 'Upgrade to here'), true);
    assert.deepEqual(await revisionStates(api), ['k0010000k001:revision.current']);

    // Verify round trips with the tenant revision open: the tenant history, not core's.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(tenantFile())));
    const result = await vscode.commands.executeCommand<VerifyResult>('schemaWarden.verifyRoundTrips', { quiet: true });
    assert.ok(result, 'the command returns the verification result');
    assert.equal(result.ok, true, JSON.stringify(result.failures ?? result.failure));
    assert.deepEqual(
      result.revisions.map((r) => `${r.revision} ${r.status}`),
      ['t0010000t001 passed', 't0020000t002 passed'],
    );
    console.log(`named sections: ${(await revisionStates(api)).join(', ')}; verified ${result.revisions.length}`);

    // A revision written into the tenant's history/ folder (not a versions/ folder) appears in the
    // Revisions view, with its code lenses, and leaves it when deleted.
    const added = path.join(path.dirname(tenantFile()), 't003_berth_owner.py');
    fs.writeFileSync(
      added,
      [
        '"""berth owner"""',
        'from alembic import op',
        'import sqlalchemy as sa',
        '',
        'revision = "t0030000t003"',
        'down_revision = "t0020000t002"',
        '',
        '',
        'def upgrade():',
        '    op.add_column("berth", sa.Column("owner", sa.Text(), nullable=True))',
        '',
        '',
        'def downgrade():',
        '    op.drop_column("berth", "owner")',
        '',
      ].join('\n'),
    );
    try {
      await until(async () => (await revisionStates(api!)).some((s) => s.startsWith('t0030000t003:')), 'listed');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(added)));
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
        'vscode.executeCodeLensProvider',
        vscode.Uri.file(added),
      );
      assert.deepEqual(
        lenses.map((l) => l.command?.title),
        ['Upgrade to here', 'Downgrade to here'],
      );
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      fs.rmSync(added);
    }
    await until(async () => !(await revisionStates(api!)).some((s) => s.startsWith('t0030000t003:')), 'gone');
  });
});
