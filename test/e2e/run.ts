// Launcher for the real-editor tests (`npm run test:e2e` → scripts/test-e2e.sh → this file).
//
// Route A: desktop VS Code through @vscode/test-electron, when it can get one (a cached copy in
//          .e2e/vscode-test/, or the internet) and there is a display (Linux: DISPLAY, e.g. xvfb-run).
// Route B: code-server 4.100.3 (VS Code 1.100.3, installed by scripts/e2e/install-code-server.sh
//          into .e2e/code-server) on a free 127.0.0.1 port, its workbench opened in Debian's
//          Chromium through playwright-core, with the payload that makes the workbench run the
//          mocha suite (extensionTestsPath) in its extension host, as @vscode/test-web does.
//
// Both routes run the same suite (out/test/e2e/suite/index.js) against a temp copy of the
// fixture workspace, print its output, repeat its `N passed, N failed` as the last line, and exit
// with its code.
//
// Environment:
//   E2E_ROUTE=auto|electron|code-server   default auto (A if VS Code can be had, else B)
//   E2E_WORKSPACE=dir          folder to open (copied to a temp folder); default test/e2e/workspace
//   E2E_SCREENSHOT=file.png    save a screenshot of the workbench at the end (route B)
//   E2E_EXTENSION_PATH=dir     extension development folder; default the repo root
//   E2E_TESTS_PATH=file.js     suite entry; default out/test/e2e/suite/index.js
//   E2E_GREP=regexp            only the tests whose full title matches
//   E2E_TIMEOUT_MS             whole-run timeout, default 300000 (5 min)
//   E2E_VSCODE_VERSION         route A's VS Code version, default 1.100.3
//   E2E_KEEP_TMP=1             keep the temp folder (logs, profile, workspace copy)
//   E2E_VERBOSE=1              stream code-server's own log
//   E2E_UNTRUSTED=1            workspace trust on and the folder NOT trusted (restricted mode); the
//                              suite runs only untrusted.e2e.ts; the workspace copy is armed with
//                              canaries (armUntrustedWorkspace) and PATH with exec watchers
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as dns from 'dns';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CODE_SERVER_DIR = process.env.E2E_CODE_SERVER_DIR ?? path.join(REPO_ROOT, '.e2e', 'code-server');
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
const COUNTS = /(\d+) passed, (\d+) failed/;
/** The line a suite logs to have the workbench photographed at that moment. */
const SCREENSHOT_MARKER = 'E2E_TAKE_SCREENSHOT';

/** The workbench's own chatter that reaches codeAutomationLog; shown only with E2E_VERBOSE=1. */
const NOISE = [
  /^Resolving connection token/,
  /^Resolved connection token/,
  /^Creating a socket/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /open-vsx\.org/,
  /^ChatSessionStore:/,
  /^Creation of workbench contribution/,
  /^Started local extension host/,
];

export interface RunOptions {
  /** Extension development folder. The workbench runs the tests only in development mode; the
   *  .vsix launcher passes a code-less stand-in so that the installed copy is the one tested. */
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  /** Folder to open; a temp copy is made. */
  workspace: string;
  route: 'auto' | 'electron' | 'code-server';
  timeoutMs: number;
  screenshot?: string;
  grep?: string;
  /** Pre-populated extensions dir (the .vsix launcher); default a new empty temp dir. */
  extensionsDir?: string;
  userDataDir?: string;
  /** Extra environment for the extension host. */
  env?: Record<string, string>;
  keepTmp: boolean;
  verbose: boolean;
  /** Workspace trust enabled and the folder not trusted (E2E_UNTRUSTED=1): the restricted-mode suite. */
  untrusted?: boolean;
}

export interface RunResult {
  code: number;
  passed?: number;
  failed?: number;
  route: 'electron' | 'code-server';
}

export function optionsFromEnv(): RunOptions {
  const env = process.env;
  const route = (env.E2E_ROUTE ?? 'auto') as RunOptions['route'];
  if (!['auto', 'electron', 'code-server'].includes(route))
    throw new Error(`E2E_ROUTE must be auto, electron or code-server, not ${route}`);
  return {
    extensionDevelopmentPath: path.resolve(env.E2E_EXTENSION_PATH ?? REPO_ROOT),
    extensionTestsPath: path.resolve(
      env.E2E_TESTS_PATH ?? path.join(REPO_ROOT, 'out', 'test', 'e2e', 'suite', 'index.js'),
    ),
    workspace: path.resolve(REPO_ROOT, env.E2E_WORKSPACE ?? path.join('test', 'e2e', 'workspace')),
    route,
    timeoutMs: Number(env.E2E_TIMEOUT_MS ?? 300_000),
    screenshot: env.E2E_SCREENSHOT ? path.resolve(env.E2E_SCREENSHOT) : undefined,
    grep: env.E2E_GREP,
    keepTmp: env.E2E_KEEP_TMP === '1',
    verbose: env.E2E_VERBOSE === '1',
    untrusted: env.E2E_UNTRUSTED === '1',
  };
}

function log(msg: string): void {
  process.stderr.write(`[e2e] ${msg}\n`);
}

export function makeTmp(prefix = 'sw-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** XDG folders inside the temp dir, so neither code-server nor Chromium writes to ~/.config. */
export function xdgEnv(tmp: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, d] of [
    ['XDG_CONFIG_HOME', 'xdg-config'],
    ['XDG_DATA_HOME', 'xdg-data'],
    ['XDG_CACHE_HOME', 'xdg-cache'],
    ['XDG_STATE_HOME', 'xdg-state'],
  ]) {
    env[k] = path.join(tmp, d);
    fs.mkdirSync(env[k], { recursive: true });
  }
  return env;
}

/**
 * A quiet user settings.json: no welcome page, updates, telemetry, tips or trust prompt. With
 * `untrusted`, workspace trust is on and nothing trusts the folder: the window opens in restricted
 * mode without asking (startupPrompt never), as a folder the user declined to trust.
 */
export function writeQuietSettings(userDataDir: string, untrusted = false): void {
  const dir = path.join(userDataDir, 'User');
  fs.mkdirSync(dir, { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': untrusted,
    ...(untrusted
      ? {
          'security.workspace.trust.startupPrompt': 'never',
          'security.workspace.trust.banner': 'never',
          'security.workspace.trust.emptyWindow': false,
          'security.workspace.trust.untrustedFiles': 'open',
        }
      : {}),
    'git.enabled': false,
    'git.autoRepositoryDetection': false,
    'npm.autoDetect': 'off',
    'typescript.disableAutomaticTypeAcquisition': true,
    'chat.disableAIFeatures': true,
    'window.restoreWindows': 'none',
    'files.hotExit': 'off',
  };
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

function copyWorkspace(src: string, tmp: string): string {
  if (!fs.existsSync(src)) throw new Error(`workspace ${src} does not exist`);
  const dest = path.join(tmp, 'workspace');
  fs.cpSync(src, dest, { recursive: true });
  return dest;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Kills a process group started detached: SIGTERM, then SIGKILL after a grace period. */
async function killGroup(child: ChildProcess | undefined, graceMs = 3000): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Route A: @vscode/test-electron

function lookup(host: string, timeoutMs: number): Promise<boolean> {
  return Promise.race([
    dns.promises.lookup(host).then(
      () => true,
      () => false,
    ),
    sleep(timeoutMs).then(() => false),
  ]);
}

interface TestElectron {
  downloadAndUnzipVSCode(opts: { version?: string; cachePath?: string; timeout?: number }): Promise<string>;
  runTests(opts: Record<string, unknown>): Promise<number>;
}

/** Returns the VS Code executable if route A can run, else undefined (quickly, when offline). */
export async function electronExecutable(route: RunOptions['route']): Promise<string | undefined> {
  if (route === 'code-server') return undefined;
  let te: TestElectron;
  try {
    te = require('@vscode/test-electron') as TestElectron;
  } catch {
    if (route === 'electron') throw new Error('@vscode/test-electron is not installed');
    return undefined;
  }
  const version = process.env.E2E_VSCODE_VERSION ?? '1.100.3';
  const cachePath = path.join(REPO_ROOT, '.e2e', 'vscode-test'); // .e2e/ is gitignored
  if (route === 'auto' && process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    log(
      'route A (@vscode/test-electron): no display (run under xvfb-run, or E2E_ROUTE=electron) → route B (code-server)',
    );
    return undefined;
  }
  const cached =
    fs.existsSync(cachePath) && fs.readdirSync(cachePath).some((d) => d.startsWith('vscode-') && d.endsWith(version));
  if (!cached && route === 'auto' && !(await lookup('update.code.visualstudio.com', 3000))) {
    log('route A (@vscode/test-electron): offline and no cached VS Code → route B (code-server)');
    return undefined;
  }
  try {
    return await te.downloadAndUnzipVSCode({ version, cachePath, timeout: 30_000 });
  } catch (err) {
    if (route === 'electron') throw err;
    log(`route A (@vscode/test-electron) unavailable: ${(err as Error).message} → route B (code-server)`);
    return undefined;
  }
}

async function runElectron(opts: RunOptions, executable: string, tmp: string, workspace: string): Promise<RunResult> {
  const te = require('@vscode/test-electron') as TestElectron;
  const resultFile = path.join(tmp, 'result.json');
  const userDataDir = opts.userDataDir ?? path.join(tmp, 'user-data');
  writeQuietSettings(userDataDir, opts.untrusted);
  const launchArgs = [
    workspace,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    opts.extensionsDir ?? path.join(tmp, 'extensions'),
    ...(opts.untrusted ? [] : ['--disable-workspace-trust']),
    '--skip-welcome',
    '--skip-release-notes',
  ];
  if (process.platform === 'linux' && !process.env.DISPLAY)
    log('route A: DISPLAY is not set; on a headless Linux run this under xvfb-run');
  let code: number;
  try {
    code = await te.runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: opts.extensionDevelopmentPath,
      extensionTestsPath: opts.extensionTestsPath,
      extensionTestsEnv: { ...opts.env, E2E_RESULT_FILE: resultFile, ...(opts.grep ? { E2E_GREP: opts.grep } : {}) },
      launchArgs,
      timeout: opts.timeoutMs,
    });
  } catch (err) {
    log(`route A failed: ${(err as Error).message}`);
    code = 1;
  }
  return { route: 'electron', code, ...readResult(resultFile) };
}

function readResult(file: string): { passed?: number; failed?: number } {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as { passed: number; failed: number };
    return { passed: r.passed, failed: r.failed };
  } catch {
    return {};
  }
}

// ------------------------------------------------------------------------------------------------
// Route B: code-server + headless Chromium

export function codeServerEnv(tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...xdgEnv(tmp) };
  // a parent VS Code's variables would confuse code-server's extension host
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  return env;
}

/** Runs code-server's CLI (e.g. --install-extension) to completion. */
export function codeServerCli(args: string[], env: NodeJS.ProcessEnv): { status: number; output: string } {
  const r = spawnSync(process.execPath, [CODE_SERVER_ENTRY, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

async function runCodeServer(opts: RunOptions, tmp: string, workspace: string): Promise<RunResult> {
  if (!fs.existsSync(CODE_SERVER_ENTRY))
    throw new Error(`code-server is not installed at ${CODE_SERVER_DIR}; run scripts/e2e/install-code-server.sh`);
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing; apt-get install chromium (scripts/e2e/install-code-server.sh does)`);
  // Loaded lazily so that route A does not need it.
  const { chromium } = require('playwright-core') as typeof import('playwright-core');

  const userDataDir = opts.userDataDir ?? path.join(tmp, 'user-data');
  const extensionsDir = opts.extensionsDir ?? path.join(tmp, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeQuietSettings(userDataDir, opts.untrusted);
  const resultFile = path.join(tmp, 'result.json');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const serverLogPath = path.join(tmp, 'code-server.log');
  const serverLog = fs.openSync(serverLogPath, 'a');

  const env: NodeJS.ProcessEnv = {
    ...codeServerEnv(tmp),
    ...opts.env,
    E2E_RESULT_FILE: resultFile,
    ...(opts.grep ? { E2E_GREP: opts.grep } : {}),
  };
  const args = [
    CODE_SERVER_ENTRY,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(opts.untrusted ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
  ];
  const verbose = opts.verbose;
  let server: ChildProcess | undefined;
  let browser: import('playwright-core').Browser | undefined;
  let timer: NodeJS.Timeout | undefined;
  const killOnExit = () => {
    if (server?.pid) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  process.once('exit', killOnExit);
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping code-server and Chromium`);
    killOnExit();
    void Promise.race([browser?.close(), sleep(2000)]).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const started = Date.now();
    server = spawn(process.execPath, args, {
      env,
      detached: true,
      stdio: ['ignore', verbose ? 'inherit' : serverLog, verbose ? 'inherit' : serverLog],
    });
    const serverExited = new Promise<number>((r) => server!.once('exit', (c) => r(c ?? 1)));
    for (;;) {
      if (await httpOk(`${origin}/healthz`)) break;
      if (server.exitCode !== null)
        throw new Error(`code-server exited with ${server.exitCode} before it was ready; its log: ${serverLogPath}`);
      if (Date.now() - started > 60_000)
        throw new Error(`code-server was not ready after 60 s; its log: ${serverLogPath}`);
      await sleep(100);
    }
    log(`route B: code-server ${origin} ready in ${Date.now() - started} ms`);

    const chromeTmp = path.join(tmp, 'chromium');
    fs.mkdirSync(chromeTmp, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
      env: { ...process.env, ...xdgEnv(chromeTmp) },
      handleSIGINT: false, // ours (above) closes both Chromium and code-server
      handleSIGTERM: false,
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();

    let exitCode: number | undefined;
    let countsLine: string | undefined;
    const exited = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => {
        exitCode = code;
        resolve(code);
      });
    });
    // A suite that logs SCREENSHOT_MARKER asks for the picture now, while its scene is live (after
    // the suite ends the extension host is gone and the Problems panel is empty).
    let screenshotTaken: Promise<void> | undefined;
    const takeScreenshot = (file: string) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      return page.screenshot({ path: file }).then(
        () => log(`screenshot saved to ${file}`),
        (err: Error) => log(`screenshot failed: ${err.message}`),
      );
    };
    await page.exposeFunction('codeAutomationLog', (type: 'info' | 'warn' | 'error' | 'log', args: unknown[]) => {
      const text = util.format(...(Array.isArray(args) ? args : [args]));
      if (text.trim() === SCREENSHOT_MARKER) {
        if (opts.screenshot) screenshotTaken = takeScreenshot(opts.screenshot);
        return;
      }
      const m = COUNTS.exec(text);
      if (m) {
        countsLine = m[0]; // repeated by finish() as the very last line
        if (text.trim() === m[0]) return;
      }
      if (!verbose && NOISE.some((re) => re.test(text))) return;
      (type === 'error' || type === 'warn' ? process.stderr : process.stdout).write(`${text}\n`);
    });
    page.on('pageerror', (err) => verbose && log(`page error: ${err.message}`));

    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload: [string, string][] = [
      ['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)],
      ['extensionTestsPath', remote(opts.extensionTestsPath)],
    ];
    const url = `${origin}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

    const timedOut = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), Math.max(1000, opts.timeoutMs - (Date.now() - started)));
    });
    await page.goto(url);
    const browserGone = new Promise<'browser-closed'>((r) => {
      page.once('close', () => r('browser-closed'));
      browser!.once('disconnected', () => r('browser-closed'));
    });
    const outcome = await Promise.race([
      exited,
      timedOut,
      browserGone,
      serverExited.then((c) => `server-exit:${c}` as const),
    ]);

    if (screenshotTaken) await screenshotTaken;
    else if (opts.screenshot) await takeScreenshot(opts.screenshot);
    let code: number;
    if (outcome === 'timeout') {
      log(`timed out after ${opts.timeoutMs} ms; code-server's log: ${serverLogPath}`);
      code = 1;
    } else if (outcome === 'browser-closed') {
      log('Chromium closed or crashed before the suite finished');
      code = 1;
    } else if (typeof outcome === 'string') {
      log(`code-server exited unexpectedly (${outcome}); its log: ${serverLogPath}`);
      code = 1;
    } else {
      code = exitCode ?? outcome;
    }
    const fromFile = readResult(resultFile);
    if (fromFile.passed === undefined && countsLine) {
      const m = COUNTS.exec(countsLine)!;
      fromFile.passed = Number(m[1]);
      fromFile.failed = Number(m[2]);
    }
    if (code !== 0 && !verbose) {
      const tail = fs.readFileSync(serverLogPath, 'utf8').split('\n').slice(-25).join('\n');
      log(`last lines of code-server's log:\n${tail}`);
    }
    return { route: 'code-server', code, ...fromFile };
  } finally {
    if (timer) clearTimeout(timer);
    await Promise.race([browser?.close().catch(() => undefined), sleep(5000)]);
    await killGroup(server);
    process.removeListener('exit', killOnExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    fs.closeSync(serverLog);
  }
}

// ------------------------------------------------------------------------------------------------

export async function runSuite(opts: RunOptions, tmp = makeTmp()): Promise<RunResult> {
  const started = Date.now();
  try {
    if (!fs.existsSync(opts.extensionTestsPath))
      throw new Error(`${opts.extensionTestsPath} does not exist; compile first (npx tsc -b)`);
    const workspace = copyWorkspace(opts.workspace, tmp);
    if (opts.untrusted) {
      const userDataDir = opts.userDataDir ?? path.join(tmp, 'user-data');
      opts = {
        ...opts,
        userDataDir,
        env: { ...opts.env, ...armUntrustedWorkspace(tmp, workspace), E2E_USER_DATA_DIR: userDataDir },
      };
      log(`untrusted run: workspace trust on, ${workspace} not trusted; canaries in ${path.join(tmp, 'canary')}`);
    }
    const executable = await electronExecutable(opts.route);
    const result = executable
      ? await runElectron(opts, executable, tmp, workspace)
      : await runCodeServer(opts, tmp, workspace);
    log(
      `route ` +
        `${result.route === 'electron' ? 'A (@vscode/test-electron)' : 'B (code-server + Chromium)'}: ` +
        `exit ${result.code} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return result;
  } finally {
    if (opts.keepTmp) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

// ------------------------------------------------------------------------------------------------
// The untrusted run's witnesses

/** Programs the extension must not start in an untrusted workspace (git: see SW108). */
export const WATCHED_PROGRAMS = [
  'python',
  'python3',
  'alembic',
  'docker',
  'dockerd',
  'initdb',
  'pg_ctl',
  'pg_ctlcluster',
  'postgres',
  'psql',
  'git',
];

/**
 * Arms the temp workspace copy for the untrusted run, and returns the extension host's extra
 * environment:
 *  - alembic/env.py first touches canary/env.py-ran: any Alembic command imports it;
 *  - the copy is a git repository (one commit) whose .git/config sets core.fsmonitor and a clean
 *    filter for *.py to scripts that write canary/fsmonitor-ran and canary/filter-ran: a plain
 *    `git status` runs both (checked here, then the markers are removed);
 *  - E2E_EXEC_LOG: a PATH folder of watchers named like WATCHED_PROGRAMS, each appending
 *    "name<TAB>pid ppid … 1<TAB>args" to that log and then running the real program.
 */
export function armUntrustedWorkspace(tmp: string, workspace: string): Record<string, string> {
  const canary = path.join(tmp, 'canary');
  fs.mkdirSync(canary, { recursive: true });
  const envPy = path.join(workspace, 'alembic', 'env.py');
  if (fs.existsSync(envPy)) {
    fs.writeFileSync(
      envPy,
      `import pathlib as _sw_canary\n_sw_canary.Path(${JSON.stringify(path.join(canary, 'env.py-ran'))}).touch()\n${fs.readFileSync(envPy, 'utf8')}`,
    );
  }
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      [
        '-c',
        'user.name=e2e',
        '-c',
        'user.email=e2e@example.invalid',
        '-c',
        'commit.gpgsign=false',
        '-c',
        'core.hooksPath=/dev/null',
        ...args,
      ],
      { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } },
    );
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixture');
  const hook = (name: string, body: string): string => {
    const file = path.join(tmp, `${name}.sh`);
    fs.writeFileSync(file, `#!/bin/sh\necho "$PPID $*" >> '${path.join(canary, `${name}-ran`)}'\n${body}\n`, {
      mode: 0o755,
    });
    return file;
  };
  fs.appendFileSync(
    path.join(workspace, '.git', 'config'),
    `[core]\n\tfsmonitor = ${hook('fsmonitor', 'exit 0')}\n[filter "swcanary"]\n\tclean = ${hook('filter', 'cat')}\n`,
  );
  fs.mkdirSync(path.join(workspace, '.git', 'info'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.git', 'info', 'attributes'), '*.py filter=swcanary\n');
  // Newer timestamps than the index's: git status re-reads the files (through the clean filter).
  const later = new Date(Date.now() + 5000);
  const versions = path.join(workspace, 'alembic', 'versions');
  for (const f of fs.existsSync(versions) ? fs.readdirSync(versions) : [])
    fs.utimesSync(path.join(versions, f), later, later);
  git('status', '--porcelain');
  for (const marker of fs.existsSync(versions) ? ['fsmonitor-ran', 'filter-ran'] : ['fsmonitor-ran']) {
    if (!fs.existsSync(path.join(canary, marker)))
      throw new Error(`the git canary is not armed: a plain git status did not write ${marker}`);
    fs.rmSync(path.join(canary, marker));
  }
  // The exec watchers.
  const shims = path.join(tmp, 'exec-watch');
  fs.mkdirSync(shims, { recursive: true });
  const execLog = path.join(tmp, 'exec.log');
  fs.writeFileSync(execLog, '');
  const realPath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  for (const name of WATCHED_PROGRAMS) {
    fs.writeFileSync(
      path.join(shims, name),
      [
        '#!/bin/sh',
        '# e2e exec watcher (test/e2e/run.ts): records who started this program, then runs the real one',
        'name=${0##*/}',
        'chain=$$',
        'p=$PPID',
        'while [ -n "$p" ] && [ "$p" -gt 1 ]; do',
        '  chain="$chain $p"',
        "  p=$(sed -e 's/^.*) //' \"/proc/$p/stat\" 2>/dev/null | cut -d' ' -f2)",
        'done',
        `printf '%s\\t%s\\t%s\\n' "$name" "$chain" "$*" >> '${execLog}'`,
        `real='${realPath.replace(/'/g, '')}'`,
        'IFS=:; for d in $real; do [ -x "$d/$name" ] && exec "$d/$name" "$@"; done',
        'echo "$name: not found" >&2',
        'exit 127',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  }
  // VS Code's server gives the extension host the PATH of a login shell it runs (resolveShellEnv),
  // which would drop the watchers; it skips that when started "from the CLI" (VSCODE_CLI=1).
  return {
    E2E_UNTRUSTED: '1',
    E2E_CANARY_DIR: canary,
    E2E_EXEC_LOG: execLog,
    PATH: `${shims}:${realPath}`,
    VSCODE_CLI: '1',
  };
}

export function finish(result: RunResult | undefined): never {
  let code = result?.code ?? 1;
  if (result?.passed !== undefined) {
    if ((result.failed ?? 0) > 0 && code === 0) code = 1;
    process.stdout.write(`${result.passed} passed, ${result.failed ?? 0} failed\n`);
  } else {
    process.stdout.write('0 passed, 0 failed (the suite reported no result)\n');
    if (code === 0) code = 1;
  }
  process.exit(code);
}

if (require.main === module) {
  runSuite(optionsFromEnv()).then(finish, (err: Error) => {
    log(err.stack ?? err.message);
    finish(undefined);
  });
}
