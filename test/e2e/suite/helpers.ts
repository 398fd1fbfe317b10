import * as assert from 'assert';
import * as vscode from 'vscode';

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
