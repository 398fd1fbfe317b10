// Everything a verification run needs, started in order and torn down in reverse on every exit
// path: the target, a scratch database on it, and the Alembic helper.
import { AlembicHelper, type EnvMode } from './alembicHelper';
import { RunnerCancelledError } from './errors';
import { silentLog, type RunnerLog } from './log';
import { discoverPython, type PythonChoice } from './pythonDiscovery';
import { createScratchDatabase, type ScratchDatabase } from './scratchDatabase';
import type { Target } from './targets/target';
import { definedOnly } from '../shared/definedOnly';

export interface RunSessionOptions {
  projectDir: string;
  target: Target;
  python?: PythonChoice;
  configFile?: string;
  /** The named section of the config file Alembic reads (`alembic -n core`; default [alembic]). */
  iniSection?: string;
  urlEnvVar?: string;
  /** Which env.py runs the revisions (default: the project's). */
  envMode?: EnvMode;
  /** The Flask application for a Flask-Migrate env.py (FLASK_APP's syntax). */
  flaskApp?: string;
  signal?: AbortSignal;
  log?: RunnerLog;
  requestTimeoutMs?: number;
}

export interface RunSession {
  target: Target;
  database: ScratchDatabase;
  helper: AlembicHelper;
  python: PythonChoice;
}

/** Runs `work` with a started target, a scratch database and a helper; cleans all up afterwards. */
export async function withRunSession<T>(
  options: RunSessionOptions,
  work: (session: RunSession) => Promise<T>,
): Promise<T> {
  const log = options.log ?? silentLog;
  const python = options.python ?? discoverPython({ workspaceDir: options.projectDir });
  let database: ScratchDatabase | undefined;
  let helper: AlembicHelper | undefined;
  const onAbort = () => {
    if (options.target.ephemeral) void options.target.stop();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // The helper first: a missing Python, Alembic or a broken alembic.ini is reported before any
    // database is started.
    helper = await AlembicHelper.start({
      projectDir: options.projectDir,
      python: python.python,
      pythonSource: python.source,
      log,
      ...definedOnly({
        configFile: options.configFile || undefined,
        iniSection: options.iniSection || undefined,
        urlEnvVar: options.urlEnvVar || undefined,
        envMode: options.envMode || undefined,
        flaskApp: options.flaskApp || undefined,
        signal: options.signal,
        requestTimeoutMs: options.requestTimeoutMs || undefined,
      }),
    });
    await helper.history();
    await options.target.start();
    if (options.signal?.aborted) throw new RunnerCancelledError();
    log(`target: ${options.target.describe()} — ${options.target.reason}`);
    database = await createScratchDatabase(options.target.url());
    await helper.setDatabaseUrl(database.url, options.target.describe());
    return await work({ target: options.target, database, helper, python });
  } catch (error) {
    // After a cancellation the target is being stopped on purpose: nothing to explain.
    if (options.signal?.aborted) throw error instanceof RunnerCancelledError ? error : new RunnerCancelledError();
    // Asked before the finally block stops the target: its log and its engine are the evidence.
    throw (await options.target.explainFailure?.(error).catch(() => undefined)) ?? error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await helper?.close().catch(() => undefined);
    await database?.drop().catch(() => undefined);
    // A database the user owns (URL, persistent container) stays up; ephemeral ones go.
    if (options.target.ephemeral) await options.target.stop();
  }
}
