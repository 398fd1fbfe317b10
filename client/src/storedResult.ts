// What workspaceState keeps of the last verification, for the next window session: the Results
// view shows it again, and the extension sends its traces to the language server again. In the
// activation bundle (the runner's bundle loads on first use; the traces are needed at once).
import type { VerifyResult } from '../../server/src/runner/verify';

/** What workspaceState keeps of the last run (under STORED_RESULT_KEY). */
export interface StoredResult {
  result: VerifyResult;
  cancelled: boolean;
  target?: string;
}

export const STORED_RESULT_KEY = 'schemaWarden.results.last';
