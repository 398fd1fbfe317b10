import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SchemaWardenApi } from '../../../client/src/extension';

/** Helpers the real-editor suites share (not a suite: the index loads `*.e2e.ts` only). */

/** The workspace folder the launcher opened. */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri;
}

/** Polls `probe` until it returns a value, or fails saying what it waited for. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The extension under test, as its package.json names it. */
export const EXTENSION_ID = 'schema-warden.schema-warden';

/**
 * Activates the extension with the migration runner set up for a test: the venv's Python
 * (E2E_PYTHON, else the repository's .venv) and an ephemeral local cluster as the target, both
 * as workspace settings, which `resetRunnerSettings` removes again.
 */
export async function activateWithRunner(): Promise<SchemaWardenApi> {
  const ext = vscode.extensions.getExtension<SchemaWardenApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  const api = await ext.activate();
  const python = process.env.E2E_PYTHON ?? path.join(ext.extensionUri.fsPath, '.venv', 'bin', 'python');
  assert.ok(fs.existsSync(python), `${python} exists (scripts/setup-python.sh)`);
  const config = vscode.workspace.getConfiguration('schemaWarden');
  await config.update('python', python, vscode.ConfigurationTarget.Workspace);
  await config.update('runner.target', 'local', vscode.ConfigurationTarget.Workspace);
  return api;
}

/** Stops the runner's database and removes the workspace settings `activateWithRunner` wrote. */
export async function resetRunnerSettings(api: SchemaWardenApi | undefined): Promise<void> {
  await api?.runner.service.stopDatabase();
  const config = vscode.workspace.getConfiguration('schemaWarden');
  await config.update('python', undefined, vscode.ConfigurationTarget.Workspace);
  await config.update('runner.target', undefined, vscode.ConfigurationTarget.Workspace);
}

/** Runs the command a code lens of `file` titled `title` carries, as a click on it does. */
export async function clickLens(file: string, title: string): Promise<unknown> {
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
  const lens = lenses.find((l) => l.command?.title === title);
  assert.ok(lens?.command, `a "${title}" code lens in ${path.basename(file)}`);
  return vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));
}
