// `schema-warden verify` on an alembic.ini keeping its histories in named sections ([core],
// [tenant]; `alembic -n core`), with real Alembic on a real PostgreSQL; and where the editor's
// runner runs for a revision of such a project (schemaWarden/runLocation's answer).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { AlembicHelper } from '../../server/src/runner/alembicHelper';
import { runVerifyCommand } from '../../server/src/cli/commands/verify';
import { alembicRunLocation } from '../../server/src/model/discovery';
import { REPO_ROOT, usePostgresCluster, venvPython } from '../support/postgres';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'layouts', 'named-sections');

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

interface SectionReport {
  section?: string;
  result: { ok: boolean; revisions: Array<{ revision: string; status: string }> };
}

const revisionsOf = (report: SectionReport): string[] =>
  report.result.revisions.map((r) => `${r.revision} ${r.status}`);

describe('verify on an alembic.ini with named sections (real PostgreSQL, real Alembic)', function () {
  this.timeout(120_000);
  const pg = usePostgresCluster();
  let project: string;
  before(() => {
    project = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-sections-')), 'named-sections');
    fs.cpSync(FIXTURE, project, { recursive: true });
  });
  after(() => fs.rmSync(path.dirname(project), { recursive: true, force: true }));
  const on = () => ['--target', 'url', '--url', pg.url(), '--python', venvPython()];

  it('--name core round-trips [core]’s history only, and says which section', async () => {
    const r = await verify([...on(), '--name', 'core'], project);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Section \[core\] of alembic\.ini \(alembic -n core\):/);
    assert.match(r.stdout, /✓ k0010000k001/);
    assert.doesNotMatch(r.stdout, /t0010000t001/);
    assert.match(r.stdout, /Round trips OK: 1 of 1 revision\(s\)/);
  });

  it('-n tenant (Alembic’s short flag) round-trips [tenant]’s history, a package-resource script location', async () => {
    const r = await verify([...on(), '-n', 'tenant', '--format', 'json'], project);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as SectionReport;
    assert.equal(report.section, 'tenant');
    assert.deepEqual(revisionsOf(report), ['t0010000t001 passed', 't0020000t002 passed']);
  });

  it('without --name, verifies each section in turn and reports them together', async () => {
    const text = await verify(on(), project);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /Section \[core\] of alembic\.ini \(alembic -n core\), one of 2 verified in turn/);
    assert.match(text.stdout, /Section \[tenant\] of alembic\.ini \(alembic -n tenant\), one of 2 verified in turn/);
    assert.match(text.stdout, /Sections OK: \[core\] ok, \[tenant\] ok/);

    const json = await verify([...on(), '--format', 'json'], project);
    assert.equal(json.code, 0, json.stdout + json.stderr);
    const report = JSON.parse(json.stdout) as { ok: boolean; sections: SectionReport[] };
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.sections.map((s) => [s.section, revisionsOf(s)]),
      [
        ['core', ['k0010000k001 passed']],
        ['tenant', ['t0010000t001 passed', 't0020000t002 passed']],
      ],
    );
  });

  it('a failing history fails the run (exit 1) and is named; the other is still verified', async () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-sections-')), 'named-sections');
    try {
      fs.cpSync(FIXTURE, broken, { recursive: true });
      const revision = path.join(broken, 'shipyard/revisions/tenant/history/t002_berth_depth.py');
      // A downgrade that leaves the column behind: the round trip sees the difference.
      fs.writeFileSync(
        revision,
        fs.readFileSync(revision, 'utf8').replace('op.drop_column("berth", "depth_m")', 'pass'),
      );
      const r = await verify(on(), broken);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /✗ t0020000t002/);
      // The history's own version table (env.py's version_table) is Alembic's bookkeeping, not a difference or a lock.
      assert.doesNotMatch(r.stdout, /alembic_version_tenant/);
      assert.match(r.stdout, /Sections FAILED: \[core\] ok, \[tenant\] failed/);
    } finally {
      fs.rmSync(path.dirname(broken), { recursive: true, force: true });
    }
  });

  it('--drift without --name: exit 2 asking which history the database follows', async () => {
    const developer = await pg.freshDatabase();
    const r = await verify([...on(), '--drift', developer.url], project);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /alembic\.ini keeps 2 histories \(core, tenant\): name the one the database at --drift follows with --name/,
    );
  });

  it('--drift --name tenant reads the section’s own version table and finds what was added by hand', async () => {
    // The developer database follows [tenant], whose env.py keeps its revision in
    // alembic_version_tenant: the drift check must find the revision there, not in alembic_version.
    const developer = await pg.freshDatabase();
    const helper = await AlembicHelper.start({
      projectDir: project,
      python: venvPython(),
      databaseUrl: developer.url,
      iniSection: 'tenant',
    });
    try {
      await helper.upgrade('head');
    } finally {
      await helper.close();
    }
    const clean = await verify([...on(), '--drift', developer.url, '--name', 'tenant', '--format', 'json'], project);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    const report = JSON.parse(clean.stdout) as { result: { revisions: string[]; differences: unknown[] } };
    assert.deepEqual(report.result.revisions, ['t0020000t002'], clean.stdout);
    assert.deepEqual(report.result.differences, []);

    const client = new Client({ connectionString: developer.url });
    await client.connect();
    await client.query('ALTER TABLE berth ADD COLUMN pilot text');
    await client.end();
    const drift = await verify([...on(), '--drift', developer.url, '--name', 'tenant'], project);
    assert.equal(drift.code, 1, drift.stdout + drift.stderr);
    assert.match(drift.stdout, /column berth\.pilot exists in the database but in no migration/);
    assert.doesNotMatch(drift.stdout, /alembic_version_tenant/, 'Alembic’s bookkeeping is not drift');
  });

  it('--name of a section holding no history: exit 2 naming the sections there are', async () => {
    const r = await verify([...on(), '--name', 'billing'], project);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /alembic\.ini has no history in a section \[billing\]: its sections are \[core\], \[tenant\]/,
    );
  });
});

describe('where the editor’s runner runs a revision of a named-sections project', () => {
  it('the section whose history holds the revision, and every section', () => {
    const ini = path.join(FIXTURE, 'alembic.ini');
    const tenant = alembicRunLocation(ini, path.join(FIXTURE, 'shipyard/revisions/tenant/history/t001_berths.py'));
    assert.deepEqual(tenant, {
      projectDir: FIXTURE,
      configFile: 'alembic.ini',
      section: 'tenant',
      sections: ['core', 'tenant'],
    });
    assert.equal(
      alembicRunLocation(ini, path.join(FIXTURE, 'revisions/core/versions/k001_harbours.py')).section,
      'core',
    );
    const noRevision = alembicRunLocation(ini);
    assert.equal(noRevision.section, undefined, 'no revision at hand: the runner asks which history');
    assert.deepEqual(noRevision.sections, ['core', 'tenant']);
  });
});
