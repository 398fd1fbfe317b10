// `schema-warden lint` with no argument, run from the root of each layout fixture
// (test/fixtures/layouts/<layout>), lints exactly the layout's PostgreSQL revisions: the file list
// of `--format json` is compared in full. Also: nothing found is exit 2 (never a pass), files are
// judged by content, revision-globs work, and the project root is the one lint, `decision` and
// SW305 use.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { engineReady } from '../support/engine';

const LAYOUTS = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'layouts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], cwd: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd,
    isTTY: false,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

interface JsonReport {
  files: Array<{ path: string; revision: string | null; diagnostics: Array<{ rule: string }> }>;
}

/** The revision files of a JSON report (application files with SW305 findings have no revision). */
function revisionsOf(r: Run): string[] {
  const report = JSON.parse(r.stdout) as JsonReport;
  return report.files.filter((f) => f.revision !== null).map((f) => f.path);
}

/** The expected PostgreSQL revisions of each layout, relative to its root. */
const EXPECTED: Record<string, string[]> = {
  'flask-migrate': [
    'migrations/versions/4c1e9a7d2b10_create_member.py',
    'migrations/versions/9f03b25e6a41_create_notice.py',
  ],
  'src-package': [
    'src/ledger/db/migrations/versions/postgresql/0001_accounts.py',
    'src/ledger/db/migrations/versions/postgresql/0002_entries.py',
  ],
  'python-configured': [
    'inventory/schema/versions/20240105_items.py',
    'inventory/schema/versions/20240212_item_note.py',
  ],
  'root-ini-subfolder': [
    'services/db/migrations/versions/2023/0a_people.py',
    'services/db/migrations/versions/2024/0b_shifts.py',
  ],
  'several-projects': [
    'core/alembic/versions/c001_projects.py',
    'plugins/audit/audit_log/versions/a001_events.py',
    'plugins/audit/audit_log/versions/a002_event_actor.py',
    'plugins/billing/billing/migrations/versions/b001_invoices.py',
  ],
  'versions-helpers': ['migrations/versions/7d1_patients.py', 'migrations/versions/7d2_visits.py'],
  // alembic.ini with named sections ([core], [tenant]; `alembic -n tenant`), none in [alembic].
  'named-sections': [
    'revisions/core/versions/k001_harbours.py',
    'shipyard/revisions/tenant/history/t001_berths.py',
    'shipyard/revisions/tenant/history/t002_berth_depth.py',
  ],
};

describe('schema-warden lint finds the project wherever Alembic keeps it (layout fixtures)', () => {
  before(() => engineReady);
  const temps: string[] = [];
  after(() => {
    for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
  });
  const tempDir = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-layout-'));
    temps.push(d);
    return d;
  };
  /** A copy of a layout fixture, to change or write into. */
  const copyOf = (layout: string): string => {
    const d = path.join(tempDir(), layout);
    fs.cpSync(path.join(LAYOUTS, layout), d, { recursive: true });
    return d;
  };

  for (const [layout, expected] of Object.entries(EXPECTED)) {
    it(`${layout}: \`lint\` with no argument lints exactly its PostgreSQL revisions`, async () => {
      const r = await run(['lint', '--format', 'json'], path.join(LAYOUTS, layout));
      assert.deepEqual(revisionsOf(r), expected, r.stderr);
      assert.equal(r.code, 1, 'the fixtures have error findings (SW201: no comment on the tables)');
    });
  }

  it('src-package: the sqlite/ subfolder is left out, and the output says so once, naming the folder', async () => {
    const r = await run(['lint'], path.join(LAYOUTS, 'src-package'));
    const lines = r.stdout.split('\n').filter((l) => l.includes('Left out'));
    assert.equal(lines.length, 1, r.stdout);
    assert.match(
      lines[0],
      /src\/ledger\/db\/migrations\/versions\/sqlite: it is named for another database \(sqlite\)/,
    );
    assert.doesNotMatch(r.stdout, /5e5e5e5e0001/);
  });

  it(
    'named-sections: one project per named section, no complaint about [alembic] lacking ' +
      'script_location, and a history folder named alone is its section',
    async () => {
      const root = path.join(LAYOUTS, 'named-sections');
      const all = await run(['lint', '--format', 'json'], root);
      assert.doesNotMatch(all.stderr, /script_location/, all.stderr);
      const tenant = await run(['lint', '--format', 'json', 'shipyard/revisions/tenant/history'], root);
      assert.deepEqual(
        revisionsOf(tenant),
        ['shipyard/revisions/tenant/history/t001_berths.py', 'shipyard/revisions/tenant/history/t002_berth_depth.py'],
        tenant.stderr,
      );
      assert.doesNotMatch(tenant.stderr, /script_location/, tenant.stderr);
    },
  );

  it('flask-migrate: the ini has no script_location and no problem is reported about it', async () => {
    const r = await run(['lint'], path.join(LAYOUTS, 'flask-migrate'));
    assert.doesNotMatch(r.stdout + r.stderr, /script_location/);
  });

  it('flask-migrate: SW305 reads the application under the project root (`db.create_all()` of Flask-SQLAlchemy)', async () => {
    const r = await run(['lint', '--format', 'json'], path.join(LAYOUTS, 'flask-migrate'));
    const report = JSON.parse(r.stdout) as JsonReport;
    const app = report.files.filter((f) => f.revision === null);
    assert.deepEqual(
      app.map((f) => [f.path, f.diagnostics.map((d) => d.rule)]),
      [['app/devtools.py', ['SW305']]],
    );
  });

  it('versions-helpers: naming the versions folder lints its revisions only, never env.py, helpers, __init__.py or a template', async () => {
    const root = path.join(LAYOUTS, 'versions-helpers');
    const r = await run(['lint', '--format', 'json', 'migrations/versions'], root);
    assert.deepEqual(revisionsOf(r), EXPECTED['versions-helpers']);
    const folder = await run(['lint', '--format', 'json', 'migrations'], root);
    assert.deepEqual(revisionsOf(folder), EXPECTED['versions-helpers']);
  });

  it('a bare versions folder of a project configured in code is linted as that project: its env.py is read (#13 review)', async () => {
    // The twins of real-world shape sw603-lock-timeout-in-env-code-configured: env.py and
    // versions/, no alembic.ini; only the quiet one's env.py runs SET lock_timeout.
    const shapes = path.resolve(LAYOUTS, '..', 'real-world-shapes', 'sw603-lock-timeout-in-env-code-configured');
    const sw603 = async (twin: string, cwd: string, target: string): Promise<number> => {
      const r = await run(['lint', '--format', 'json', '--select', 'SW603', target], cwd);
      const report = JSON.parse(r.stdout) as JsonReport;
      assert.equal(report.files.length, 2, `${twin}: ${r.stderr}`);
      return report.files.flatMap((f) => f.diagnostics).length;
    };
    for (const twin of ['quiet', 'fires']) {
      const expected = twin === 'quiet' ? 0 : 1;
      const root = path.join(shapes, twin);
      assert.equal(await sw603(twin, root, 'versions'), expected, `${twin}: versions named from the project`);
      assert.equal(await sw603(twin, path.join(root, 'versions'), '.'), expected, `${twin}: '.' inside versions`);
      assert.equal(await sw603(twin, LAYOUTS, path.join(root, 'versions')), expected, `${twin}: an absolute path`);
    }
  });

  it('a non-revision file named on the command line is reported as such; with nothing else to lint, exit 2', async () => {
    const root = path.join(LAYOUTS, 'versions-helpers');
    const r = await run(['lint', 'migrations/versions/_ddl.py'], root);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /migrations\/versions\/_ddl\.py is not an Alembic revision \(no top-level `revision` and `down_revision`/,
    );
    const mixed = await run(
      ['lint', '--format', 'json', 'migrations/env.py', 'migrations/versions/7d1_patients.py'],
      root,
    );
    assert.deepEqual(revisionsOf(mixed), ['migrations/versions/7d1_patients.py']);
    assert.match(mixed.stderr, /migrations\/env\.py is not an Alembic revision/);
  });

  it('nothing found is never a pass: exit 2, saying what was searched and how to point the tool at the migrations', async () => {
    const empty = tempDir();
    fs.writeFileSync(path.join(empty, 'app.py'), 'print("hello")\n');
    for (const format of ['text', 'json', 'sarif']) {
      const r = await run(['lint', '--format', format], empty);
      assert.equal(r.code, 2, `${format}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /No Alembic revisions found\. Searched 1 folder at most 6 levels below/);
      assert.match(r.stderr, /alembic\.ini .*\[tool\.alembic\].*env\.py and versions\//);
      assert.match(r.stderr, /schema-warden lint path\/to\/migrations/);
      assert.doesNotMatch(r.stdout, /All checks passed/);
    }
    // A project whose versions/ holds no revision yet (only an __init__.py) is not a pass either.
    const bare = tempDir();
    fs.mkdirSync(path.join(bare, 'migrations', 'versions'), { recursive: true });
    fs.writeFileSync(path.join(bare, 'migrations', 'env.py'), 'from alembic import context\n');
    fs.writeFileSync(path.join(bare, 'migrations', 'versions', '__init__.py'), '');
    const r = await run(['lint'], bare);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /No Alembic revisions found/);
  });

  it('revision-globs works in the CLI as in the editor (no Alembic configuration at all)', async () => {
    const root = tempDir();
    fs.writeFileSync(
      path.join(root, 'pyproject.toml'),
      '[project]\nname = "x"\n\n[tool.schema-warden]\nrevision-globs = ["db/changes/*.py"]\n',
    );
    fs.mkdirSync(path.join(root, 'db', 'changes'), { recursive: true });
    const revision = (id: string, down: string): string =>
      `"""step ${id}"""\nfrom alembic import op\n\nrevision = "${id}"\ndown_revision = ` +
      `${down}\n\n\ndef upgrade():\n    op.execute("SELECT 1")\n\n\ndef ` +
      `downgrade():\n    op.execute("SELECT 1")\n`;
    fs.writeFileSync(path.join(root, 'db', 'changes', 'one.py'), revision('r1', 'None'));
    fs.writeFileSync(path.join(root, 'db', 'changes', 'two.py'), revision('r2', '"r1"'));
    fs.writeFileSync(path.join(root, 'db', 'changes', 'helpers.py'), 'def noop():\n    pass\n');
    const r = await run(['lint', '--format', 'json'], root);
    assert.deepEqual(revisionsOf(r), ['db/changes/one.py', 'db/changes/two.py'], r.stderr);
  });

  it('one project root: decisions-dir is relative to it, and `decision new`, `decision list` and `lint` agree from any folder', async () => {
    const root = copyOf('flask-migrate');
    fs.appendFileSync(path.join(root, 'pyproject.toml'), '\n[tool.schema-warden]\ndecisions-dir = "docs/adr"\n');
    const created = await run(
      ['decision', 'new', '--rule', 'SW204', '--revision', '9f03b25e6a41', '--title', 'Naive posted_at is kept'],
      path.join(root, 'migrations'),
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created \.\.\/docs\/adr\/0001-/);
    assert.ok(fs.existsSync(path.join(root, 'docs', 'adr')), 'the folder is under the project root, not migrations/');
    assert.ok(!fs.existsSync(path.join(root, 'migrations', 'docs')));
    const listed = await run(['decision', 'list', '--format', 'json'], root);
    assert.equal((JSON.parse(listed.stdout) as { decisionsDir: string }).decisionsDir, 'docs/adr');
    // lint sees the record: it is linted (SW901 says what the proposed record lacks) under the same folder.
    const r = await run(['lint', '--format', 'json'], root);
    const paths = (JSON.parse(r.stdout) as JsonReport).files.map((f) => f.path);
    assert.ok(
      paths.some((p) => p.startsWith('docs/adr/0001-')),
      `lint reads the records of docs/adr: ${paths.join(', ')}`,
    );
  });

  it('an alembic.ini with no script_location and no env.py beside it suggests the folder that holds env.py', async () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'alembic.ini'), '[alembic]\nsqlalchemy.url = postgresql:///x\n');
    fs.mkdirSync(path.join(root, 'migrations', 'versions'), { recursive: true });
    fs.writeFileSync(path.join(root, 'migrations', 'env.py'), 'from alembic import context\n');
    const r = await run(['lint'], root);
    assert.match(r.stdout + r.stderr, /add `script_location = %\(here\)s\/migrations` \(the folder holding env\.py\)/);
    assert.doesNotMatch(r.stdout + r.stderr, /%\(here\)s\/alembic/);
  });
});
