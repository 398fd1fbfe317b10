import * as vscode from 'vscode';
import type { AllowWithDecisionArgs } from '../../server/src/shared/protocol';

/**
 * "Allow SWnnn with a decision record…" writes a record and edits the revision: nothing happens
 * before the user has confirmed the record's title (prefilled with the rule and the revision).
 * Returns the arguments with the chosen title, or undefined when the user backed out.
 */
export async function askBeforeAllow(given: unknown): Promise<AllowWithDecisionArgs | undefined> {
  const args = (given ?? {}) as AllowWithDecisionArgs;
  if (typeof args.ruleId !== 'string') return args; // malformed: the server says what is wrong
  const where = args.revision ? `revision ${args.revision}` : 'this file';
  const title = await vscode.window.showInputBox({
    title: `Allow ${args.ruleId} with a decision record`,
    prompt: `Writes a numbered record in the decisions folder (rule ${args.ruleId}, ${where}) and a waiver comment above the finding. Title of the decision:`,
    value: args.title ?? `Allow ${args.ruleId} in ${where}`,
    validateInput: (v) => (v.trim() ? undefined : 'A decision needs a title'),
  });
  return title ? { ...args, title: title.trim() } : undefined;
}
