import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILTIN_ENV_HINT } from '../../server/src/runner/setupBlame';
import { runVerifyCommand } from '../../server/src/cli/commands/verify';
import { reportSetupProblem } from '../../server/src/cli/commands/runnerOptions';
import { RunnerCancelledError, RunnerSetupError } from '../../server/src/runner/errors';
import { isProcessAlive } from '../../server/src/runner/exec';
import { newPgClient } from '../../server/src/runner/pgClient';
import { withRunSession } from '../../server/src/runner/runSession';
import { DOCKER_LABEL, DockerTarget, removeLeftoverContainers } from '../../server/src/runner/targets/docker';
import { LocalClusterTarget } from '../../server/src/runner/targets/localCluster';
import { TargetLostError, verifyRoundTrips } from '../../server/src/runner/verify';
import { hashTree, processesWorkingIn } from '../support/leftovers';
import {
  eventually,
  fixtureDir,
  processesMentioning,
  REPO_ROOT,
  usePostgresCluster,
  venvPython,
} from '../support/postgres';
import { startPrivateDockerd, type PrivateDockerd } from './privateDockerd';
import { projectWithUpgrade } from './projectFactory';
import { bundleServer } from '../lsp/lspSession';

const DOCKER_IMAGE = 'schema-warden-test/postgres:15';

describe('runner: faults leave nothing running', function () {
  this.timeout(120_000);
  // This file's cluster is the one killed mid-run: the harness must still tear it down cleanly.
  const pg = usePostgresCluster();

  it('PostgreSQL killed mid-run: a clear error, then no postgres, no helper, no folder', async () => {
    const cluster: LocalClusterTarget = pg.cluster;
    const dir = cluster.dir as string;
    const projectHash = hashTree(fixtureDir('clean'));
    let helperPid: number | undefined;
    const error = await withRunSession(
      { projectDir: fixtureDir('clean'), target: cluster, python: { python: venvPython(), source: 'test' } },
      async (session) => {
        helperPid = session.helper.pid;
        return verifyRoundTrips({
          helper: session.helper,
          databaseUrl: session.database.url,
          onStep: (revision, step) => {
            if (revision.revision === '2b3c4d5e6f70' && step.step === 'upgrade')
              process.kill(cluster.postmasterPid as number, 'SIGKILL');
          },
        });
      },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof Error, 'the run fails');
    assert.ok(error instanceof TargetLostError, `a clear message: ${error.message}`);
    assert.match(
      error.message,
      /^the database server stopped answering (while taking a schema snapshot|during alembic)/,
    );
    assert.equal(fs.existsSync(dir), false, 'cluster folder removed');
    assert.ok(await eventually(() => processesMentioning(dir).length === 0), 'no postgres process from its data dir');
    assert.ok(helperPid !== undefined && (await eventually(() => !isProcessAlive(helperPid as number))), 'helper gone');
    assert.equal(hashTree(fixtureDir('clean')), projectHash, 'the project is byte-identical');
  });

  // Cancelling stops the ephemeral server at once (withRunSession); a query the run was making
  // then fails because of the cancellation, and must be reported as one, not as a lost server.
  it('cancelled while the ephemeral server goes down: the run ends as cancelled, and nothing is left', async () => {
    const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-cancel-'));
    fs.chmodSync(baseDir, 0o755); // PostgreSQL runs as its own user when the tests run as root
    const cluster = new LocalClusterTarget({ baseDir });
    const controller = new AbortController();
    let steps = 0;
    let helperPid: number | undefined;
    const projectHash = hashTree(fixtureDir('clean'));
    try {
      const error = await withRunSession(
        {
          projectDir: fixtureDir('clean'),
          target: cluster,
          python: { python: venvPython(), source: 'test' },
          signal: controller.signal,
        },
        async (session) => {
          helperPid = session.helper.pid;
          return verifyRoundTrips({
            helper: session.helper,
            databaseUrl: session.database.url,
            signal: controller.signal,
            onStep: () => {
              steps++;
              controller.abort();
              // The server is gone before the run's next query (the race the real editor lost at
              // times, when the stop won against the snapshot after the first step).
              process.kill(cluster.postmasterPid as number, 'SIGKILL');
            },
          });
        },
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(
        error instanceof RunnerCancelledError,
        `ends as cancelled, got ${(error as Error | undefined)?.name}: ${(error as Error | undefined)?.message}`,
      );
      assert.equal(steps, 1, 'no step after the cancellation');
      assert.ok(
        await eventually(() => processesMentioning(baseDir).length === 0),
        "no postgres process from the run's cluster",
      );
      assert.ok(
        helperPid !== undefined && (await eventually(() => !isProcessAlive(helperPid as number))),
        'helper gone',
      );
      assert.deepEqual(fs.readdirSync(baseDir), [], 'the cluster folder is removed');
      assert.equal(hashTree(fixtureDir('clean')), projectHash, 'the project is byte-identical');
    } finally {
      await cluster.stop().catch(() => undefined);
      fs.rmSync(baseDir, { recursive: true, force: true });
    }
  });
});

describe('runner: Ctrl-C during `schema-warden verify` (a real process, a real signal)', function () {
  this.timeout(120_000);

  it('SIGINT mid-migration: exit 2, "cancelled", at once; no cluster, no postgres, no helper; the project unchanged', async () => {
    bundleServer(); // dist/cli.js, as a user runs it
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-sigint-'));
    fs.chmodSync(base, 0o755); // PostgreSQL runs as its own user when the tests run as root
    // The migration sleeps for a minute: the signal lands while it runs.
    const project = projectWithUpgrade('op.execute("SELECT pg_sleep(60)")');
    const projectHash = hashTree(project.dir);
    try {
      const child = spawn(
        process.execPath,
        [
          path.join(REPO_ROOT, 'dist', 'cli.js'),
          'verify',
          '--target',
          'local',
          '--verbose',
          '--python',
          venvPython(),
          project.dir,
        ],
        {
          env: { ...process.env, TMPDIR: base },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // --verbose relays Alembic's log: the migration is running once it says so.
      assert.ok(
        await eventually(() => /Running upgrade\s+-> ee0000000001/.test(output), 60_000),
        `the migration started: ${output}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const signalled = performance.now();
      child.kill('SIGINT');
      const code = await exited;
      const tookMs = performance.now() - signalled;
      assert.equal(code, 2, output);
      assert.match(output, /schema-warden verify: cancelled; everything it started was stopped\./);
      assert.ok(tookMs < 20_000, `it stopped at once, not after the migration's minute (${Math.round(tookMs)} ms)`);
      assert.ok(
        await eventually(() => processesMentioning(base).length === 0),
        "no postgres process from the run's cluster",
      );
      assert.ok(
        await eventually(() => processesWorkingIn(project.dir).length === 0),
        'no helper (or anything else) left working in the project',
      );
      assert.deepEqual(fs.readdirSync(base), [], 'the cluster folder is removed');
      assert.equal(hashTree(project.dir), projectHash, 'the project is byte-identical');
    } finally {
      project.remove();
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `schema-warden verify` in-process, with the runner's temporary folder (TMPDIR) at `tmpDir`. */
async function verifyCli(argv: string[], tmpDir: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmpDir;
  try {
    const code = await runVerifyCommand(argv, {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
      cwd: tmpDir,
    });
    return { code, stdout, stderr };
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/** A copy of a fixture project in `parent`, so that a test may compare it before and after. */
function copyFixture(name: string, parent: string): string {
  const dir = path.join(parent, `project-${name}-${randomBytes(3).toString('hex')}`);
  fs.cpSync(fixtureDir(name), dir, { recursive: true });
  return dir;
}

describe('runner: the disk of the temporary folder is full (a real tmpfs)', function () {
  this.timeout(180_000);
  // Everything of this block lives under one folder of its own; each test mounts a tmpfs in it
  // and points TMPDIR (where the local cluster makes its folder) at it.
  let root: string;
  const mounts: string[] = [];

  before(function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipped: mounting a tmpfs needs root');
      this.skip();
    }
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-faults-enospc-'));
    fs.chmodSync(root, 0o755); // as root the cluster runs as postgres, which must reach the mounts
  });

  after(function () {
    for (const mount of mounts.splice(0)) {
      if (spawnSync('umount', [mount]).status !== 0) spawnSync('umount', ['--lazy', mount]);
    }
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  function tmpfs(sizeMb: number): string {
    const dir = path.join(root, `tmpfs-${mounts.length}`);
    fs.mkdirSync(dir);
    const mounted = spawnSync(
      'mount',
      ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=1777`, `sw-faults-${process.pid}`, dir],
      { encoding: 'utf8' },
    );
    assert.equal(mounted.status, 0, `mount a ${sizeMb} MB tmpfs: ${mounted.stderr}`);
    mounts.push(dir);
    return dir;
  }

  async function assertNothingLeft(tmp: string, project: string, projectHash: string): Promise<void> {
    assert.deepEqual(
      fs.readdirSync(tmp).filter((name) => name !== 'lost+found'),
      [],
      'no cluster folder left in the temporary folder',
    );
    assert.ok(
      await eventually(() => processesMentioning(tmp).length === 0),
      `no postgres left: ${processesMentioning(tmp).join(', ')}`,
    );
    assert.ok(
      await eventually(() => processesWorkingIn(project).length === 0),
      `no helper left: ${processesWorkingIn(project).join(', ')}`,
    );
    assert.equal(hashTree(project), projectHash, 'the project is byte-identical');
  }

  it('initdb hits ENOSPC: exit 2, the disk is full, where, what to do; nothing left', async () => {
    const tmp = tmpfs(4); // initdb needs ~40 MB
    const project = copyFixture('clean', root);
    const projectHash = hashTree(project);
    const result = await verifyCli(['--target', 'local', '--python', venvPython(), project], tmp);
    assert.equal(result.code, 2, result.stderr);
    assert.ok(
      result.stderr.startsWith(
        `schema-warden verify: The disk is full: no space left on the file system holding ${tmp} (`,
      ),
      result.stderr,
    );
    assert.match(
      result.stderr,
      / free of 4 MB\) while initdb was creating the local PostgreSQL cluster there \(.*No space left on device.*\)\.\n/,
    );
    assert.ok(
      result.stderr.includes(
        "Free some space there, or point the runner's temporary folder at a disk with room (TMPDIR=/path/with/space",
      ),
      result.stderr,
    );
    assert.doesNotMatch(result.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
    await assertNothingLeft(tmp, project, projectHash);
  });

  it('PostgreSQL hits ENOSPC in a migration (WAL PANIC): exit 2 and the disk is full, not a failed migration; nothing left', async () => {
    const tmp = tmpfs(80); // room for initdb (~40 MB) and the scratch database, not for 1 GB of rows
    const project = projectWithUpgrade(
      [
        'op.execute("CREATE TABLE filler (a text)")',
        'op.execute("INSERT INTO filler SELECT repeat(\'x\', 1000) FROM generate_series(1, 1000000)")',
      ].join('\n'),
    );
    try {
      const projectHash = hashTree(project.dir);
      const result = await verifyCli(['--target', 'local', '--python', venvPython(), project.dir], tmp);
      assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
      assert.ok(
        result.stderr.startsWith(
          `schema-warden verify: The disk is full: no space left on the file system holding ${tmp} (`,
        ),
        result.stderr,
      );
      assert.match(
        result.stderr,
        / free of 80 MB\) while PostgreSQL was writing the migrations' data there \(.*No space left on device.*\)\.\n/,
      );
      assert.ok(result.stderr.includes('Nothing was left running and your project was not changed.'), result.stderr);
      assert.doesNotMatch(result.stdout, /upgrade failed/, 'not reported as a failed migration');
      await assertNothingLeft(tmp, project.dir, projectHash);
    } finally {
      project.remove();
    }
  });
});

describe('runner: the Docker engine stops while its container runs (private dockerd, image built locally)', function () {
  this.timeout(300_000);
  let dockerd: PrivateDockerd | undefined;
  let savedHost: string | undefined;
  const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

  before(async function () {
    const started = await startPrivateDockerd();
    if (!started.ok) {
      console.log(`      skipped: ${started.reason}`);
      this.skip();
    }
    dockerd = started.dockerd;
    savedHost = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = dockerd.host;
    execFileSync('bash', [path.join(REPO_ROOT, 'test', 'runner', 'docker', 'build-postgres-image.sh'), DOCKER_IMAGE], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  });

  after(async function () {
    this.timeout(90_000);
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
    await dockerd?.restart().catch(() => undefined); // stop() removes what is left through the engine
    await dockerd?.stop();
  });

  it('mid-migration: the engine stopped, what to do; the run ends, no helper; the container is swept when the engine is back', async () => {
    const engine = dockerd as PrivateDockerd;
    const project = projectWithUpgrade('op.execute("SELECT pg_sleep(600)")');
    try {
      const projectHash = hashTree(project.dir);
      const target = new DockerTarget({ image: DOCKER_IMAGE });
      let helperPid: number | undefined;
      // The request timeout is far longer than the engine takes to stop: the run must end because
      // the engine went, not because a timer fired.
      const run = withRunSession(
        {
          projectDir: project.dir,
          target,
          python: { python: venvPython(), source: 'test' },
          requestTimeoutMs: 240_000,
        },
        async (session) => {
          helperPid = session.helper.pid;
          return verifyRoundTrips({ helper: session.helper, databaseUrl: session.database.url });
        },
      ).then(
        () => undefined,
        (e: unknown) => e,
      );

      // Stop the engine once the migration is inside pg_sleep.
      assert.ok(await eventuallyAsync(() => migrationIsSleeping(target)), 'the migration started');
      const container = target.container as string;
      const containerId = docker('inspect', '--format', '{{.Id}}', container);
      const port = new URL(target.url()).port;
      await engine.halt();

      const error = await run;
      assert.ok(error instanceof RunnerSetupError, `a setup error, not ${String(error)}`);
      assert.ok(
        error.message.startsWith(
          `The Docker engine stopped answering during the run (Docker engine not running), and the PostgreSQL container ${container} with it.\n`,
        ),
        error.message,
      );
      assert.ok(
        error.message.includes(
          `Start the Docker engine again (sudo systemctl start docker, or Docker Desktop) and run ` +
            `again: Schema Warden removes the container left behind at its next start (or now: docker ` +
            `rm -f ${container}).`,
        ),
        error.message,
      );
      const io = { out: '', err: '' };
      assert.equal(
        reportSetupProblem('verify', error, {
          stdout: (s) => {
            io.out += s;
          },
          stderr: (s) => {
            io.err += s;
          },
          cwd: project.dir,
        }),
        2,
        'the CLI exits 2',
      );
      assert.ok(io.err.startsWith('schema-warden verify: The Docker engine stopped answering during the run'), io.err);

      assert.ok(
        helperPid !== undefined && (await eventually(() => !isProcessAlive(helperPid as number))),
        'helper gone',
      );
      assert.ok(await eventually(() => processesWorkingIn(project.dir).length === 0), 'nothing of the helper left');
      assert.ok(
        await eventually(() => processesMentioning(containerId).length === 0, 20_000),
        'no container shim left',
      );
      assert.ok(await eventually(() => processesMentioning(`-host-port ${port}`).length === 0), 'no docker-proxy left');
      assert.equal(hashTree(project.dir), projectHash, 'the project is byte-identical');

      // The engine stopped the container but, without --rm (kept so that a container that fails to
      // start can still show its logs), did not delete it: it is there when the engine is back.
      await engine.restart();
      assert.equal(
        docker('ps', '--all', '--filter', `label=${DOCKER_LABEL}`, '--format', '{{.Names}} {{.State}}'),
        `${container} exited`,
      );
      // Its owner (this process) is alive, so only the runner's memory of the failed removal lets
      // the next start's sweep take it.
      assert.equal(await removeLeftoverContainers(), 1);
      assert.equal(
        docker('ps', '--all', '--quiet', '--filter', `label=${DOCKER_LABEL}`),
        '',
        'no labelled container left',
      );
      assert.equal(docker('volume', 'ls', '--quiet'), '', 'no volume left');
    } finally {
      project.remove();
    }
  });
});

async function migrationIsSleeping(target: DockerTarget): Promise<boolean> {
  if (!target.container) return false;
  let url: string;
  try {
    url = target.url();
  } catch {
    return false; // not started yet
  }
  const client = newPgClient({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const found = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)'",
    );
    return Number(found.rows[0]?.n) > 0;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function eventuallyAsync(condition: () => Promise<boolean>, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return condition();
}

describe("runner: the project's env.py raises (real Alembic)", function () {
  this.timeout(120_000);
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-faults-envpy-'));
    fs.chmodSync(root, 0o755); // as root the cluster runs as postgres, which must reach its folder
  });
  after(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  /** The clean fixture with `line` inserted before the first line of env.py matching `before`. */
  function projectWithEnvLine(before: RegExp, line: string): { dir: string; lineNo: number } {
    const dir = copyFixture('clean', root);
    const envPy = path.join(dir, 'migrations', 'env.py');
    const lines = fs.readFileSync(envPy, 'utf8').split('\n');
    const at = lines.findIndex((l) => before.test(l));
    assert.ok(at >= 0, `env.py has a line matching ${before}`);
    lines.splice(at, 0, line);
    fs.writeFileSync(envPy, lines.join('\n'));
    return { dir, lineNo: at + 1 };
  }

  const cases = [
    {
      title: 'at import',
      before: /^target_metadata = /,
      line: 'raise RuntimeError("APP_SETTINGS is not set")',
      exception: 'RuntimeError: APP_SETTINGS is not set',
    },
    {
      title: 'in run_migrations_online',
      before: /^\s+connectable = engine_from_config/,
      line: '    raise RuntimeError("no online configuration")',
      exception: 'RuntimeError: no online configuration',
    },
  ];
  for (const c of cases) {
    it(`${c.title}: exit 2, the project's env.py failed with the exception and its line; nothing left`, async () => {
      const { dir, lineNo } = projectWithEnvLine(c.before, c.line);
      const tmp = fs.mkdtempSync(path.join(root, 'tmp-'));
      fs.chmodSync(tmp, 0o755);
      const projectHash = hashTree(dir);
      const result = await verifyCli(['--target', 'local', '--python', venvPython(), dir], tmp);
      assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
      assert.equal(
        result.stderr,
        [
          `schema-warden verify: The project's env.py failed at migrations/env.py:${lineNo}: ${c.exception}`,
          'This is a setup problem of the project (its Alembic environment failed before any migration ran), not a failed migration.',
          BUILTIN_ENV_HINT,
          '',
        ].join('\n'),
      );
      assert.doesNotMatch(result.stdout, /✗|Round trips/, 'no verdict on a migration');
      assert.deepEqual(fs.readdirSync(tmp), [], 'no cluster folder left');
      assert.ok(await eventually(() => processesMentioning(tmp).length === 0), 'no postgres left');
      assert.ok(await eventually(() => processesWorkingIn(dir).length === 0), 'no helper left');
      assert.equal(hashTree(dir), projectHash, 'the project is byte-identical (no __pycache__ either)');
    });
  }
});
