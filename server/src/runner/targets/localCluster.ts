// An ephemeral PostgreSQL cluster made from the machine's own binaries: initdb into a temporary
// folder, pg_ctl start on a free loopback port, torn down with its folder by stop(). Used when no
// Docker engine answers, and by the runner's own tests.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskFullError, saysDiskFull } from '../diskFull';
import { RunnerSetupError } from '../errors';
import { execFileCapture, isProcessAlive } from '../exec';
import { cleanUpAtExit, forgetAtExit } from '../exitCleanup';
import { formatMs, silentLog, type RunnerLog } from '../log';
import { findFreePort } from './freePort';
import { TargetLifecycle } from './lifecycle';
import { findPostgresBinaries, type PostgresBinaries } from './postgresBinaries';
import { closedAncestor, runAsForCurrentUser, type RunAs } from './runAs';
import { DEFAULT_POSTGRES_MAJOR, type Target, type TargetCommonOptions } from './target';
import { waitForPostgres } from './waitForPostgres';

export const LOCAL_CLUSTER_PREFIX = 'schema-warden-pg-';
const OWNER_FILE = 'owner.json';

export interface LocalClusterOptions extends TargetCommonOptions {
  /** Explicit folder with initdb/pg_ctl/postgres; otherwise /usr/lib/postgresql/<major>/bin is searched. */
  binDir?: string;
  searchRoot?: string;
  /** Fixed port; when absent a free one is picked (and another tried if it gets taken meanwhile). */
  port?: number;
  /** Parent of the temporary folder (default: the OS temp folder). */
  baseDir?: string;
  /** Keep running after this process exits (`schema-warden db start`). */
  persistent?: boolean;
  reason?: string;
  startTimeoutMs?: number;
}

/** What `db start` writes down so that a later `db stop` finds the cluster. */
export interface LocalClusterState {
  kind: 'local';
  dir: string;
  port: number;
  binDir: string;
  major: number;
  url: string;
  serverVersion?: string;
}

export interface LocalClusterTimings {
  initdbMs?: number;
  startMs?: number;
  totalStartMs?: number;
  stopMs?: number;
}

export class LocalClusterTarget implements Target {
  readonly kind = 'local' as const;
  readonly ephemeral: boolean;
  readonly timings: LocalClusterTimings = {};
  serverVersion: string | undefined;
  private dirPath: string | undefined;
  private portNumber: number | undefined;
  private binaries: PostgresBinaries | undefined;
  private runAs: RunAs | undefined;
  private readonly lifecycle = new TargetLifecycle(
    'local cluster',
    () => this.startOnce(),
    () => this.stopOnce(),
  );
  private readonly log: RunnerLog;
  private readonly reasonText: string | undefined;

  constructor(private readonly options: LocalClusterOptions = {}) {
    this.ephemeral = !options.persistent;
    this.log = options.log ?? silentLog;
    this.reasonText = options.reason;
  }

  /** Re-attaches to a cluster started by an earlier process (for `db stop` / `db status`). */
  static fromState(state: LocalClusterState, log?: RunnerLog): LocalClusterTarget {
    const target = new LocalClusterTarget({
      persistent: true,
      binDir: state.binDir,
      port: state.port,
      ...(log ? { log } : {}),
    });
    target.dirPath = state.dir;
    target.portNumber = state.port;
    target.binaries = findPostgresBinaries(state.major, undefined, state.binDir);
    target.serverVersion = state.serverVersion;
    target.lifecycle.markStarted();
    return target;
  }

  get reason(): string {
    return (
      this.reasonText ??
      `using local PostgreSQL ${this.binaries?.major ?? this.options.postgresMajor ?? DEFAULT_POSTGRES_MAJOR} binaries`
    );
  }

  /** The temporary folder holding data, socket and log (undefined before start / after stop). */
  get dir(): string | undefined {
    return this.dirPath;
  }

  get dataDir(): string | undefined {
    return this.dirPath ? path.join(this.dirPath, 'data') : undefined;
  }

  get port(): number | undefined {
    return this.portNumber;
  }

  /** PID of the postmaster, read from its pid file. */
  get postmasterPid(): number | undefined {
    if (!this.dataDir) return undefined;
    try {
      const pid = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  state(): LocalClusterState {
    if (!this.dirPath || !this.portNumber || !this.binaries) throw new Error('the local cluster is not started');
    return {
      kind: 'local',
      dir: this.dirPath,
      port: this.portNumber,
      binDir: this.binaries.binDir,
      major: this.binaries.major,
      url: this.url(),
      ...(this.serverVersion ? { serverVersion: this.serverVersion } : {}),
    };
  }

  url(): string {
    if (!this.portNumber) throw new Error('the local cluster is not started');
    return `postgresql://postgres@127.0.0.1:${this.portNumber}/postgres`;
  }

  describe(): string {
    const version =
      this.serverVersion?.split(' ')[0] ??
      String(this.binaries?.major ?? this.options.postgresMajor ?? DEFAULT_POSTGRES_MAJOR);
    const where = this.portNumber ? ` on 127.0.0.1:${this.portNumber}` : '';
    return `local PostgreSQL ${version} cluster${where}${this.dirPath ? ` (${this.dirPath})` : ''}`;
  }

  start(): Promise<void> {
    return this.lifecycle.start();
  }

  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  private async startOnce(): Promise<void> {
    const began = performance.now();
    const major = this.options.postgresMajor ?? DEFAULT_POSTGRES_MAJOR;
    this.binaries = findPostgresBinaries(major, this.options.searchRoot, this.options.binDir);
    this.runAs = runAsForCurrentUser();
    const baseDir = this.options.baseDir ?? os.tmpdir();
    const closed = this.runAs.owner && closedAncestor(baseDir, this.runAs.owner);
    if (closed) {
      throw new RunnerSetupError(
        `PostgreSQL runs as the 'postgres' user here (it refuses to run as root), and that user may ` +
          `not pass through ${closed}, so it cannot reach its data folder in ${baseDir}.`,
        'Point TMPDIR at a folder every user may pass through (such as /tmp), or chmod o+x that folder, or run as a regular user.',
      );
    }
    await removeLeftoverClusters(baseDir, this.log);

    try {
      this.dirPath = fs.mkdtempSync(path.join(baseDir, LOCAL_CLUSTER_PREFIX));
      if (!/^[\w/.-]+$/.test(this.dirPath))
        throw new RunnerSetupError(
          `The temporary folder ${this.dirPath} has characters pg_ctl cannot pass through its shell.`,
          'Choose a base folder whose path has only letters, digits, "_", "-", "." and "/".',
        );
      fs.writeFileSync(
        path.join(this.dirPath, OWNER_FILE),
        JSON.stringify({ pid: process.pid, persistent: !this.ephemeral }),
      );
    } catch (error) {
      if (saysDiskFull(error))
        throw new DiskFullError(
          baseDir,
          "creating the local PostgreSQL cluster's folder there",
          (error as Error).message,
        );
      throw error;
    }
    if (this.runAs.owner) fs.chownSync(this.dirPath, this.runAs.owner.uid, this.runAs.owner.gid);
    if (this.ephemeral) cleanUpAtExit(this, () => this.stopSync());

    const initStarted = performance.now();
    const init = await this.run(
      this.binaries.initdb,
      [
        '-D',
        this.dataDirOrThrow(),
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
        '--no-instructions',
      ],
      60_000,
    );
    this.timings.initdbMs = performance.now() - initStarted;
    if (init.code !== 0) {
      const output = `${init.stderr}\n${init.stdout}`;
      if (saysDiskFull(output))
        throw new DiskFullError(baseDir, 'initdb was creating the local PostgreSQL cluster there', output);
      throw new Error(`initdb failed (exit ${init.code}): ${(init.stderr || init.stdout).trim()}`);
    }

    const startStarted = performance.now();
    await this.startServer();
    this.timings.startMs = performance.now() - startStarted;
    this.timings.totalStartMs = performance.now() - began;
    this.log(
      `local cluster: ${this.describe()} ready in ${formatMs(this.timings.totalStartMs)} (initdb ` +
        `${formatMs(this.timings.initdbMs)}, start ${formatMs(this.timings.startMs)})`,
    );
  }

  private async startServer(): Promise<void> {
    const fixedPort = this.options.port;
    const attempts = fixedPort ? 1 : 3;
    for (let attempt = 1; ; attempt++) {
      const port = fixedPort ?? (await findFreePort());
      this.portNumber = port;
      const logFile = path.join(this.dirPath!, 'server.log');
      const serverOptions = `-p ${port} -k ${this.dirPath} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      const timeoutSeconds = Math.ceil((this.options.startTimeoutMs ?? 30_000) / 1000);
      const result = await this.run(
        this.binaries!.pgCtl,
        ['-D', this.dataDirOrThrow(), '-l', logFile, '-w', '-t', String(timeoutSeconds), '-o', serverOptions, 'start'],
        (timeoutSeconds + 10) * 1000,
      );
      if (result.code === 0) {
        this.serverVersion = await waitForPostgres(this.url(), { timeoutMs: this.options.startTimeoutMs ?? 30_000 });
        return;
      }
      const serverLog = readTail(logFile);
      if (saysDiskFull(`${serverLog}\n${result.stderr}`))
        throw new DiskFullError(
          path.dirname(this.dirPath!),
          'PostgreSQL was starting there',
          `${serverLog}\n${result.stderr}`,
        );
      if (/could not bind|Address already in use/i.test(serverLog)) {
        if (attempt < attempts) continue;
        throw new RunnerSetupError(
          `Port ${port} on 127.0.0.1 is already in use: the local PostgreSQL cluster could not listen on it.`,
          fixedPort ? 'Choose another port, or stop what listens on it.' : 'Free ports kept being taken; try again.',
        );
      }
      throw new Error(
        `pg_ctl could not start PostgreSQL (exit ${result.code}): ${(result.stderr || result.stdout).trim()}\n${serverLog}`.trim(),
      );
    }
  }

  private async stopOnce(): Promise<void> {
    const dir = this.dirPath;
    if (!dir) return;
    const began = performance.now();
    const pid = this.postmasterPid;
    if (this.binaries && fs.existsSync(path.join(dir, 'data', 'postmaster.pid'))) {
      await this.run(
        this.binaries.pgCtl,
        ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', '-t', '10', 'stop'],
        20_000,
      ).catch(() => undefined);
    }
    if (pid !== undefined && isProcessAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    forgetAtExit(this);
    this.dirPath = undefined;
    this.timings.stopMs = performance.now() - began;
    this.log(`local cluster on port ${this.portNumber ?? '?'} stopped and removed in ${formatMs(this.timings.stopMs)}`);
  }

  /**
   * A full disk shows up as a migration error (SQLSTATE 53100) or, when PostgreSQL could not write
   * its WAL, as a server that PANICked and dropped every connection: its log says which.
   */
  async explainFailure(error: unknown): Promise<Error | undefined> {
    if (error instanceof DiskFullError || !this.dirPath) return undefined;
    const serverLog = readTail(path.join(this.dirPath, 'server.log'), 20_000);
    if (!saysDiskFull(error) && !saysDiskFull(serverLog)) return undefined;
    return new DiskFullError(
      path.dirname(this.dirPath),
      "PostgreSQL was writing the migrations' data there",
      saysDiskFull(serverLog) ? serverLog : (error as Error).message,
    );
  }

  /** Synchronous teardown for process exit, when no promise can be awaited. */
  stopSync(): void {
    const dir = this.dirPath;
    if (!dir || !this.binaries || !this.runAs) return;
    const pid = this.postmasterPid;
    const { file, args } = this.runAs.command(this.binaries.pgCtl, [
      '-D',
      path.join(dir, 'data'),
      '-m',
      'immediate',
      '-w',
      '-t',
      '10',
      'stop',
    ]);
    spawnSync(file, args, { stdio: 'ignore', timeout: 15_000 });
    if (pid !== undefined && isProcessAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    this.dirPath = undefined;
  }

  private run(file: string, args: string[], timeoutMs: number) {
    const command = (this.runAs ?? runAsForCurrentUser()).command(file, args);
    return execFileCapture(command.file, command.args, { timeoutMs, cwd: this.dirPath ?? os.tmpdir() });
  }

  private dataDirOrThrow(): string {
    if (!this.dataDir) throw new Error('the local cluster has no folder');
    return this.dataDir;
  }
}

/**
 * Removes clusters an earlier process left behind: folders with our prefix whose owning process
 * is gone and that were not started as persistent (`db start`).
 */
export async function removeLeftoverClusters(baseDir: string, log: RunnerLog = silentLog): Promise<number> {
  let removed = 0;
  let entries: string[];
  try {
    entries = fs.readdirSync(baseDir).filter((name) => name.startsWith(LOCAL_CLUSTER_PREFIX));
  } catch {
    return 0;
  }
  for (const name of entries) {
    const dir = path.join(baseDir, name);
    const owner = readOwner(dir);
    if (owner?.persistent) continue;
    if (owner && isProcessAlive(owner.pid)) continue;
    if (!owner && Date.now() - safeMtime(dir) < 60_000) continue; // maybe still being created
    const postmasterPid = readPostmasterPid(path.join(dir, 'data'));
    if (postmasterPid !== undefined && isProcessAlive(postmasterPid)) {
      try {
        process.kill(postmasterPid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    removed++;
    log(`removed a leftover local cluster ${dir}`);
  }
  return removed;
}

function readOwner(dir: string): { pid: number; persistent: boolean } | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as {
      pid?: unknown;
      persistent?: unknown;
    };
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, persistent: parsed.persistent === true } : undefined;
  } catch {
    return undefined;
  }
}

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function safeMtime(dir: string): number {
  try {
    return fs.statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}

function readTail(file: string, maxChars = 2000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-maxChars).trim();
  } catch {
    return '';
  }
}
