import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AlembicCommandError, AlembicHelper, AlembicHelperCrashedError } from '../../server/src/runner/alembicHelper';
import { RunnerCancelledError, RunnerSetupError } from '../../server/src/runner/errors';
import { isProcessAlive } from '../../server/src/runner/exec';
import { discoverPython } from '../../server/src/runner/pythonDiscovery';
import {
  eventually,
  fixtureDir,
  processesMentioning,
  PYTHONS,
  usePostgresCluster,
  venvPython,
} from '../support/postgres';
import { hashTree, processesWorkingIn } from '../support/leftovers';
import { projectWithIni, projectWithUpgrade } from './projectFactory';

describe('runner: Alembic helper (real Python, real Alembic, real PostgreSQL)', function () {
  this.timeout(60_000);
  const pg = usePostgresCluster();

  for (const { label, python } of PYTHONS) {
    describe(label, () => {
      it('reports versions, the branched history with merges and labels, and heads', async () => {
        const helper = await AlembicHelper.start({ projectDir: fixtureDir('branched'), python: python() });
        try {
          assert.match(helper.hello.alembic, /^1\.\d+/);
          assert.ok(helper.hello.drivers.includes('psycopg2'));
          const history = await helper.history();
          assert.deepEqual(history.heads, ['dd00000000m1']);
          assert.equal(history.revisions[0]?.revision, 'dd0000000001');
          const merge = history.revisions.find((r) => r.revision === 'dd00000000m1');
          assert.deepEqual(merge?.downRevisions, ['dd00000000b2', 'dd00000000c1']);
          assert.equal(merge?.isMerge, true);
          assert.equal(history.revisions.find((r) => r.revision === 'dd0000000001')?.isBranchPoint, true);
          assert.deepEqual(history.revisions.find((r) => r.revision === 'dd00000000b1')?.branchLabels, ['billing']);
          assert.match(merge?.path ?? '', /dd00000000m1_merge\.py$/);
          assert.deepEqual(await helper.heads(), ['dd00000000m1']);
        } finally {
          await helper.close();
        }
      });

      it('upgrades, reads current, downgrades on a real database; prints from env.py do not corrupt the channel', async () => {
        const db = await pg.freshDatabase();
        const logged: string[] = [];
        const helper = await AlembicHelper.start({
          projectDir: fixtureDir('clean'),
          python: python(),
          databaseUrl: db.url,
          log: (m) => logged.push(m),
        });
        try {
          assert.deepEqual(await helper.current(), []);
          // current runs env.py as `alembic current` does (to read the version table it
          // configures), with dont_mutate: an empty database is left without a version table.
          const client = new Client({ connectionString: db.url });
          await client.connect();
          const tables = await client.query("SELECT 1 FROM pg_class WHERE relname = 'alembic_version'");
          await client.end();
          assert.equal(tables.rowCount, 0, 'current created no version table');
          await helper.upgrade('head');
          assert.deepEqual(await helper.current(), ['3c4d5e6f7081']);
          await helper.downgrade('1a2b3c4d5e6f');
          assert.deepEqual(await helper.current(), ['1a2b3c4d5e6f']);
          await helper.downgrade('base');
          assert.deepEqual(await helper.current(), []);
        } finally {
          await helper.close();
        }
        assert.ok(
          logged.some((l) => l.includes('clean fixture env.py: running migrations')),
          'env.py output reaches the log, not the JSON channel',
        );
        assert.ok(
          logged.some((l) => /^alembic upgrade head on .*: ok in \d+/.test(l)),
          'commands are logged with timings',
        );
      });

      it('gives offline --sql output', async () => {
        const helper = await AlembicHelper.start({ projectDir: fixtureDir('clean'), python: python() });
        try {
          const sql = await helper.sql('base:1a2b3c4d5e6f');
          assert.match(sql, /CREATE TABLE users/);
          assert.match(sql, /CREATE UNIQUE INDEX ix_users_email/);
        } finally {
          await helper.close();
        }
      });

      it('reports a failing migration as structured JSON: type, Postgres message, SQLSTATE, SQL, file and line', async () => {
        const db = await pg.freshDatabase();
        const helper = await AlembicHelper.start({
          projectDir: fixtureDir('failing-upgrade'),
          python: python(),
          databaseUrl: db.url,
        });
        try {
          await helper.upgrade('cc0000000001');
          const error = await helper.upgrade('cc0000000002').then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.ok(error instanceof AlembicCommandError);
          assert.equal(error.detail.type, 'ProgrammingError');
          assert.equal(error.detail.message, 'column "customer_ref" does not exist');
          assert.equal(error.detail.pgcode, '42703');
          assert.equal(error.detail.sql, 'INSERT INTO orders (customer_id) SELECT customer_ref FROM customers');
          assert.match(error.detail.file ?? '', /cc0000000002_orders\.py$/);
          assert.equal(error.detail.line, 19);
          // The helper keeps serving after a failure, and Postgres rolled the revision back.
          assert.deepEqual(await helper.current(), ['cc0000000001']);
        } finally {
          await helper.close();
        }
      });
    });
  }

  it('reads DATABASE_URL-style variables under another name when configured', async () => {
    const db = await pg.freshDatabase();
    const project = projectWithUpgrade('op.execute("CREATE TABLE from_env (id int)")');
    const envPy = path.join(project.dir, 'migrations', 'env.py');
    fs.writeFileSync(envPy, fs.readFileSync(envPy, 'utf8').replace(/DATABASE_URL/g, 'APP_DB_URL'));
    const helper = await AlembicHelper.start({
      projectDir: project.dir,
      python: venvPython(),
      databaseUrl: db.url,
      urlEnvVar: 'APP_DB_URL',
    });
    try {
      await helper.upgrade('head');
      assert.deepEqual(await helper.current(), ['ee0000000001']);
    } finally {
      await helper.close();
      project.remove();
    }
  });

  describe('faults', () => {
    it('no Python: says which interpreter was not found and what to install', async () => {
      const before = hashTree(fixtureDir('clean'));
      await assert.rejects(
        AlembicHelper.start({
          projectDir: fixtureDir('clean'),
          python: '/nonexistent/bin/python3',
          pythonSource: '--python',
        }),
        (error: unknown) =>
          error instanceof RunnerSetupError &&
          /Python interpreter "\/nonexistent\/bin\/python3" \(--python\) was not found/.test(error.message) &&
          /pip install alembic/.test(error.message),
      );
      assert.deepEqual(processesWorkingIn(fixtureDir('clean')), []);
      assert.equal(hashTree(fixtureDir('clean')), before, 'project unchanged');
    });

    it('Alembic missing: names the interpreter and the pip command', async function () {
      this.timeout(120_000);
      const venv = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-empty-venv-'));
      const before = hashTree(fixtureDir('clean'));
      try {
        execFileSync('python3', ['-m', 'venv', '--without-pip', venv]);
        const python = path.join(venv, 'bin', 'python');
        const error = await AlembicHelper.start({
          projectDir: fixtureDir('clean'),
          python,
          pythonSource: 'the workspace .venv',
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof RunnerSetupError, String(error));
        assert.match(
          error.message,
          /Alembic cannot run with .*sw-empty-venv-.*\/bin\/python.* \(the workspace \.venv\): No module named 'alembic'/,
        );
        assert.match(error.message, /-m pip install alembic psycopg2-binary/);
        assert.deepEqual(
          processesMentioning('alembic_helper.py').filter((pid) =>
            fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(venv),
          ),
          [],
        );
        assert.deepEqual(processesWorkingIn(fixtureDir('clean')), []);
        assert.equal(hashTree(fixtureDir('clean')), before, 'project unchanged');
      } finally {
        fs.rmSync(venv, { recursive: true, force: true });
      }
    });

    it('broken alembic.ini: a structured error, not a crash', async () => {
      const project = projectWithIni('[alembic\nscript_location = migrations\n');
      const before = hashTree(project.dir);
      const helper = await AlembicHelper.start({ projectDir: project.dir, python: venvPython() });
      const pid = helper.pid as number;
      try {
        const error = await helper.history().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof AlembicCommandError, String(error));
        assert.match(
          `${error.detail.type}: ${error.detail.message}`,
          /(BrokenConfig|ParsingError|MissingSectionHeaderError|CommandError)/,
        );
        await helper.close();
        assert.ok(await eventually(() => !isProcessAlive(pid)), 'helper process gone');
        assert.deepEqual(processesWorkingIn(project.dir), []);
        assert.equal(hashTree(project.dir), before, 'project unchanged');
      } finally {
        await helper.close();
        project.remove();
      }
    });

    it('a request that runs past its timeout kills the helper and everything it started', async () => {
      const db = await pg.freshDatabase();
      const project = projectWithUpgrade('op.execute("SELECT pg_sleep(30)")');
      const before = hashTree(project.dir);
      const helper = await AlembicHelper.start({
        projectDir: project.dir,
        python: venvPython(),
        databaseUrl: db.url,
        requestTimeoutMs: 1_500,
      });
      const pid = helper.pid as number;
      try {
        await assert.rejects(
          helper.upgrade('head'),
          (error: unknown) =>
            error instanceof AlembicHelperCrashedError && /did not finish within 1\.50 s/.test(error.message),
        );
        assert.ok(await eventually(() => !isProcessAlive(pid)), 'helper process gone');
        await assert.rejects(helper.current(), AlembicHelperCrashedError);
        assert.ok(
          await eventually(() => processesWorkingIn(project.dir).length === 0),
          'nothing left working in the project',
        );
        assert.equal(hashTree(project.dir), before, 'project unchanged');
      } finally {
        await helper.close();
        project.remove();
      }
    });

    it('cancellation kills the helper process tree at once', async () => {
      const db = await pg.freshDatabase();
      const project = projectWithUpgrade('import subprocess\nsubprocess.run(["sleep", "3600"])');
      const before = hashTree(project.dir);
      const controller = new AbortController();
      const helper = await AlembicHelper.start({
        projectDir: project.dir,
        python: venvPython(),
        databaseUrl: db.url,
        signal: controller.signal,
      });
      const pid = helper.pid as number;
      try {
        const upgrading = helper.upgrade('head');
        await eventually(() => processesMentioning('sleep 3600').length > 0);
        const sleepers = processesMentioning('sleep 3600');
        assert.ok(sleepers.length > 0, 'the migration started a child process');
        controller.abort();
        await assert.rejects(upgrading, RunnerCancelledError);
        assert.ok(
          await eventually(() => !isProcessAlive(pid) && sleepers.every((p) => !isProcessAlive(p))),
          'helper and its children gone',
        );
        assert.ok(
          await eventually(() => processesWorkingIn(project.dir).length === 0),
          'nothing left working in the project',
        );
        assert.equal(hashTree(project.dir), before, 'project unchanged');
      } finally {
        await helper.close();
        project.remove();
      }
    });
  });

  describe('python discovery', () => {
    it("prefers --python, then the project root's .venv/venv, then the editor's selected interpreter, then python3", () => {
      const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-ws-'));
      try {
        assert.deepEqual(
          discoverPython({ configured: '/opt/py', activeInterpreter: '/a/py', workspaceDir: workspace }).python,
          '/opt/py',
        );
        assert.deepEqual(discoverPython({ activeInterpreter: '/a/py', workspaceDir: workspace }).python, '/a/py');
        assert.deepEqual(discoverPython({ workspaceDir: workspace }), { python: 'python3', source: 'python3 on PATH' });
        fs.mkdirSync(path.join(workspace, 'venv', 'bin'), { recursive: true });
        fs.writeFileSync(path.join(workspace, 'venv', 'bin', 'python'), '');
        assert.deepEqual(discoverPython({ activeInterpreter: '/a/py', workspaceDir: workspace }), {
          python: path.join(workspace, 'venv', 'bin', 'python'),
          source: "the project's venv",
        });
        fs.mkdirSync(path.join(workspace, '.venv', 'bin'), { recursive: true });
        fs.writeFileSync(path.join(workspace, '.venv', 'bin', 'python'), '');
        assert.deepEqual(discoverPython({ workspaceDir: workspace }), {
          python: path.join(workspace, '.venv', 'bin', 'python'),
          source: "the project's .venv",
        });
      } finally {
        fs.rmSync(workspace, { recursive: true, force: true });
      }
    });
  });
});
