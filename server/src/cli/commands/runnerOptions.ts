// Flags shared by `verify` and `db`, and the mapping of runner errors to exit codes and messages.
import { RunnerCancelledError, RunnerSetupError } from '../../runner/errors';
import { TargetLostError } from '../../runner/verify';
import { AlembicCommandError, ProjectEnvError } from '../../runner/alembicHelper';

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE_FOUND = 1;
export const EXIT_SETUP_PROBLEM = 2;

/** Prints what went wrong before a verdict could be reached; always exit code 2. */
export function reportSetupProblem(command: string, error: unknown, io: CommandIo): number {
  if (error instanceof RunnerSetupError) {
    io.stderr(`schema-warden ${command}: ${error.message}\n`);
  } else if (error instanceof RunnerCancelledError) {
    io.stderr(`schema-warden ${command}: cancelled; everything it started was stopped.\n`);
  } else if (error instanceof TargetLostError) {
    io.stderr(
      `schema-warden ${command}: ${error.message}\nNothing was left running. Run it again; if it ` +
        `keeps happening, check the server's log and the machine's memory.\n`,
    );
  } else if (error instanceof ProjectEnvError) {
    io.stderr(`schema-warden ${command}: ${error.message}\n`);
  } else if (error instanceof AlembicCommandError) {
    // Loading the revisions failed (a syntax error in one, a broken script_location): name the file.
    const { file, line } = error.detail;
    const where = file ? ` (${file}${line !== undefined ? `:${line}` : ''})` : '';
    io.stderr(
      `schema-warden ${command}: cannot read the Alembic project: ${error.detail.type}: ${error.detail.message}` +
        `${where}\nCheck the Alembic config file (script_location)` +
        `${file ? ' and the file named above' : ''}.\n`,
    );
  } else {
    io.stderr(`schema-warden ${command}: ${(error as Error)?.message ?? String(error)}\n`);
  }
  return EXIT_SETUP_PROBLEM;
}

/** Aborts `controller` on Ctrl-C / SIGTERM while `work` runs, so cleanup code gets to run. */
export async function withInterruptAbort<T>(controller: AbortController, work: () => Promise<T>): Promise<T> {
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work();
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
