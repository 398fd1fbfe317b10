import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runDbCommand } from '../../server/src/cli/commands/db';
import { runVerifyCommand } from '../../server/src/cli/commands/verify';
import { LOCAL_CLUSTER_PREFIX } from '../../server/src/runner/targets/localCluster';
import {
  eventually,
  fixtureDir,
  FIXTURES,
  processesMentioning,
  usePostgresCluster,
  venvPython,
} from '../support/postgres';
import { projectWithIni } from './projectFactory';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(command: typeof runVerifyCommand, argv: string[], cwd = FIXTURES): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await command(argv, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    cwd,
  });
  return { code, stdout, stderr };
}

/** Local clusters of this process still on disk (the CLI must remove its own). */
function ourClusterDirs(): string[] {
  return fs
    .readdirSync(os.tmpdir())
    .filter((name) => name.startsWith(LOCAL_CLUSTER_PREFIX))
    .map((name) => path.join(os.tmpdir(), name))
    .filter((dir) => {
      try {
        return JSON.parse(fs.readFileSync(path.join(dir, 'owner.json'), 'utf8')).pid === process.pid;
      } catch {
        return false;
      }
    });
}

describe('cli: schema-warden verify / db (real PostgreSQL, real Alembic)', function () {
  this.timeout(120_000);
  const pg = usePostgresCluster();
  const python = () => ['--python', venvPython()];
  let before: string[];
  beforeEach(() => {
    before = ourClusterDirs();
  });
  afterEach(async () => {
    // Whatever the command did, it must not leave a cluster of its own behind.
    const left = ourClusterDirs().filter((dir) => !before.includes(dir));
    assert.deepEqual(left, [], 'no cluster folder left behind');
  });

  it('exit 0 on a clean project with the local target, saying which target and why', async () => {
    const result = await run(runVerifyCommand, ['--target', 'local', ...python(), 'clean']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /Target: local PostgreSQL 15\.\d+ cluster on 127\.0\.0\.1:\d+ .*\(using local PostgreSQL 15 binaries/,
    );
    assert.match(result.stdout, /✓ 3c4d5e6f7081/);
    assert.match(result.stdout, /Round trips OK: 3 of 3 revision\(s\) came back down cleanly/);
    assert.doesNotMatch(result.stdout, /^\s*\d+ passed, \d+ failed/m, 'no line CI would take for a test count');
  });

  it('without --target, falls back to local binaries when no Docker engine answers, and says so', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      const result = await run(runVerifyCommand, [...python(), 'clean']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /\((Docker engine not running|Docker engine not answering.*|Docker not found) — using local PostgreSQL 15 binaries\)/,
      );
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('exit 1 on the leaky downgrade, naming the index and the line', async () => {
    const result = await run(runVerifyCommand, ['--target', 'local', ...python(), 'leaky-downgrade']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stdout,
      /✗ aa0000000002 .* downgrade failed\n\s+index ix_user_email is left behind\n\s+at migrations\/versions\/aa0000000002_index_user_email\.py:20/,
    );
  });

  it('--format json against a URL target (a scratch database on the given server, dropped after)', async () => {
    const result = await run(runVerifyCommand, [
      '--target',
      'url',
      '--url',
      pg.url(),
      '--format',
      'json',
      ...python(),
      fixtureDir('failing-upgrade'),
    ]);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as {
      result: { ok: boolean; failure: { revision: string; step: string } };
      target: { kind: string };
    };
    assert.equal(report.target.kind, 'url');
    assert.equal(report.result.ok, false);
    assert.deepEqual([report.result.failure.revision, report.result.failure.step], ['cc0000000002', 'upgrade']);
  });

  it('refuses a remote URL unless allowed', async () => {
    const result = await run(runVerifyCommand, [
      '--target',
      'url',
      '--url',
      'postgresql://u@db.example.com/x',
      ...python(),
      'clean',
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /only loopback hosts .* are allowed/);
  });

  it('exit 2 with what to install: no Python, no alembic.ini, broken alembic.ini, Docker down', async () => {
    const noPython = await run(runVerifyCommand, ['--target', 'local', '--python', '/nonexistent/python3', 'clean']);
    assert.equal(noPython.code, 2);
    assert.match(noPython.stderr, /Python interpreter "\/nonexistent\/python3" \(--python\) was not found/);
    assert.match(noPython.stderr, /pip install alembic psycopg2-binary/);

    const noIni = await run(runVerifyCommand, ['--target', 'local', ...python(), os.tmpdir()]);
    assert.equal(noIni.code, 2);
    assert.match(noIni.stderr, /no alembic\.ini in/);

    const broken = projectWithIni('[alembic]\nscript_location = no_such_folder\n');
    try {
      const result = await run(runVerifyCommand, ['--target', 'local', ...python(), broken.dir]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /cannot read the Alembic project: .*no_such_folder/i);
    } finally {
      broken.remove();
    }

    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      const docker = await run(runVerifyCommand, ['--target', 'docker', ...python(), 'clean']);
      assert.equal(docker.code, 2);
      assert.match(docker.stderr, /Cannot use Docker: Docker engine not (running|answering)/);
      assert.match(docker.stderr, /--target local; apt-get install -y postgresql-15/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('db start / status / stop keep a cluster across commands through the state file', async () => {
    const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-db-state-')), 'db.json');
    try {
      assert.equal((await run(runDbCommand, ['status', '--state-file', stateFile])).code, 1);
      const started = await run(runDbCommand, ['start', '--state-file', stateFile, '--format', 'json']);
      assert.equal(started.code, 0, started.stderr);
      const state = JSON.parse(started.stdout) as { url: string; dir: string };
      const status = await run(runDbCommand, ['status', '--state-file', stateFile]);
      assert.equal(status.code, 0);
      assert.match(status.stdout, /Running: PostgreSQL 15/);
      // The cluster serves a verification run through --target url.
      const verify = await run(runVerifyCommand, ['--target', 'url', '--url', state.url, ...python(), 'clean']);
      assert.equal(verify.code, 0, verify.stderr);
      const stopped = await run(runDbCommand, ['stop', '--state-file', stateFile]);
      assert.equal(stopped.code, 0);
      assert.equal(fs.existsSync(state.dir), false);
      assert.ok(await eventually(() => processesMentioning(state.dir).length === 0));
      assert.equal((await run(runDbCommand, ['status', '--state-file', stateFile])).code, 1);
    } finally {
      // A persistent cluster outlives this process by design: when an assertion above failed, stop
      // it here, or it runs on after the tests (seen when the venv was missing and verify failed).
      if (fs.existsSync(stateFile)) await run(runDbCommand, ['stop', '--state-file', stateFile]).catch(() => undefined);
      fs.rmSync(path.dirname(stateFile), { recursive: true, force: true });
    }
  });
});
