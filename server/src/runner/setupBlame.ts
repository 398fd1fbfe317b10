// What to tell the user when a command failed for a reason of the project's setup rather than of
// a migration: read from the helper's account of the Python traceback (the file and line that
// raised, and where it came from). Each message names the file, says what kind of problem it is,
// and what to do; none claims anything about plain Alembic that was not run.
import * as path from 'node:path';
import type { HelperErrorDetail } from './helperProtocol';

/** Is this failure a setup problem of the project (exit 2), not a verdict on a migration? */
export function isProjectSetupProblem(detail: HelperErrorDetail): boolean {
  return (
    detail.origin === 'env.py' ||
    detail.origin === 'app' ||
    detail.origin === 'setup' ||
    detail.type === 'ModuleNotFoundError' ||
    detail.missingModule !== undefined
  );
}

/** The hint that fits an env.py that cannot run outside production. */
export const BUILTIN_ENV_HINT =
  'If env.py needs something only production has (a secret, a service), run with --env ' +
  "builtin (in the editor: schemaWarden.runner.env = builtin): Schema Warden's own env.py " +
  'then runs the revisions on the scratch database without importing the application.';

export function describeProjectSetupProblem(detail: HelperErrorDetail, projectDir: string, python: string): string {
  const rel = (file: string) => {
    const relative = path.relative(projectDir, file);
    return relative.startsWith('..') ? file : relative;
  };
  const raisedAt = detail.file ? `${rel(detail.file)}${detail.line !== undefined ? `:${detail.line}` : ''}` : undefined;
  const viaEnv =
    detail.envFile && detail.file !== detail.envFile
      ? ` (reached from ${rel(detail.envFile)}${detail.envLine !== undefined ? `:${detail.envLine}` : ''})`
      : '';
  if (detail.type === 'ModuleNotFoundError' || detail.missingModule !== undefined) {
    const interpreter = detail.python ?? python;
    const module = detail.missingModule ?? detail.message;
    return (
      `${raisedAt ?? 'The project'}${viaEnv} imports ${module}, which is not installed in ${interpreter}: ${detail.type}: ${detail.message}\n` +
      (`The project's dependencies are not installed in that interpreter. Install them there ("` +
        `${interpreter}" -m pip install -e . , or its requirements file), or run with --python ` +
        `pointing at the project's own environment.`)
    );
  }
  if (detail.type === 'EnvNotFound') {
    return (
      `${detail.message}\n` +
      (`This is a setup problem of the project, not a failed migration: create it (alembic init ` +
        `writes one), fix script_location in the Alembic config, or run with --env builtin to use ` +
        `Schema Warden's own env.py.`)
    );
  }
  if (detail.origin === 'setup') return detail.message;
  const what = detail.origin === 'app' ? 'Loading the Flask application for env.py' : "The project's env.py";
  return (
    `${what} failed at ${raisedAt ?? (detail.envFile ? rel(detail.envFile) : 'env.py')}${viaEnv}: ${detail.type}: ${detail.message}\n` +
    `This is a setup problem of the project (its Alembic environment failed before any migration ran), not a failed migration.\n` +
    BUILTIN_ENV_HINT
  );
}
