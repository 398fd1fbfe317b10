// The editor's side of the migration runner: which Alembic project and Python, which database
// target (and why), the password of a URL target in SecretStorage, and every command logged with
// its target and timing. Views and commands call this; the runner core (server/src/runner) does
// the work. Everything started here is stopped by dispose() (extension deactivation).
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  AlembicCommandError,
  AlembicHelper,
  checkDrift,
  discoverPython,
  LocalClusterTarget,
  projectVenv,
  removeLeftoverClusters,
  removeLeftoverContainers,
  RunnerCancelledError,
  selectTarget,
  withRunSession,
  verifyRoundTrips,
  type DriftResult,
  type HistoryResult,
  type PythonChoice,
  type RevisionInfo,
  type Target,
  type VerifyResult,
  type VerifyStepResult,
} from '../../../server/src/runner';
import { teamPostgresVersion } from '../../../server/src/runner/teamPostgresVersion';
import { formatMs } from '../../../server/src/runner/log';
import type { RunLocation } from '../../../server/src/shared/protocol';
import { RunProgress } from './runProgress';
import { DEFAULT_POSTGRES_MAJOR } from '../../../server/src/runner/targets/target';
import { DockerTarget } from '../../../server/src/runner/targets/docker';
import { UrlTarget } from '../../../server/src/runner/targets/url';
import {
  normalizeRunnerSettings,
  RUNNER_SETTINGS_SECTION,
  SETTINGS_SECTION,
  type RunnerSettings,
} from '../../../server/src/shared/settings';

export type DatabaseState = 'stopped' | 'starting' | 'running' | 'stopping' | 'failed';

export interface DatabaseStatus {
  state: DatabaseState;
  kind?: Target['kind'];
  description?: string;
  reason?: string;
  serverVersion?: string;
  ephemeral?: boolean;
  error?: string;
}

/** What the last verification ran on, so tests and the Results view can say it (and check cleanup). */
export interface VerifyRunInfo {
  projectDir: string;
  target: { kind: Target['kind']; description: string; reason: string; ephemeral: boolean; clusterDir?: string };
  python: PythonChoice;
  from?: string;
}

export interface VerifyProgress {
  (revision: RevisionInfo, step: VerifyStepResult, index: number, total: number): void;
}

const PASSWORD_KEY_PREFIX = 'schemaWarden.runner.password:';

/**
 * Where Alembic runs for an alembic.ini (the language server answers from project discovery); with
 * named sections, the section of `revisionFile`'s history.
 */
export type RunLocator = (configFile: string, revisionFile?: string) => Promise<RunLocation>;

export class RunnerService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the database, the revision state or the last result changed. */
  readonly onDidChange = this.changed.event;
  private readonly verified = new vscode.EventEmitter<VerifyResult>();
  readonly onDidVerify = this.verified.event;

  private target: Target | undefined;
  private status: DatabaseStatus = { state: 'stopped' };
  private helper: AlembicHelper | undefined;
  private helperStarting: Promise<AlembicHelper> | undefined;
  private chosenProject: string | undefined;
  /** The Alembic config file relative to chosenProject (migrations/alembic.ini for Flask-Migrate). */
  private chosenConfigFile = 'alembic.ini';
  /** The named section of the config file the runner runs (`alembic -n core`), when it has such sections. */
  private chosenSection: string | undefined;
  /** Every named section holding a history, when the config file has several. */
  private chosenSections: string[] | undefined;
  private readonly running = new Set<AbortController>();
  lastResult: VerifyResult | undefined;
  /** Whether lastResult is the partial result of a cancelled run. */
  lastResultCancelled = false;
  lastRun: VerifyRunInfo | undefined;
  /** The verification under way, as the steps report (the Results view shows it while it goes). */
  runProgress: RunProgress | undefined;
  private readonly progressed = new vscode.EventEmitter<RunProgress | undefined>();
  /** Fires at every step of a verification, and with undefined when it ends. */
  readonly onDidProgress = this.progressed.event;
  /** The temp folder of the last verification's local cluster, known even when the run was cancelled. */
  lastClusterDir: string | undefined;

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly secrets: vscode.SecretStorage,
    private readonly runLocation?: RunLocator,
  ) {}

  /** Logs to the output channel, one line per runner event ("alembic upgrade 0002 on …: ok in 80 ms"). */
  readonly log = (message: string): void => this.output.info(`[runner] ${message}`);

  showOutput(): void {
    this.output.show(true);
  }

  get database(): DatabaseStatus {
    return this.status;
  }

  /** Removes ephemeral clusters and containers an earlier (crashed) editor left behind. */
  async cleanLeftovers(): Promise<void> {
    const clusters = await removeLeftoverClusters(os.tmpdir(), this.log).catch(() => 0);
    const containers = await removeLeftoverContainers('docker', this.log).catch(() => 0);
    if (clusters + containers > 0)
      this.log(`removed ${clusters} leftover cluster(s) and ${containers} leftover container(s)`);
  }

  settings(): RunnerSettings {
    return normalizeRunnerSettings(vscode.workspace.getConfiguration(RUNNER_SETTINGS_SECTION));
  }

  /**
   * The PostgreSQL major the targets start: the team's `postgres-version` ([tool.schema-warden]),
   * else the personal schemaWarden.postgresVersion, else 15 — the precedence docs/editor.md gives.
   */
  private postgresMajor(projectDir: string | undefined): number {
    if (projectDir) {
      try {
        const team = teamPostgresVersion(projectDir);
        if (team !== undefined) return team;
      } catch (error) {
        this.log(
          `the team configuration could not be read (${(error as Error).message.split('\n')[0]}); using the personal PostgreSQL version`,
        );
      }
    }
    const value = vscode.workspace
      .getConfiguration(SETTINGS_SECTION, projectDir ? vscode.Uri.file(projectDir) : undefined)
      .get<number | null>('postgresVersion');
    return typeof value === 'number' && Number.isInteger(value) ? value : DEFAULT_POSTGRES_MAJOR;
  }

  /**
   * Where Alembic runs for `configFile`, as project discovery says (through the language server).
   * Without an answer, the folder of the file (a plain project's layout), said in the log.
   */
  private async locate(configFile: string, revisionFile?: string): Promise<RunLocation> {
    const plain = { projectDir: path.dirname(configFile), configFile: path.basename(configFile) };
    if (!this.runLocation) return plain;
    try {
      return await this.runLocation(configFile, revisionFile);
    } catch (error) {
      this.log(
        `could not ask the language server where Alembic runs for ${configFile} (${(error as Error).message}): running it from ${plain.projectDir}`,
      );
      return plain;
    }
  }

  /**
   * The folder Alembic runs from (the folder above migrations/ for Flask-Migrate); asked once when
   * the workspace has several. With named sections in alembic.ini, the section of `revisionFile`'s
   * history, else the only one, else asked.
   */
  async projectDir(revisionFile?: string): Promise<string> {
    if (this.chosenProject) return this.chosenProject;
    const inis = await vscode.workspace.findFiles('**/alembic.ini', '**/{node_modules,.venv,venv,.git}/**', 20);
    if (inis.length === 0) throw new Error('no alembic.ini in this workspace: the runner needs an Alembic project');
    let ini = inis.sort((a, b) => a.fsPath.length - b.fsPath.length)[0] as vscode.Uri;
    if (inis.length > 1) {
      const picked = await vscode.window.showQuickPick(
        inis.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })),
        { title: 'Which Alembic project does the runner use?' },
      );
      if (!picked) throw new RunnerCancelledError();
      ini = picked.uri;
    }
    // Flask-Migrate's migrations/alembic.ini runs from the folder above (where the app is).
    const location = await this.locate(ini.fsPath, revisionFile);
    let section = location.section;
    if (!section && location.sections?.length) {
      const picked = await vscode.window.showQuickPick(
        location.sections.map((name) => ({ label: name, description: `alembic -n ${name}` })),
        { title: `Which history of ${vscode.workspace.asRelativePath(ini)} does the runner use?` },
      );
      if (!picked) throw new RunnerCancelledError();
      section = picked.label;
    }
    this.chosenProject = location.projectDir;
    this.chosenConfigFile = location.configFile;
    this.chosenSection = section;
    this.chosenSections = location.sections;
    if (section) this.log(`runner: section [${section}] of ${location.configFile} (alembic -n ${section})`);
    return this.chosenProject;
  }

  /**
   * The revision at hand (a code lens in its file) picks the history the runner runs when
   * alembic.ini keeps several in named sections: the helper restarts on the other section.
   */
  async followRevisionFile(revisionFile: string | undefined): Promise<void> {
    if (!revisionFile) return;
    if (!this.chosenProject) {
      await this.projectDir(revisionFile);
      return;
    }
    if (!this.chosenSections) return;
    const location = await this.locate(path.join(this.chosenProject, this.chosenConfigFile), revisionFile);
    if (!location.section || location.section === this.chosenSection) return;
    this.log(
      `${revisionFile} belongs to the history in [${location.section}] of ${this.chosenConfigFile}: the runner now runs alembic -n ${location.section}`,
    );
    this.chosenSection = location.section;
    this.resetHelper();
    this.changed.fire();
  }

  /**
   * schemaWarden.python, else a .venv/venv at the project (or its workspace folder's) root, else the
   * Python extension's selected interpreter, else python3.
   */
  async python(projectDir: string): Promise<PythonChoice> {
    const uri = vscode.Uri.file(projectDir);
    const configured =
      vscode.workspace.getConfiguration(SETTINGS_SECTION, uri).get<string | null>('python') ?? undefined;
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    return discoverPython({
      configured,
      activeInterpreter: await activePythonInterpreter(uri),
      workspaceDir: projectVenv(projectDir) || !folder ? projectDir : folder,
    });
  }

  // ---- the long-lived helper behind the Revisions view ------------------------------------------

  private async browsingHelper(): Promise<AlembicHelper> {
    if (this.helper) return this.helper;
    this.helperStarting ??= (async () => {
      const projectDir = await this.projectDir();
      const python = await this.python(projectDir);
      const settings = this.settings();
      const helper = await AlembicHelper.start({
        projectDir,
        python: python.python,
        pythonSource: python.source,
        configFile: this.chosenConfigFile,
        ...(this.chosenSection ? { iniSection: this.chosenSection } : {}),
        urlEnvVar: settings.databaseUrlEnv,
        envMode: settings.env,
        ...(settings.flaskApp ? { flaskApp: settings.flaskApp } : {}),
        log: this.log,
      });
      this.helper = helper;
      return helper;
    })().finally(() => {
      this.helperStarting = undefined;
    });
    return this.helperStarting;
  }

  /** Drops the helper (a crash, a cancelled command, a settings change); the next call starts another. */
  resetHelper(kill = false): void {
    const helper = this.helper;
    this.helper = undefined;
    if (!helper) return;
    if (kill) helper.kill();
    else void helper.close().catch(() => helper.kill());
  }

  /**
   * Runs `work` on the browsing helper. A failed Alembic command leaves the helper usable; any other
   * failure (a crash, a timeout, a cancellation) drops it, so the next call starts a fresh one.
   */
  private async useHelper<T>(work: (helper: AlembicHelper) => Promise<T>): Promise<T> {
    const helper = await this.browsingHelper();
    try {
      return await work(helper);
    } catch (error) {
      if (!(error instanceof AlembicCommandError)) this.resetHelper(true);
      throw error;
    }
  }

  history(): Promise<HistoryResult> {
    return this.useHelper((helper) => helper.history());
  }

  /** The revisions in the database's alembic_version; undefined while no database runs. */
  async currentRevisions(): Promise<string[] | undefined> {
    if (this.status.state !== 'running' || !this.target) return undefined;
    const url = this.target.url();
    return this.useHelper((helper) => helper.current(url));
  }

  async offlineSql(range: string, direction: 'upgrade' | 'downgrade'): Promise<string> {
    return this.useHelper((helper) => helper.sql(range, direction));
  }

  // ---- the Database view's target --------------------------------------------------------------

  async startDatabase(): Promise<DatabaseStatus> {
    if (this.target && this.status.state === 'running') return this.status;
    const settings = this.settings();
    const began = performance.now();
    this.setStatus({ state: 'starting' });
    try {
      const target = await this.createTarget(settings, 'database');
      this.target = target;
      this.setStatus({
        state: 'starting',
        kind: target.kind,
        description: target.describe(),
        reason: target.reason,
        ephemeral: target.ephemeral,
      });
      await target.start();
      this.log(`database started in ${formatMs(performance.now() - began)}: ${target.describe()} — ${target.reason}`);
      this.setStatus({
        state: 'running',
        kind: target.kind,
        description: target.describe(),
        reason: target.reason,
        ephemeral: target.ephemeral,
        ...versionOf(target),
      });
    } catch (error) {
      const failed = this.target;
      this.target = undefined;
      await failed?.stop().catch(() => undefined);
      if (failed instanceof UrlTarget) await this.forgetPassword(settings.url ?? '').catch(() => undefined);
      this.setStatus({ state: 'failed', error: (error as Error).message });
      throw error;
    }
    return this.status;
  }

  async stopDatabase(): Promise<void> {
    const target = this.target;
    if (!target) {
      this.setStatus({ state: 'stopped' });
      return;
    }
    this.setStatus({ ...this.status, state: 'stopping' });
    const began = performance.now();
    await target.stop();
    this.target = undefined;
    this.log(
      `database stopped in ${formatMs(performance.now() - began)}: ${target.describe()}${target.ephemeral ? '' : ' (not ours to stop: only disconnected)'}`,
    );
    this.setStatus({ state: 'stopped' });
  }

  /** Ephemeral targets start over empty; a user's database is downgraded to the base (after confirmation). */
  async resetDatabase(): Promise<void> {
    if (this.target && !this.target.ephemeral) {
      await this.migrate('downgrade', 'base');
      return;
    }
    await this.stopDatabase();
    await this.startDatabase();
  }

  /** Upgrade or downgrade the Database view's target; a downgrade of a database the user owns is confirmed first. */
  async migrate(direction: 'upgrade' | 'downgrade', revision: string): Promise<boolean> {
    if (this.status.state !== 'running') await this.startDatabase();
    const target = this.target as Target;
    if (direction === 'downgrade' && !target.ephemeral) {
      const answer = await vscode.window.showWarningMessage(
        `Downgrade ${target.describe()} to ${revision}? This runs the downgrade() functions on a ` +
          `database that is not throw-away: data in dropped tables and columns is lost.`,
        { modal: true },
        'Downgrade',
      );
      if (answer !== 'Downgrade') return false;
    }
    await this.withCancellableProgress(`alembic ${direction} ${revision}`, (signal) =>
      this.useHelper(async (helper) => {
        // Cancel kills the helper's process group; the next command starts a fresh helper.
        const onAbort = () => this.resetHelper(true);
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          if (direction === 'upgrade') await helper.upgrade(revision, target.url());
          else await helper.downgrade(revision, target.url());
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      }),
    );
    this.changed.fire();
    return true;
  }

  // ---- verification and drift ------------------------------------------------------------------

  /** Round-trips `from`..heads on a fresh ephemeral target (or a scratch database on the URL server). */
  async verify(options: { from?: string; signal?: AbortSignal; onStep?: VerifyProgress } = {}): Promise<VerifyResult> {
    const projectDir = await this.projectDir();
    const python = await this.python(projectDir);
    const settings = this.settings();
    const target = await this.createTarget(settings, 'verify');
    const began = performance.now();
    this.log(
      `verify round trips${options.from ? ` from ${options.from}` : ''} in ${projectDir} with ${python.python} (${python.source}); target: ${target.reason}`,
    );
    let clusterDir: string | undefined;
    const progress = new RunProgress(settings.keepGoing);
    this.runProgress = progress;
    this.progressed.fire(progress);
    const onStep: VerifyProgress = (revision, step, index, total) => {
      progress.step(revision, step, index, total);
      this.progressed.fire(progress);
      options.onStep?.(revision, step, index, total);
    };
    let result: VerifyResult;
    try {
      result = await withRunSession(
        {
          projectDir,
          target,
          python,
          configFile: this.chosenConfigFile,
          ...(this.chosenSection ? { iniSection: this.chosenSection } : {}),
          urlEnvVar: settings.databaseUrlEnv,
          envMode: settings.env,
          ...(settings.flaskApp ? { flaskApp: settings.flaskApp } : {}),
          log: this.log,
          ...(options.signal ? { signal: options.signal } : {}),
        },
        async (session) => {
          if (session.target instanceof LocalClusterTarget) {
            clusterDir = session.target.dir;
            this.lastClusterDir = clusterDir;
          }
          return verifyRoundTrips({
            helper: session.helper,
            databaseUrl: session.database.url,
            // The sidebar shows every failing revision: go on after one (schemaWarden.runner.keepGoing).
            keepGoing: settings.keepGoing,
            rebuildDatabase: () => session.database.recreate(),
            log: this.log,
            ...(options.from ? { from: options.from } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
            onStep,
          });
        },
      );
    } catch (error) {
      // A cancelled run keeps what it verified, marked cancelled in the Results view.
      if (error instanceof RunnerCancelledError) {
        this.lastResult = progress.result();
        this.lastResultCancelled = true;
        // Not onDidVerify: a partial run says nothing about the revisions it never reached (SW510).
        this.changed.fire();
      }
      throw error;
    } finally {
      this.runProgress = undefined;
      this.progressed.fire(undefined);
    }
    this.log(
      `verify round trips: ${result.ok ? 'passed' : `FAILED at ${(result.failures ?? []).map((f) => `${f.revision} (${f.step})`).join(', ') || '?'}`} ` +
        `in ${formatMs(performance.now() - began)} on ${target.describe()}`,
    );
    this.lastResult = result;
    this.lastResultCancelled = false;
    this.lastRun = {
      projectDir,
      target: {
        kind: target.kind,
        description: target.describe(),
        reason: target.reason,
        ephemeral: target.ephemeral,
        ...(clusterDir ? { clusterDir } : {}),
      },
      python,
      ...(options.from ? { from: options.from } : {}),
    };
    this.verified.fire(result);
    this.changed.fire();
    return result;
  }

  /** Compares the Database view's target with a fresh database migrated to the same revision. */
  async checkDrift(signal?: AbortSignal): Promise<DriftResult> {
    if (this.status.state !== 'running') await this.startDatabase();
    const developer = this.target as Target;
    const onAbort = () => this.resetHelper(true);
    signal?.addEventListener('abort', onAbort, { once: true });
    // The reference database lives on an ephemeral server: the same one when the developer's
    // database is itself ephemeral, else a fresh one.
    const reference = developer.ephemeral
      ? undefined
      : await this.createTarget({ ...this.settings(), target: 'auto' }, 'verify');
    try {
      await reference?.start();
      return await this.useHelper((helper) =>
        checkDrift({
          helper,
          developerUrl: developer.url(),
          referenceServerUrl: (reference ?? developer).url(),
          log: this.log,
          ...(this.settings().metadata ? { metadata: this.settings().metadata as string } : {}),
        }),
      );
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await reference?.stop();
    }
  }

  // ---- targets and passwords -------------------------------------------------------------------

  private async createTarget(settings: RunnerSettings, purpose: 'database' | 'verify'): Promise<Target> {
    const major = this.postgresMajor(this.chosenProject ?? (await this.projectDir().catch(() => undefined)));
    if (settings.target === 'url') {
      if (!settings.url)
        throw new Error(
          'schemaWarden.runner.target is "url" but schemaWarden.runner.url is empty: set it to postgresql://user@host:port/database (no password).',
        );
      const password = await this.passwordFor(settings.url);
      return new UrlTarget({
        url: settings.url,
        allowRemoteHosts: settings.allowRemoteHosts,
        ...(password !== undefined ? { password } : {}),
        reason:
          purpose === 'verify'
            ? 'using a scratch database on the server of schemaWarden.runner.url'
            : 'using schemaWarden.runner.url',
      });
    }
    return selectTarget({
      kind: settings.target,
      postgresMajor: major,
      ...(settings.dockerImage ? { image: settings.dockerImage } : {}),
      log: this.log,
    });
  }

  /** The password of a URL target: from SecretStorage, asked once when missing (never written to settings). */
  private async passwordFor(url: string): Promise<string | undefined> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined; // UrlTarget says what is wrong with it
    }
    if (parsed.password) {
      this.output.warn(
        "schemaWarden.runner.url holds a password: remove it from settings.json; Schema Warden keeps it in the editor's secret storage instead.",
      );
      return undefined;
    }
    const key = passwordKey(url);
    const stored = await this.secrets.get(key);
    if (stored !== undefined) return stored;
    const entered = await vscode.window.showInputBox({
      title: `Password for ${parsed.username || 'the user'} at ${parsed.host}`,
      prompt: "Kept in VS Code's secret storage, never in settings.json. Leave empty when the server needs none.",
      password: true,
      ignoreFocusOut: true,
    });
    if (entered === undefined) throw new RunnerCancelledError('no password given');
    await this.secrets.store(key, entered);
    return entered;
  }

  async forgetPassword(url?: string): Promise<void> {
    const target = url ?? this.settings().url;
    if (target) await this.secrets.delete(passwordKey(target));
  }

  // ---- progress and lifecycle ------------------------------------------------------------------

  /** Runs `work` under a cancellable notification; Cancel aborts the signal (the runner kills the process tree). */
  withCancellableProgress<T>(
    title: string,
    work: (signal: AbortSignal, progress: vscode.Progress<{ message?: string; increment?: number }>) => Promise<T>,
  ): Thenable<T> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Schema Warden: ${title}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        this.running.add(controller);
        const subscription = token.onCancellationRequested(() => {
          this.log(`${title}: cancelled by the user`);
          controller.abort();
        });
        const began = performance.now();
        try {
          return await work(controller.signal, progress);
        } finally {
          this.log(
            `${title}: ${controller.signal.aborted ? 'cancelled' : 'done'} after ${formatMs(performance.now() - began)}`,
          );
          subscription.dispose();
          this.running.delete(controller);
        }
      },
    );
  }

  private setStatus(status: DatabaseStatus): void {
    this.status = status;
    this.changed.fire();
  }

  /** Cancels running work, closes the helper and stops an ephemeral database: nothing is left running. */
  async dispose(): Promise<void> {
    for (const controller of this.running) controller.abort();
    this.resetHelper(true);
    const target = this.target;
    this.target = undefined;
    if (target?.ephemeral) await target.stop().catch(() => undefined);
    this.changed.dispose();
    this.verified.dispose();
    this.progressed.dispose();
  }
}

function passwordKey(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return PASSWORD_KEY_PREFIX + parsed.toString();
  } catch {
    return PASSWORD_KEY_PREFIX + url;
  }
}

function versionOf(target: Target): { serverVersion?: string } {
  // Each target class learns its server's version when it starts.
  const version = (target as Partial<Pick<LocalClusterTarget | UrlTarget | DockerTarget, 'serverVersion'>>)
    .serverVersion;
  return version ? { serverVersion: version } : {};
}

/** The Python extension's selected interpreter for this folder (its public API), when that extension is installed. */
async function activePythonInterpreter(uri: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension('ms-python.python');
  if (!extension) return undefined;
  try {
    const api = (extension.isActive ? extension.exports : await extension.activate()) as {
      environments?: { getActiveEnvironmentPath?(resource?: vscode.Uri): { path?: string } | undefined };
    };
    const found = api.environments?.getActiveEnvironmentPath?.(uri)?.path;
    return found && found !== 'python' ? found : undefined;
  } catch {
    return undefined;
  }
}
