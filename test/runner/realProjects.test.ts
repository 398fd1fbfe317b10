// The runner on projects shaped like real ones (issue #12): any env.py, on the throwaway database
// only; Flask-Migrate; the built-in environment; --keep-going; exact blame. Each case is a real
// project run through `schema-warden verify` with real Alembic on a real PostgreSQL. A "development
// URL where nothing listens" is a TCP listener of the test's own that counts connections: none may
// ever arrive.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runVerifyCommand } from '../../server/src/cli/commands/verify';
import { debianPython, fixtureDir, usePostgresCluster, venvPython } from '../support/postgres';
import { flaskMigrateProject } from '../support/flaskMigrateProject';
import { breakDowngrade, projectWithUpgrade, replaceEnvPy, syntheticProject, type TempProject } from './projectFactory';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function verify(argv: string[], cwd: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runVerifyCommand(argv, {
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

/** A port where a development database would be: accepts TCP connections and counts them. */
interface Tripwire {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

async function tripwire(): Promise<Tripwire> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const ENV_HEADER = [
  'from logging.config import fileConfig',
  'from alembic import context',
  'from sqlalchemy import create_engine, engine_from_config, pool',
  '',
  'config = context.config',
  'if config.config_file_name is not None:',
  '    fileConfig(config.config_file_name)',
  '',
];

/** env.py reading sqlalchemy.url from the ini, with NullPool, that never closes its connection. */
const LEAKY_NULLPOOL_ENV = [
  ...ENV_HEADER,
  'def run_migrations_online():',
  '    engine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)',
  '    connection = engine.connect()  # never closed: harmless when each command is its own process',
  '    context.configure(connection=connection, target_metadata=None)',
  '    with context.begin_transaction():',
  '        context.run_migrations()',
  '',
  'run_migrations_online()',
  '',
].join('\n');

/** The project's alembic.ini (logging sections included) with `url` as its sqlalchemy.url. */
function iniWithUrl(project: TempProject, url: string): string {
  const ini = fs.readFileSync(path.join(project.dir, 'alembic.ini'), 'utf8');
  return ini.replace(/^sqlalchemy\.url = .*$/m, `sqlalchemy.url = ${url}`);
}

describe('runner: real project shapes through schema-warden verify (real PostgreSQL, real Alembic)', function () {
  this.timeout(180_000);
  const pg = usePostgresCluster();
  const on = () => ['--target', 'url', '--url', pg.url()];
  const projects: TempProject[] = [];
  const track = (project: TempProject) => {
    projects.push(project);
    return project;
  };
  after(() => {
    for (const project of projects) project.remove();
  });

  for (const [label, python] of [
    ['venv', venvPython],
    ['Debian', debianPython],
  ] as const) {
    it(`${label}: env.py with the ini's development URL, NullPool and a connection it never closes: exit 0, nothing reaches the development URL`, async () => {
      const dev = await tripwire();
      try {
        const project = track(syntheticProject(8));
        fs.writeFileSync(
          path.join(project.dir, 'alembic.ini'),
          iniWithUrl(project, `postgresql://dev:devpass@127.0.0.1:${dev.port}/app_dev`),
        );
        replaceEnvPy(project, LEAKY_NULLPOOL_ENV);
        const result = await verify([...on(), '--python', python(), project.dir], project.dir);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /Round trips OK: 8 of 8 revision\(s\)/);
        assert.match(result.stdout, /Environment: the project's migrations\/env\.py; every SQLAlchemy engine/);
        assert.equal(dev.connections(), 0, 'nothing connected to the development URL');
      } finally {
        await dev.close();
      }
    });
  }

  it('env.py with a hard-coded development URL: the engine is pointed at the scratch database, and the output says so', async () => {
    const dev = await tripwire();
    try {
      const project = track(syntheticProject(2));
      replaceEnvPy(
        project,
        [
          ...ENV_HEADER,
          `engine = create_engine("postgresql://dev:devpass@127.0.0.1:${dev.port}/app_dev")`,
          'with engine.connect() as connection:',
          '    context.configure(connection=connection)',
          '    with context.begin_transaction():',
          '        context.run_migrations()',
          '',
        ].join('\n'),
      );
      const result = await verify([...on(), '--python', venvPython(), project.dir], project.dir);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(
        result.stdout,
        new RegExp(
          `pointed at the throwaway database instead of postgresql://dev:\\*\\*\\*@127\\.0\\.0\\.1:${dev.port}/app_dev`,
        ),
      );
      assert.doesNotMatch(result.stdout, /devpass/, 'the password is never printed');
      assert.equal(dev.connections(), 0);
    } finally {
      await dev.close();
    }
  });

  it("an async env.py (Alembic's async template shape, asyncpg) with a hard-coded development URL: redirected, exit 0", async () => {
    const dev = await tripwire();
    try {
      const project = track(syntheticProject(2));
      replaceEnvPy(
        project,
        [
          'import asyncio',
          ...ENV_HEADER,
          'from sqlalchemy.ext.asyncio import async_engine_from_config',
          '',
          '',
          'def do_run_migrations(connection):',
          '    context.configure(connection=connection)',
          '    with context.begin_transaction():',
          '        context.run_migrations()',
          '',
          '',
          'async def run_async_migrations():',
          `    connectable = async_engine_from_config({"sqlalchemy.url": ` +
            `"postgresql+asyncpg://dev:devpass@127.0.0.1:${dev.port}/app_dev"}, prefix="sqlalchemy.", ` +
            `poolclass=pool.NullPool)`,
          '    async with connectable.connect() as connection:',
          '        await connection.run_sync(do_run_migrations)',
          '    await connectable.dispose()',
          '',
          '',
          'asyncio.run(run_async_migrations())',
          '',
        ].join('\n'),
      );
      const result = await verify([...on(), '--python', venvPython(), project.dir], project.dir);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(
        result.stdout,
        new RegExp(`instead of postgresql\\+asyncpg://dev:\\*\\*\\*@127\\.0\\.0\\.1:${dev.port}/app_dev`),
      );
      assert.equal(dev.connections(), 0);
    } finally {
      await dev.close();
    }
  });

  it('env.py connecting around SQLAlchemy (psycopg2.connect): refused before it connects, exit 2', async () => {
    const dev = await tripwire();
    try {
      const project = track(projectWithUpgrade('pass'));
      replaceEnvPy(
        project,
        [
          ...ENV_HEADER,
          'import psycopg2',
          `raw = psycopg2.connect(host="127.0.0.1", port=${dev.port}, dbname="app_dev", user="dev")`,
          'engine = create_engine("postgresql://", creator=lambda: raw)',
          'with engine.connect() as connection:',
          '    context.configure(connection=connection)',
          '    with context.begin_transaction():',
          '        context.run_migrations()',
          '',
        ].join('\n'),
      );
      const result = await verify([...on(), '--python', venvPython(), project.dir], project.dir);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(
        result.stderr,
        new RegExp(`connected to 127\\.0\\.0\\.1:${dev.port}/app_dev .*without going through SQLAlchemy.*refused`),
      );
      assert.equal(dev.connections(), 0);
    } finally {
      await dev.close();
    }
  });

  it('six revisions, three broken downgrades: --keep-going names exactly those three (text and JSON), exit 1', async () => {
    const project = track(syntheticProject(6));
    breakDowngrade(project, 3, 'pass  # leaves table t3 behind');
    breakDowngrade(project, 4, 'raise RuntimeError("legacy downgrade was never written")');
    breakDowngrade(project, 6, 'op.drop_table("no_such_table")');
    const text = await verify([...on(), '--python', venvPython(), '--keep-going', project.dir], project.dir);
    assert.equal(text.code, 1, text.stdout + text.stderr);
    assert.match(text.stdout, /Failing revisions \(3\):/);
    const listed = [...text.stdout.matchAll(/^ {2}(syn\d{9}) downgrade \(migrations\/versions\/[^)]+:\d+\): /gm)].map(
      (m) => m[1],
    );
    assert.deepEqual(listed, ['syn000000003', 'syn000000004', 'syn000000006']);
    assert.match(text.stdout, /syn000000003 downgrade .*table t3 is left behind/);
    assert.match(text.stdout, /syn000000004 downgrade .*RuntimeError: legacy downgrade was never written/);
    assert.match(text.stdout, /syn000000006 downgrade .*no_such_table/);
    assert.match(text.stdout, /✓ syn000000005/, 'the revision between two failures is verified');
    assert.match(text.stdout, /Round trips FAILED: 3 of 6 revision\(s\) came back down cleanly; 3 did not/);

    const json = await verify(
      [...on(), '--python', venvPython(), '--keep-going', '--format', 'json', project.dir],
      project.dir,
    );
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout) as {
      result: { ok: boolean; keepGoing: boolean; failures: Array<{ revision: string; step: string }> };
      diagnostics: Array<{ revision: string }>;
      environment: { mode: string };
    };
    assert.equal(report.result.keepGoing, true);
    assert.deepEqual(
      report.result.failures.map((f) => `${f.revision} ${f.step}`),
      ['syn000000003 downgrade', 'syn000000004 downgrade', 'syn000000006 downgrade'],
    );
    assert.deepEqual(
      report.diagnostics.map((d) => d.revision),
      ['syn000000003', 'syn000000004', 'syn000000006'],
    );
    assert.equal(report.environment.mode, 'project');

    // Without --keep-going: the first failure only, the rest not run.
    const first = await verify([...on(), '--python', venvPython(), project.dir], project.dir);
    assert.equal(first.code, 1);
    assert.match(first.stdout, /First failure: downgrade of syn000000003/);
    assert.match(first.stdout, /3 not run after the failure/);
  });

  it('--keep-going past a failing upgrade: its descendants are not run, with the reason; exit 1', async () => {
    const result = await verify(
      [...on(), '--python', venvPython(), '--keep-going', fixtureDir('failing-upgrade')],
      fixtureDir('failing-upgrade'),
    );
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /✓ cc0000000001/);
    assert.match(result.stdout, /✗ cc0000000002 .* upgrade failed/);
    assert.match(result.stdout, /· cc0000000003 .* not run: its ancestors cannot be applied: /);
    assert.match(result.stdout, /Failing revisions \(1\):\n {2}cc0000000002 upgrade/);
    assert.match(result.stdout, /1 not run \(an ancestor could not be applied\)/);
  });

  it('a revision that does not parse: exit 2 naming the file and line', async () => {
    const project = track(syntheticProject(2));
    const versions = path.join(project.dir, 'migrations', 'versions');
    const file = path.join(versions, fs.readdirSync(versions).find((f) => f.startsWith('syn000000002')) as string);
    fs.appendFileSync(file, '\ndef broken(:\n');
    const lines = fs.readFileSync(file, 'utf8').split('\n').length - 1;
    // --python as a path relative to where the command is typed
    const result = await verify([...on(), '--python', path.relative(project.dir, venvPython()), '.'], project.dir);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`SyntaxError: .*syn000000002_t2\\.py:${lines}\\)`));
  });

  it('env.py importing a module that is not installed: exit 2, naming the module, the line and the interpreter, saying to install', async () => {
    const project = track(projectWithUpgrade('pass'));
    replaceEnvPy(
      project,
      [...ENV_HEADER, 'import payments_sdk_not_installed', '', 'context.run_migrations()', ''].join('\n'),
    );
    const result = await verify([...on(), '--python', venvPython(), project.dir], project.dir);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(
      result.stderr,
      /migrations\/env\.py:9 imports payments_sdk_not_installed, which is not installed in \S+python\S*: ModuleNotFoundError/,
    );
    assert.match(result.stderr, /dependencies are not installed in that interpreter.*pip install -e \..*--python/s);
  });

  it('no env.py: exit 2, a setup problem naming the path looked for', async () => {
    const project = track(replaceEnvPy(projectWithUpgrade('pass'), null));
    const result = await verify([...on(), '--python', venvPython(), project.dir], project.dir);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.ok(
      result.stderr.includes(`No env.py at ${path.join(fs.realpathSync(project.dir), 'migrations', 'env.py')}`),
      result.stderr,
    );
    assert.match(result.stderr, /setup problem/);
  });

  it(
    'env.py needing a production secret (read by an app module on prepend_sys_path): exit 2 ' +
      'naming that module and suggesting --env builtin; with --env builtin: exit 0',
    async () => {
      const project = track(syntheticProject(3));
      fs.mkdirSync(path.join(project.dir, 'payments'));
      fs.writeFileSync(path.join(project.dir, 'payments', '__init__.py'), '');
      fs.writeFileSync(
        path.join(project.dir, 'payments', 'settings.py'),
        ['import os', '', 'SIGNING_SECRET = os.environ["PAYMENTS_SIGNING_SECRET"]  # only production has it', ''].join(
          '\n',
        ),
      );
      replaceEnvPy(
        project,
        [
          ...ENV_HEADER,
          'from payments.settings import SIGNING_SECRET  # the project root is on sys.path (prepend_sys_path = .)',
          'engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)',
          'with engine.connect() as connection:',
          '    context.configure(connection=connection)',
          '    with context.begin_transaction():',
          '        context.run_migrations()',
          '',
        ].join('\n'),
      );
      const own = await verify([...on(), '--python', venvPython(), project.dir], project.dir);
      assert.equal(own.code, 2, own.stdout + own.stderr);
      assert.match(
        own.stderr,
        /The project's env\.py failed at payments\/settings\.py:3 \(reached from migrations\/env\.py:9\): KeyError: 'PAYMENTS_SIGNING_SECRET'/,
      );
      assert.match(own.stderr, /--env builtin/);
      assert.doesNotMatch(own.stderr, /fails the same way/, 'no claim about a plain Alembic run that did not happen');

      const builtin = await verify([...on(), '--python', venvPython(), '--env', 'builtin', project.dir], project.dir);
      assert.equal(builtin.code, 0, builtin.stdout + builtin.stderr);
      assert.match(builtin.stdout, /Environment: Schema Warden's built-in env\.py/);
      assert.match(builtin.stdout, /Round trips OK: 3 of 3/);
    },
  );

  it('a revision importing a module that is not installed: exit 2 naming the revision file, the module and the install', async () => {
    const project = track(syntheticProject(2));
    const versions = path.join(project.dir, 'migrations', 'versions');
    const file = path.join(versions, fs.readdirSync(versions).find((f) => f.startsWith('syn000000002')) as string);
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace('import sqlalchemy as sa', 'import sqlalchemy as sa\nimport geoalchemy_not_installed'),
    );
    const result = await verify([...on(), '--python', venvPython(), project.dir], project.dir);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(
      result.stderr,
      /migrations\/versions\/syn000000002_t2\.py:4 imports geoalchemy_not_installed, which is not installed in \S+/,
    );
    assert.match(result.stderr, /pip install -e \./);
  });

  describe("Flask-Migrate: an application factory, Flask-Migrate's own layout and env.py (Debian's flask-migrate)", () => {
    let project: TempProject;
    let dev: Tripwire;
    before(async function () {
      this.timeout(60_000);
      dev = await tripwire();
      project = track(flaskMigrateProject(debianPython(), `postgresql://shop:devpass@127.0.0.1:${dev.port}/shop_dev`));
    });
    after(async () => {
      await dev?.close();
    });

    it('found as flask finds it (wsgi.py): exit 0, run inside the app context, nothing reaches the development URL', async () => {
      const result = await verify([...on(), '--python', debianPython()], project.dir);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /Round trips OK: 2 of 2/);
      assert.match(result.stdout, /the project's migrations\/env\.py, inside the Flask application wsgi\.py/);
      assert.match(
        result.stdout,
        new RegExp(`instead of postgresql://shop:\\*\\*\\*@127\\.0\\.0\\.1:${dev.port}/shop_dev`),
      );
      assert.equal(dev.connections(), 0);
    });

    it('named with --flask-app when there is no wsgi.py/app.py; without it, exit 2 saying how to name it', async () => {
      fs.renameSync(path.join(project.dir, 'wsgi.py'), path.join(project.dir, 'serve.py'));
      try {
        const missing = await verify([...on(), '--python', debianPython()], project.dir);
        assert.equal(missing.code, 2, missing.stdout + missing.stderr);
        assert.match(missing.stderr, /Flask application, which was not found.*--flask-app/s);
        const named = await verify(
          [...on(), '--python', debianPython(), '--flask-app', 'shop:create_app()', project.dir],
          os.tmpdir(),
        );
        assert.equal(named.code, 0, named.stdout + named.stderr);
        assert.match(named.stdout, /inside the Flask application shop:create_app\(\) \(--flask-app\)/);
        assert.equal(dev.connections(), 0);
      } finally {
        fs.renameSync(path.join(project.dir, 'serve.py'), path.join(project.dir, 'wsgi.py'));
      }
    });
  });
});
