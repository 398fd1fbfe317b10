// After each finished verification, the locks it traced go to the language server
// (TracedLocksNotification): its hover on an `op.*` call shows them, and SW6xx findings say whether
// the trace confirmed their prediction. The runner lives in the extension host, the rules in the
// server: this is the one bridge between them. The server keeps them in memory only, so they are
// sent again whenever it starts: after a restart (this session's last result) and at the first
// start after a window reload (the previous session's result, kept in workspaceState).
import * as vscode from 'vscode';
import type lc = require('vscode-languageclient/node');
import { TracedLocksNotification, type TracedLocksParams } from '../../server/src/shared/protocol';
import type { VerifyResult } from '../../server/src/runner/verify';
import { STORED_RESULT_KEY, type StoredResult } from './storedResult';

/**
 * The traced revisions of a verification result, by file URI (revisions without a file or a trace
 * are left out; with `hashedOnly`, so are those without the hash of their traced text, which the
 * server needs to tell whether the file changed since).
 */
export function tracedLocksParams(result: VerifyResult, hashedOnly = false): TracedLocksParams {
  return {
    revisions: result.revisions
      .filter((r) => r.path && r.locks && (!hashedOnly || r.fileSha256))
      .map((r) => ({
        uri: vscode.Uri.file(r.path!).toString(),
        revision: r.revision,
        locks: r.locks!,
        rewrites: r.rewrites ?? [],
        ...(r.traceError ? { traceError: r.traceError } : {}),
        ...(r.fileSha256 ? { sha256: r.fileSha256 } : {}),
      })),
    ...(result.postgresVersion ? { postgresVersion: result.postgresVersion } : {}),
  };
}

export function sendTracedLocks(
  client: lc.LanguageClient | undefined,
  result: VerifyResult,
  output: vscode.LogOutputChannel,
  hashedOnly = false,
): void {
  if (!client?.isRunning()) return;
  const params = tracedLocksParams(result, hashedOnly);
  if (params.revisions.length === 0) return;
  client
    .sendNotification(TracedLocksNotification, params)
    .catch((err: Error) => output.warn(`Sending the traced locks to the language server: ${err.message}`));
}

/**
 * The result whose traces a (re)started language server should have: this session's last finished
 * verification, else the previous window session's (workspaceState), never a cancelled run's.
 * `restored` says it came from the previous session (its files may have changed since: only the
 * revisions sent with the hash of their traced text are kept by the server).
 */
export function resultToResend(
  lastResult: { result: VerifyResult; cancelled: boolean } | undefined,
  state: vscode.Memento,
): { result: VerifyResult; restored: boolean } | undefined {
  if (lastResult) return lastResult.cancelled ? undefined : { result: lastResult.result, restored: false };
  const stored = state.get<StoredResult>(STORED_RESULT_KEY);
  if (!stored || stored.cancelled || !Array.isArray(stored.result?.revisions)) return undefined;
  return { result: stored.result, restored: true };
}
