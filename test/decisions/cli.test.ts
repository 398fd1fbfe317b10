import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { recordText } from './support';

function memoryIo(cwd: string): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    cwd,
    isTTY: false,
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
  };
  return io;
}

/** The workspaces this file made, removed when its tests are done (none is left in the temporary folder). */
const made: string[] = [];
after(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** An Alembic project on disk: alembic.ini, one revision, application code, an empty decisions folder. */
function workspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-cli-decisions-'));
  made.push(root);
  fs.mkdirSync(path.join(root, '.git'));
  fs.mkdirSync(path.join(root, 'alembic', 'versions'), { recursive: true });
  fs.mkdirSync(path.join(root, 'app'));
  fs.mkdirSync(path.join(root, 'tests'));
  fs.writeFileSync(path.join(root, 'alembic.ini'), '[alembic]\nscript_location = alembic\n');
  fs.writeFileSync(
    path.join(root, 'alembic', 'versions', 'a1_audit.py'),
    [
      '"""Audit rows for accounts."""',
      'from alembic import op',
      '',
      'revision = "a1"',
      'down_revision = None',
      '',
      '',
      'def upgrade():',
      '    op.create_foreign_key("fk_audit_account", "audit", "account", ["account_id"], ["id"], ondelete="CASCADE")',
      '',
      '',
      'def downgrade():',
      '    op.drop_constraint("fk_audit_account", "audit", type_="foreignkey")',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(root, 'app', 'main.py'),
    'from app.db import Base, engine\n\nBase.metadata.create_all(bind=engine)\n',
  );
  fs.writeFileSync(path.join(root, 'tests', 'conftest.py'), 'Base.metadata.create_all(bind=engine)\n');
  return root;
}

describe('cli: schema-warden decision', () => {
  it('new writes the next record and the waiver; list shows it (text and JSON)', async () => {
    const root = workspace();
    const io = memoryIo(root);
    const code = await main(
      [
        'decision',
        'new',
        '--rule',
        'SW303',
        '--revision',
        'a1',
        '--title',
        'Cascade audit rows with their account',
        '--waive',
        'alembic/versions/a1_audit.py:9',
      ],
      io,
    );
    assert.equal(code, 0, io.err);
    assert.match(
      io.out,
      /^Created docs\/decisions\/0001-cascade-audit-rows-with-their-account\.md \(decision 0001, status: proposed\)/,
    );
    assert.match(io.out, /Inserted `# schema-warden: allow SW303 decision=0001` at alembic\/versions\/a1_audit\.py:9/);
    assert.equal(
      fs.readFileSync(path.join(root, 'alembic', 'versions', 'a1_audit.py'), 'utf8').split('\n')[8],
      '    # schema-warden: allow SW303 decision=0001',
    );

    const second = memoryIo(root);
    assert.equal(
      await main(['decision', 'new', '--rule', 'SW304,SW301', '--title', 'Enable citext'], second),
      0,
      second.err,
    );
    assert.match(second.out, /0002-enable-citext\.md/);

    const list = memoryIo(root);
    assert.equal(await main(['decision', 'list'], list), 0);
    assert.equal(
      list.out,
      '0001  proposed  Cascade audit rows with their account  [SW303]\n0002  proposed  Enable citext  [SW304, SW301]\n',
    );
    const json = memoryIo(root);
    assert.equal(await main(['decision', 'list', '--format', 'json'], json), 0);
    const parsed = JSON.parse(json.out) as {
      records: Array<{ id: string; status: string; revisions: string[]; path: string }>;
    };
    assert.deepEqual(
      parsed.records.map((r) => [r.id, r.status, r.revisions, r.path]),
      [
        ['0001', 'proposed', ['a1'], 'docs/decisions/0001-cascade-audit-rows-with-their-account.md'],
        ['0002', 'proposed', ['*'], 'docs/decisions/0002-enable-citext.md'],
      ],
    );
  });

  it('new refuses unknown rules, a missing title and a bad --waive (exit 2, nothing written)', async () => {
    const root = workspace();
    for (const argv of [
      ['decision', 'new', '--rule', 'SW999', '--title', 'x'],
      ['decision', 'new', '--rule', 'SW303'],
      ['decision', 'new', '--title', 'x'],
      ['decision', 'new', '--rule', 'SW303', '--title', 'x', '--waive', 'alembic/versions/a1_audit.py'],
      ['decision', 'new', '--rule', 'SW303', '--title', 'x', '--waive', 'alembic/versions/a1_audit.py:500'],
      ['decision', 'frobnicate'],
    ]) {
      const io = memoryIo(root);
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.notEqual(io.err, '', argv.join(' '));
    }
    assert.equal(fs.existsSync(path.join(root, 'docs', 'decisions')), false);
  });

  it('lint: the waiver counts once the record is accepted; records and application code are reported like files', async () => {
    const root = workspace();
    const io = memoryIo(root);
    await main(
      [
        'decision',
        'new',
        '--rule',
        'SW303',
        '--revision',
        'a1',
        '--title',
        'Cascade audit',
        '--waive',
        'alembic/versions/a1_audit.py:9',
      ],
      io,
    );
    const lintJson = async () => {
      const out = memoryIo(root);
      const code = await main(['lint', '--format', 'json', '--select', 'SW303,SW305,SW901,SW902,SW903'], out);
      return {
        code,
        report: JSON.parse(out.out) as {
          files: Array<{
            path: string;
            revision: string | null;
            diagnostics: Array<{ rule: string; line: number; message: string }>;
          }>;
        },
      };
    };
    // Proposed: the finding stays, SW902 says why, and SW901 asks for the empty sections.
    let { code, report } = await lintJson();
    assert.equal(code, 1);
    const byPath = new Map(report.files.map((f) => [f.path, f]));
    assert.deepEqual(
      byPath.get('alembic/versions/a1_audit.py')?.diagnostics.map((d) => `${d.line} ${d.rule}`),
      ['9 SW902', '10 SW303'],
    );
    assert.match(
      byPath.get('alembic/versions/a1_audit.py')?.diagnostics[0].message ?? '',
      /decision 0001 is proposed, not accepted/,
    );
    assert.deepEqual(
      byPath.get('app/main.py')?.diagnostics.map((d) => `${d.line} ${d.rule}`),
      ['3 SW305'],
    );
    assert.equal(byPath.get('app/main.py')?.revision, null);
    assert.equal(byPath.has('tests/conftest.py'), false, 'tests are not application code');
    const record = byPath.get('docs/decisions/0001-cascade-audit.md');
    assert.equal(record?.revision, null);
    assert.equal(record?.diagnostics.filter((d) => d.rule === 'SW901').length, 5);

    // Accepted and written: the finding disappears.
    fs.writeFileSync(
      path.join(root, 'docs', 'decisions', '0001-cascade-audit.md'),
      recordText({ id: '0001', rules: ['SW303'], revisions: ['a1'] }),
    );
    ({ code, report } = await lintJson());
    assert.deepEqual(
      report.files.map((f) => [f.path, f.diagnostics.map((d) => d.rule)]),
      [
        ['alembic/versions/a1_audit.py', []],
        ['app/main.py', ['SW305']],
      ],
    );
  });
});
