import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadDecisionRecords, parseDecisionRecord } from '../../server/src/decisions/parse';
import {
  createDecisionRecord,
  lineInsideTripleQuotedString,
  renderDecisionRecord,
  slugify,
} from '../../server/src/decisions/scaffold';
import { meaningfulText, validateDecisionRecords } from '../../server/src/decisions/validate';
import { allRules } from '../../server/src/rules';

const run = promisify(execFile);
const scaffoldModule = path.resolve(__dirname, '../../server/src/decisions/scaffold.js');

/** The folders this file made, removed when its tests are done (none is left in the temporary folder). */
const made: string[] = [];
after(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-decisions-'));
  made.push(dir);
  return dir;
}

describe('decision scaffolding', () => {
  it('slugifies titles safely: ASCII, no traversal, bounded length', () => {
    assert.equal(slugify('Allow ON DELETE CASCADE for audit rows'), 'allow-on-delete-cascade-for-audit-rows');
    assert.equal(slugify('Café crème — señor'), 'cafe-creme-senor');
    assert.equal(slugify('../../etc/passwd'), 'etc-passwd');
    assert.equal(slugify('..'), 'decision');
    assert.equal(slugify('日本語'), 'decision');
    const long = slugify('a very long title '.repeat(10));
    assert.ok(long.length <= 48 && !long.endsWith('-'), long);
    for (const title of ['a/b\\c', 'x..y', '  -- ', 'CON:NUL*?'])
      assert.match(slugify(title), /^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('renders front matter and the five sections; SW901 then asks only for the sections to be written', () => {
    const text = renderDecisionRecord('0003', {
      title: 'Enable "citext": case-insensitive e-mail',
      rules: ['SW304'],
      revisions: [],
      date: '2025-06-15',
    });
    const record = parseDecisionRecord('/d/0003-enable-citext.md', text);
    assert.equal(record.id?.value, '0003');
    assert.equal(record.title?.value, 'Enable "citext": case-insensitive e-mail');
    assert.equal(record.status?.value, 'proposed');
    assert.deepEqual(
      record.revisions.map((r) => r.value),
      ['*'],
    );
    assert.deepEqual(
      record.sections.map((s) => s.title),
      ['Context', 'Decision', 'Impact analysis', 'Rollback plan', 'Monitoring plan'],
    );
    assert.ok(record.sections.every((s) => meaningfulText(s.body) === ''));
    const problems = validateDecisionRecords([record], new Set(allRules.map((r) => r.meta.id)));
    assert.equal(problems.length, 5);
    assert.ok(problems.every((p) => /section is empty/.test(p.message)));
  });

  it('numbers records after the highest existing number and never overwrites', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '0004-older.md'), 'keep me');
    fs.writeFileSync(path.join(dir, 'README.md'), 'not a record');
    const first = createDecisionRecord({
      decisionsDir: dir,
      title: 'First',
      rules: ['SW303'],
      revisions: ['a1'],
      date: '2025-06-15',
    });
    const second = createDecisionRecord({ decisionsDir: dir, title: 'First', rules: ['SW303'], revisions: ['a1'] });
    assert.equal(first.id, '0005');
    assert.equal(second.id, '0006');
    assert.equal(fs.readFileSync(path.join(dir, '0004-older.md'), 'utf8'), 'keep me');
    assert.equal(path.basename(first.path), '0005-first.md');
  });

  it('gives 10 concurrent runs in separate processes 10 distinct numbers', async function () {
    this.timeout(30000);
    const dir = tempDir();
    const script = `const { writeNewRecord } = require(${JSON.stringify(scaffoldModule)});
      const r = writeNewRecord({ decisionsDir: process.argv[1], title: process.argv[2], rules: ['SW303'], revisions: [] });
      process.stdout.write(r.id);`;
    // Half share a title (same file name per number), half differ (different names, same number).
    const titles = Array.from({ length: 10 }, (_, i) => (i % 2 ? 'same title' : `title ${i}`));
    const results = await Promise.all(titles.map((title) => run(process.execPath, ['-e', script, dir, title])));
    const ids = results.map((r) => r.stdout).sort();
    assert.deepEqual(ids, ['0001', '0002', '0003', '0004', '0005', '0006', '0007', '0008', '0009', '0010']);
    const records = loadDecisionRecords(dir);
    assert.equal(records.length, 10);
    assert.deepEqual(
      records.map((r) => r.fileNumber),
      ids,
    );
    for (const r of records) assert.equal(r.id?.value, r.fileNumber, `${r.fileName} holds its own number`);
  });

  it('inserts the waiver comment above the line, with its indentation, and the SQL form inside SQL strings', () => {
    const dir = tempDir();
    const revision = path.join(dir, 'a1_audit.py');
    fs.writeFileSync(
      revision,
      [
        'def upgrade():',
        '    op.create_foreign_key("fk", "audit", "account", ["account_id"], ["id"], ondelete="CASCADE")',
        '    op.execute("""',
        '        CREATE EXTENSION citext;',
        '    """)',
        '',
      ].join('\n'),
    );
    const created = createDecisionRecord({
      decisionsDir: path.join(dir, 'docs', 'decisions'),
      title: 'Cascade audit',
      rules: ['SW303'],
      revisions: ['a1'],
      insertWaiver: { file: revision, line: 2 },
    });
    assert.deepEqual(created.waiver, { file: revision, line: 2, text: '# schema-warden: allow SW303 decision=0001' });
    const sql = createDecisionRecord({
      decisionsDir: path.join(dir, 'docs', 'decisions'),
      title: 'citext',
      rules: ['SW304'],
      revisions: ['a1'],
      insertWaiver: { file: revision, line: 5 },
    });
    assert.equal(sql.id, '0002');
    assert.deepEqual(fs.readFileSync(revision, 'utf8').split('\n'), [
      'def upgrade():',
      '    # schema-warden: allow SW303 decision=0001',
      '    op.create_foreign_key("fk", "audit", "account", ["account_id"], ["id"], ondelete="CASCADE")',
      '    op.execute("""',
      '        -- schema-warden: allow SW304 decision=0002',
      '        CREATE EXTENSION citext;',
      '    """)',
      '',
    ]);
  });

  it('refuses a waiver line outside the file before writing any record', () => {
    const dir = tempDir();
    const revision = path.join(dir, 'r.py');
    fs.writeFileSync(revision, 'x = 1\n');
    assert.throws(
      () =>
        createDecisionRecord({
          decisionsDir: path.join(dir, 'd'),
          title: 't',
          rules: ['SW303'],
          revisions: [],
          insertWaiver: { file: revision, line: 9 },
        }),
      /line 9 is not in the file/,
    );
    assert.equal(fs.existsSync(path.join(dir, 'd')), false);
  });

  it('knows when a line is inside a triple-quoted string', () => {
    const source = 'a = "x"  # """ not a string\nb = """\nSELECT 1\n"""\nc = 2\n';
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((line) => lineInsideTripleQuotedString(source, line)),
      [false, false, true, true, false],
    );
  });
});
