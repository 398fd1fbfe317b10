// Error kinds the runner distinguishes, because callers react differently: a setup problem
// (exit code 2, "install X") is not a migration that failed (exit code 1).

/** Something is missing or misconfigured on the machine or in the project; `hint` says what to do. */
export class RunnerSetupError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n${hint}` : message);
    this.name = 'RunnerSetupError';
  }
}

/** The user (or a caller's AbortSignal) cancelled the run. */
export class RunnerCancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'RunnerCancelledError';
  }
}

export function isSetupError(error: unknown): error is RunnerSetupError {
  return error instanceof RunnerSetupError;
}
