// The language server finds the same projects and revisions as `schema-warden lint` (one
// discovery module): each layout fixture (test/fixtures/layouts/<layout>) opened as a workspace
// gets diagnostics on exactly its PostgreSQL revisions, and nothing on env.py, helpers or
// templates. And the extension's activation events match a file of every layout.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import picomatch from 'picomatch';
import { bundleServer, LspSession, REPO, uriOf } from './lspSession';

const LAYOUTS = path.join(REPO, 'test', 'fixtures', 'layouts');

/** The expected PostgreSQL revisions of each layout (the same lists as test/cli/layouts.test.ts). */
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
  'named-sections': [
    'revisions/core/versions/k001_harbours.py',
    'shipyard/revisions/tenant/history/t001_berths.py',
    'shipyard/revisions/tenant/history/t002_berth_depth.py',
  ],
};

function filesOf(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out;
}

describe('language server: the layouts the CLI finds (one discovery module)', () => {
  let root = '';
  let session: LspSession | undefined;
  before(() => bundleServer());
  afterEach(async () => {
    await session?.stop();
    session = undefined;
    if (root) fs.rmSync(path.dirname(root), { recursive: true, force: true });
  });
  const openLayout = async (layout: string): Promise<void> => {
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-lsp-layout-')), layout);
    fs.cpSync(path.join(LAYOUTS, layout), root, { recursive: true });
    session = new LspSession(root);
    await session.initialize();
  };

  for (const [layout, expected] of Object.entries(EXPECTED)) {
    it(`${layout}: diagnostics on exactly its PostgreSQL revisions`, async () => {
      await openLayout(layout);
      const s = session as LspSession;
      const status = await s.waitForStatus((st) => st.state === 'ready', 20_000);
      assert.equal(status.filesAnalysed, expected.length);
      for (const rel of expected)
        await s.waitForDiagnostics(path.join(root, rel), (d) => d.diagnostics.some((x) => x.code === 'SW201'));
      const published = [...s.diagnostics.keys()].filter((uri) => uri.endsWith('.py')).sort();
      assert.deepEqual(published, expected.map((rel) => uriOf(path.join(root, rel))).sort());
    });
  }

  it("schemaWarden/runLocation: Flask-Migrate's migrations/alembic.ini runs from the folder above; bad params are an error, not a crash", async () => {
    await openLayout('flask-migrate');
    const s = session as LspSession;
    await s.waitForStatus((st) => st.state === 'ready', 20_000);
    const ini = path.join(root, 'migrations', 'alembic.ini');
    assert.deepEqual(await s.connection.sendRequest('schemaWarden/runLocation', { configFile: ini }), {
      projectDir: root,
      configFile: path.join('migrations', 'alembic.ini'),
    });
    await assert.rejects(s.connection.sendRequest('schemaWarden/runLocation', { configFile: 3 }), /absolute path/);
    await assert.rejects(s.connection.sendRequest('schemaWarden/runLocation', null), /absolute path/);
    // Still answering.
    assert.equal(
      ((await s.connection.sendRequest('schemaWarden/runLocation', { configFile: ini })) as { projectDir: string })
        .projectDir,
      root,
    );
  });

  it('schemaWarden/runLocation: with named sections in alembic.ini, the section of the revision at hand', async () => {
    await openLayout('named-sections');
    const s = session as LspSession;
    await s.waitForStatus((st) => st.state === 'ready', 20_000);
    const ini = path.join(root, 'alembic.ini');
    const revisionFile = path.join(root, 'shipyard', 'revisions', 'tenant', 'history', 't002_berth_depth.py');
    assert.deepEqual(await s.connection.sendRequest('schemaWarden/runLocation', { configFile: ini, revisionFile }), {
      projectDir: root,
      configFile: 'alembic.ini',
      section: 'tenant',
      sections: ['core', 'tenant'],
    });
    assert.deepEqual(await s.connection.sendRequest('schemaWarden/runLocation', { configFile: ini }), {
      projectDir: root,
      configFile: 'alembic.ini',
      sections: ['core', 'tenant'],
    });
    await assert.rejects(
      s.connection.sendRequest('schemaWarden/runLocation', { configFile: ini, revisionFile: 'relative.py' }),
      /revisionFile must be an absolute path/,
    );
  });

  it('a helper in versions/ opened in the editor is not a revision; a new file there becomes one once it has its identifiers', async () => {
    await openLayout('versions-helpers');
    const s = session as LspSession;
    await s.waitForStatus((st) => st.state === 'ready', 20_000);
    const helper = path.join(root, 'migrations', 'versions', '_ddl.py');
    await s.open(helper);
    const fresh = path.join(root, 'migrations', 'versions', '7d3_rooms.py');
    fs.writeFileSync(fresh, '');
    await s.open(fresh, '');
    await s.change(fresh, [
      {
        text:
          '"""rooms"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = ' +
          '"7d3000000003"\ndown_revision = "7d2000000002"\n\n\ndef ' +
          'upgrade():\n    op.create_table("room", sa.Column("id", sa.Uuid(), ' +
          'primary_key=True))\n\n\ndef downgrade():\n    op.drop_table("room")\n',
      },
    ]);
    await s.waitForDiagnostics(fresh, (d) => d.diagnostics.some((x) => x.code === 'SW201'));
    const helperDiagnostics = s.diagnostics.get(uriOf(helper))?.diagnostics ?? [];
    assert.deepEqual(
      helperDiagnostics.map((d) => d.code),
      [],
      'the helper module gets no revision findings (no SW101 "no downgrade", no SW201 …)',
    );
  });

  it('an env.py created beside a versions/ folder makes it a project (Alembic configured in Python), without a restart', async () => {
    await openLayout('python-configured');
    const s = session as LspSession;
    await s.waitForStatus((st) => st.state === 'ready' && st.filesAnalysed === 2, 20_000);
    const other = path.join(root, 'inventory', 'archive');
    fs.mkdirSync(path.join(other, 'versions'), { recursive: true });
    const revision = path.join(other, 'versions', 'r1_bins.py');
    fs.writeFileSync(
      revision,
      '"""bins"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = ' +
        '"r1"\ndown_revision = None\n\n\ndef upgrade():\n    op.create_table("bin", sa.Column("id", ' +
        'sa.Uuid(), primary_key=True))\n\n\ndef downgrade():\n    op.drop_table("bin")\n',
    );
    fs.writeFileSync(path.join(other, 'env.py'), 'from alembic import context\n');
    await s.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [
        { uri: uriOf(revision), type: 1 },
        { uri: uriOf(path.join(other, 'env.py')), type: 1 },
      ],
    });
    await s.waitForDiagnostics(revision, (d) => d.diagnostics.some((x) => x.code === 'SW201'), 20_000);
  });

  it('one project root: the editor writes a decision record where `schema-warden decision` and `lint` look (decisions-dir relative to it)', async () => {
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-lsp-layout-')), 'flask-migrate');
    fs.cpSync(path.join(LAYOUTS, 'flask-migrate'), root, { recursive: true });
    fs.appendFileSync(path.join(root, 'pyproject.toml'), '\n[tool.schema-warden]\ndecisions-dir = "docs/adr"\n');
    session = new LspSession(root);
    await session.initialize();
    await session.waitForStatus((st) => st.state === 'ready', 20_000);
    const revision = path.join(root, EXPECTED['flask-migrate'][1]);
    const created = await session.connection.sendRequest<{ id: string; uri: string }>('schemaWarden/newDecision', {
      title: 'Naive posted_at is kept',
      rules: ['SW204'],
      revisions: ['9f03b25e6a41'],
      uri: uriOf(revision),
    });
    assert.equal(path.dirname(fileURLToPath(created.uri)), path.join(root, 'docs', 'adr'));
    // The CLI, run from the migrations folder, names the same folder.
    const cli = spawnSync(
      process.execPath,
      [path.join(REPO, 'dist', 'cli.js'), 'decision', 'list', '--format', 'json'],
      {
        cwd: path.join(root, 'migrations'),
        encoding: 'utf8',
      },
    );
    assert.equal((JSON.parse(cli.stdout) as { decisionsDir: string }).decisionsDir, path.join('..', 'docs', 'adr'));
  });

  it("the extension's activation events match a file of every layout", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      activationEvents: string[];
    };
    const globs = manifest.activationEvents
      .filter((e) => e.startsWith('workspaceContains:'))
      .map((e) => e.slice('workspaceContains:'.length));
    const matches = picomatch(globs, { dot: false });
    for (const layout of Object.keys(EXPECTED)) {
      const hits = filesOf(path.join(LAYOUTS, layout)).filter((f) => matches(f));
      assert.ok(hits.length > 0, `${layout} activates the extension`);
    }
    // Flask-Migrate's and the no-ini layout's own marks, each enough on its own.
    assert.ok(matches('migrations/alembic.ini'));
    assert.ok(matches('inventory/schema/env.py'));
    assert.ok(matches('src/ledger/db/migrations/versions/postgresql/0001_accounts.py'));
  });
});
