// Spawns and talks to python/alembic_helper.py: one long-lived Python process per run, JSON lines
// over stdin/stdout. Spawned with an argument array (never a shell string) in its own process
// group, so a cancellation or timeout kills everything it started.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { RunnerCancelledError, RunnerSetupError } from './errors';
import { killProcessTree } from './exec';
import { cleanUpAtExit, forgetAtExit } from './exitCleanup';
import type {
  CompareMetadataResult,
  HelperCommand,
  HelperEnvironment,
  HelperErrorDetail,
  HelperHello,
  HelperResponse,
  HistoryResult,
  LockTrace,
} from './helperProtocol';
import { describeProjectSetupProblem, isProjectSetupProblem } from './setupBlame';
import { formatMs, silentLog, type RunnerLog } from './log';
import { redactUrl } from './targets/target';

export interface AlembicHelperOptions {
  /** The folder holding alembic.ini; the helper runs there, as `alembic` would. */
  projectDir: string;
  python: string;
  /** Where the interpreter choice came from, for messages. */
  pythonSource?: string;
  configFile?: string;
  iniSection?: string;
  /** Database the commands run against unless a request names another. */
  databaseUrl?: string;
  /** The environment variable the project's env.py reads the URL from (DATABASE_URL by default). */
  urlEnvVar?: string;
  /** "project" (default): the project's env.py; "builtin": Schema Warden's own (--env builtin). */
  envMode?: EnvMode;
  /** The Flask application for an env.py using current_app, in FLASK_APP's syntax (--flask-app). */
  flaskApp?: string;
  requestTimeoutMs?: number;
  startTimeoutMs?: number;
  signal?: AbortSignal;
  log?: RunnerLog;
  /** Label of the target for the log ("local PostgreSQL 15 on 127.0.0.1:5433"). */
  targetLabel?: string;
  helperPath?: string;
  env?: NodeJS.ProcessEnv;
}

/** A command the helper ran and that failed: Python's exception, and Postgres' error and SQL. */
export class AlembicCommandError extends Error {
  constructor(
    readonly command: string,
    readonly detail: HelperErrorDetail,
  ) {
    super(`alembic ${command} failed: ${detail.type}: ${detail.message}${detail.sql ? `\nSQL: ${detail.sql}` : ''}`);
    this.name = 'AlembicCommandError';
  }
}

/**
 * A setup problem of the project, before any migration ran: its env.py raised (its imports, its
 * configuration, run_migrations_online), its Flask application did not load, a dependency is not
 * installed, there is no env.py, or it connected around the redirection. Not a verdict on a
 * migration (exit 2), not a bug of Schema Warden. Still an AlembicCommandError: the helper is fine
 * and keeps serving.
 */
export class ProjectEnvError extends AlembicCommandError {
  constructor(command: string, detail: HelperErrorDetail, projectDir: string, python: string) {
    super(command, detail);
    this.message = describeProjectSetupProblem(detail, projectDir, python);
    this.name = 'ProjectEnvError';
  }
}

/** The helper process died or stopped answering. */
export class AlembicHelperCrashedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlembicHelperCrashedError';
  }
}

interface Pending {
  resolve: (response: HelperResponse) => void;
  reject: (error: Error) => void;
}

const HELPER_FILE = 'alembic_helper.py';

/** Finds the helper beside the bundle (dist/) first, then in the source tree relative to out/. */
export function locateHelperScript(): string {
  const candidates = [
    path.join(__dirname, HELPER_FILE),
    path.join(__dirname, 'python', HELPER_FILE),
    path.resolve(__dirname, '..', '..', '..', '..', 'server', 'src', 'runner', 'python', HELPER_FILE),
  ];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found)
    throw new RunnerSetupError(
      `Schema Warden's Alembic helper (${HELPER_FILE}) is missing; looked in ${candidates.join(', ')}.`,
      'Reinstall the extension or rebuild (npm run build).',
    );
  return found;
}

/** Which env.py runs the revisions: the project's own, or Schema Warden's built-in one. */
export type EnvMode = 'project' | 'builtin';
export const ENV_MODES: readonly EnvMode[] = ['project', 'builtin'];

export class AlembicHelper {
  hello!: HelperHello;
  /** What the last command that ran env.py reported: which environment, which app, which URLs were redirected. */
  environment: HelperEnvironment | undefined;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private readonly stderrTail: string[] = [];
  private readonly log: RunnerLog;
  private nextId = 1;
  /**
   * Time spent in requests, summed since the helper started: `requestMs` (wall time seen from
   * here), `helperMs` (inside the helper) and, when the helper runs with SCHEMA_WARDEN_PHASES=1,
   * its phases (see HelperResponse.phasesMs). For the round-trip budget's breakdown.
   */
  readonly timings: { requests: number; requestMs: number; helperMs: number; phasesMs: Record<string, number> } = {
    requests: 0,
    requestMs: 0,
    helperMs: 0,
    phasesMs: {},
  };
  private exited = false;
  private exitError: Error | undefined;
  private readonly exitPromise: Promise<void>;
  private readonly abortListener: () => void;

  private constructor(private options: AlembicHelperOptions) {
    this.log = options.log ?? silentLog;
    const urlEnvVar = options.urlEnvVar ?? 'DATABASE_URL';
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      PYTHONUNBUFFERED: '1',
      PYTHONIOENCODING: 'utf-8',
      // Importing env.py and the revisions would write __pycache__ folders into the user's project:
      // a verification run must leave the project exactly as it found it.
      PYTHONDONTWRITEBYTECODE: '1',
      SCHEMA_WARDEN_URL_ENV: urlEnvVar,
      SCHEMA_WARDEN_ALEMBIC_CONFIG: options.configFile ?? 'alembic.ini',
      SCHEMA_WARDEN_ALEMBIC_SECTION: options.iniSection ?? 'alembic',
      SCHEMA_WARDEN_ENV: options.envMode ?? 'project',
    };
    if (options.flaskApp) env.SCHEMA_WARDEN_FLASK_APP = options.flaskApp;
    if (options.databaseUrl) {
      env.SCHEMA_WARDEN_DATABASE_URL = options.databaseUrl;
      env[urlEnvVar] = options.databaseUrl;
    }
    const helperPath = options.helperPath ?? locateHelperScript();
    this.child = spawn(options.python, ['-u', helperPath], {
      cwd: options.projectDir,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    cleanUpAtExit(this, () => this.kill());
    this.exitPromise = new Promise((resolve) => {
      this.child.on('error', (error: NodeJS.ErrnoException) => {
        this.markExited(error.code === 'ENOENT' ? this.pythonNotFound() : error);
        resolve();
      });
      this.child.on('exit', (code, signal) => {
        this.markExited(
          new AlembicHelperCrashedError(
            `the Alembic helper (${options.python}) exited (${signal ?? `code ${code}`})${this.stderrSummary()}`,
          ),
        );
        resolve();
      });
    });
    this.child.stdin.on('error', () => undefined);
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => this.onResponseLine(line));
    readline.createInterface({ input: this.child.stderr }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 40) this.stderrTail.shift();
      this.log(`[python] ${line}`);
    });
    this.abortListener = () => {
      this.log('cancelled: killing the Alembic helper and everything it started');
      this.markExited(new RunnerCancelledError());
      this.kill();
    };
    options.signal?.addEventListener('abort', this.abortListener, { once: true });
  }

  /** Starts the helper and checks that the interpreter can import Alembic. */
  static async start(options: AlembicHelperOptions): Promise<AlembicHelper> {
    if (options.signal?.aborted) throw new RunnerCancelledError();
    const configPath = path.resolve(options.projectDir, options.configFile ?? 'alembic.ini');
    if (!fs.existsSync(configPath)) {
      throw new RunnerSetupError(
        `No Alembic configuration at ${configPath}.`,
        'Point Schema Warden at the folder holding alembic.ini (the CLI takes it as PROJECT_DIR).',
      );
    }
    const helper = new AlembicHelper(options);
    const began = performance.now();
    try {
      const hello = await helper.awaitResponse(0, options.startTimeoutMs ?? 30_000, 'start');
      if (!hello.ok) throw helper.helloFailure(hello.error);
      helper.hello = hello.result as HelperHello;
    } catch (error) {
      // Rejected only once the process is gone: a caller that checks for leftovers right away (or
      // starts another helper) must not find this one still exiting.
      helper.kill();
      await helper.exitPromise;
      if (error instanceof RunnerSetupError || error instanceof RunnerCancelledError) throw error;
      throw new RunnerSetupError(
        `The Alembic helper could not start with ${options.python}: ${(error as Error).message}`,
      );
    }
    const h = helper.hello;
    helper.log(
      `Alembic helper ready in ${formatMs(performance.now() - began)}: ${h.python} (Python ` +
        `${h.pythonVersion}, Alembic ${h.alembic}, SQLAlchemy ${h.sqlalchemy}, drivers: ` +
        `${h.drivers.join(', ') || 'none'})`,
    );
    return helper;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  history(): Promise<HistoryResult> {
    return this.request<HistoryResult>('history', {});
  }

  heads(): Promise<string[]> {
    return this.request<string[]>('heads', {});
  }

  /** Revisions recorded in the database's alembic_version (empty: at base). */
  current(url?: string): Promise<string[]> {
    return this.request<string[]>('current', withUrl({}, url), `current`, url);
  }

  async upgrade(revision: string, url?: string): Promise<void> {
    await this.request('upgrade', withUrl({ revision }, url), `upgrade ${revision}`, url);
  }

  /** Upgrades while tracing the locks the migration's backend takes and the tables it rewrites. */
  async tracedUpgrade(revision: string, url?: string): Promise<LockTrace> {
    const result = await this.request<{ trace?: LockTrace }>(
      'upgrade',
      withUrl({ revision, traceLocks: true }, url),
      `upgrade ${revision}`,
      url,
    );
    return result.trace ?? { locks: [], rewrites: [], created: [], traceError: 'the helper returned no trace' };
  }

  async downgrade(revision: string, url?: string): Promise<void> {
    await this.request('downgrade', withUrl({ revision }, url), `downgrade ${revision}`, url);
  }

  /** Offline SQL (`alembic upgrade --sql`) for a revision or range such as "base:head". */
  async sql(revision: string, direction: 'upgrade' | 'downgrade' = 'upgrade'): Promise<string> {
    const result = await this.request<{ sql: string }>(
      'sql',
      { revision, direction },
      `${direction} --sql ${revision}`,
    );
    return result.sql;
  }

  /**
   * Alembic's autogenerate comparison (`alembic.autogenerate.compare_metadata`) of the MetaData
   * named by `metadata` ("myapp.models:Base.metadata", imported with the project folder on
   * sys.path) with the database.
   */
  compareMetadata(metadata: string, url?: string): Promise<CompareMetadataResult> {
    return this.request<CompareMetadataResult>(
      'compare_metadata',
      withUrl({ metadata }, url),
      `autogenerate comparison with ${metadata}`,
      url,
    );
  }

  /** Points later commands at another database (the env var env.py reads is set per command). */
  async setDatabaseUrl(url: string, targetLabel?: string): Promise<void> {
    await this.request('configure', { url }, 'configure');
    this.options.databaseUrl = url;
    if (targetLabel) this.options.targetLabel = targetLabel;
  }

  /**
   * Whether the helper keeps its driver connections open from one command to the next (reset
   * between them as new ones would be): verify's round trip runs three commands a revision.
   * Switching it off closes them; do so before the database is dropped or recreated.
   */
  async keepConnections(keep: boolean): Promise<void> {
    await this.request('configure', { keepConnections: keep }, keep ? 'keep connections' : 'release connections');
  }

  /** Sends one request and resolves with its result; a helper-side failure rejects with AlembicCommandError. */
  async request<T>(cmd: HelperCommand, args: Record<string, unknown>, label: string = cmd, url?: string): Promise<T> {
    if (this.exitError) throw this.exitError;
    const id = this.nextId++;
    const began = performance.now();
    const where = url
      ? redactUrl(url)
      : (this.options.targetLabel ?? (this.options.databaseUrl ? redactUrl(this.options.databaseUrl) : 'no database'));
    const response = this.awaitResponse(id, this.options.requestTimeoutMs ?? 300_000, label);
    this.child.stdin.write(JSON.stringify({ id, cmd, args }) + '\n');
    let result: HelperResponse;
    try {
      result = await response;
    } catch (error) {
      this.log(
        `alembic ${label} on ${where}: ${(error as Error).message.split('\n')[0]} after ${formatMs(performance.now() - began)}`,
      );
      throw error;
    }
    this.timings.requests++;
    this.timings.requestMs += performance.now() - began;
    this.timings.helperMs += result.elapsedMs ?? 0;
    for (const [phase, ms] of Object.entries(result.phasesMs ?? {}))
      this.timings.phasesMs[phase] = (this.timings.phasesMs[phase] ?? 0) + ms;
    const took = `${formatMs(performance.now() - began)}${result.elapsedMs !== undefined ? ` (helper ${formatMs(result.elapsedMs)})` : ''}`;
    if (!result.ok) {
      const detail = result.error ?? { type: 'Unknown', message: 'the helper gave no error detail' };
      this.log(`alembic ${label} on ${where}: failed in ${took}: ${detail.type}: ${detail.message}`);
      throw isProjectSetupProblem(detail)
        ? new ProjectEnvError(label, detail, this.options.projectDir, this.hello?.python ?? this.options.python)
        : new AlembicCommandError(label, detail);
    }
    this.log(`alembic ${label} on ${where}: ok in ${took}`);
    const environment = (result.result as { environment?: HelperEnvironment } | null)?.environment;
    if (environment) this.environment = environment;
    return result.result as T;
  }

  /** Asks the helper to exit; kills it if it does not within a few seconds. */
  async close(): Promise<void> {
    this.options.signal?.removeEventListener('abort', this.abortListener);
    if (!this.exited) {
      this.child.stdin.write(JSON.stringify({ id: this.nextId++, cmd: 'exit' }) + '\n');
      this.child.stdin.end();
      const timer = setTimeout(() => this.kill(), 3_000);
      await this.exitPromise;
      clearTimeout(timer);
    }
    this.kill(); // anything the helper's process group left behind
  }

  /** Kills the helper's whole process group at once. */
  kill(): void {
    killProcessTree(this.child.pid, 'SIGKILL');
    forgetAtExit(this);
  }

  private awaitResponse(id: number, timeoutMs: number, label: string): Promise<HelperResponse> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const error = new AlembicHelperCrashedError(
          `alembic ${label} did not finish within ${formatMs(timeoutMs)}: the helper and its processes were killed`,
        );
        this.markExited(error);
        this.kill();
        reject(error);
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  private onResponseLine(line: string): void {
    let response: HelperResponse;
    try {
      response = JSON.parse(line) as HelperResponse;
    } catch {
      this.log(`[python stdout] ${line}`);
      return;
    }
    const id = response.id ?? -1;
    const waiter = this.pending.get(id);
    if (!waiter) return;
    this.pending.delete(id);
    waiter.resolve(response);
  }

  private markExited(error: Error): void {
    if (this.exited) return;
    this.exited = true;
    this.exitError = error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  private helloFailure(detail: HelperErrorDetail | undefined): Error {
    const python = this.options.python;
    if (detail?.type === 'MissingDependency') {
      return new RunnerSetupError(
        `Alembic cannot run with ${detail.python ?? python} (${this.options.pythonSource ?? 'the configured interpreter'}): ${detail.message}.`,
        `Install it there: "${detail.python ?? python}" -m pip install alembic psycopg2-binary — or ` +
          `point schemaWarden.python (CLI: --python) at an interpreter that has Alembic.`,
      );
    }
    return new RunnerSetupError(
      `The Alembic helper could not start with ${python}: ${detail?.message ?? 'unknown error'}`,
    );
  }

  private pythonNotFound(): RunnerSetupError {
    return new RunnerSetupError(
      `Python interpreter "${this.options.python}" (${this.options.pythonSource ?? 'configured'}) was not found.`,
      'Install Python 3 with Alembic (python3 -m venv .venv && .venv/bin/pip install alembic ' +
        'psycopg2-binary), or set schemaWarden.python (CLI: --python) to an interpreter that has ' +
        'it.',
    );
  }

  private stderrSummary(): string {
    const tail = this.stderrTail.slice(-8).join('\n').trim();
    return tail ? `:\n${tail}` : '';
  }
}

function withUrl(args: Record<string, unknown>, url: string | undefined): Record<string, unknown> {
  return url ? { ...args, url } : args;
}
