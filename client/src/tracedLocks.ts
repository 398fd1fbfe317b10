// After each finished verification, the locks it traced go to the language server
// (TracedLocksNotification): its hover on an `op.*` call shows them, and SW6xx findings say whether
// the trace confirmed their prediction. The runner lives in the extension host, the rules in the
// server: this is the one bridge between them.
import * as vscode from 'vscode';
import type lc = require('vscode-languageclient/node');
import { TracedLocksNotification, type TracedLocksParams } from '../../server/src/shared/protocol';
import type { VerifyResult } from '../../server/src/runner/verify';

/** The traced revisions of a verification result, by file URI (revisions without a file or a trace are left out). */
export function tracedLocksParams(result: VerifyResult): TracedLocksParams {
  return {
    revisions: result.revisions
      .filter((r) => r.path && r.locks)
      .map((r) => ({
        uri: vscode.Uri.file(r.path!).toString(),
        revision: r.revision,
        locks: r.locks!,
        rewrites: r.rewrites ?? [],
        ...(r.traceError ? { traceError: r.traceError } : {}),
      })),
  };
}

export function sendTracedLocks(
  client: lc.LanguageClient | undefined,
  result: VerifyResult,
  output: vscode.LogOutputChannel,
): void {
  if (!client?.isRunning()) return;
  const params = tracedLocksParams(result);
  if (params.revisions.length === 0) return;
  client
    .sendNotification(TracedLocksNotification, params)
    .catch((err: Error) => output.warn(`Sending the traced locks to the language server: ${err.message}`));
}
