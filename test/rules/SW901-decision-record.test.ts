import * as assert from 'node:assert/strict';
import rule from '../../server/src/rules/SW901-decision-record';
import { lintProject } from '../../server/src/engine/lint';
import { engineReady } from '../support/engine';
import { projectWith, record, recordText, Snapshot } from '../decisions/support';

/** SW901 reports on the record files themselves: table-driven over record texts. */
interface Case {
  name: string;
  files: Record<string, string>;
  errors: Array<{ file: string; line: number; message: RegExp }>;
}

const valid: Case[] = [
  { name: 'a complete accepted record', files: { '0007-allow-cascade.md': recordText() }, errors: [] },
  {
    name: 'a superseded record with an expiry, rules as a scalar list, revisions "*"',
    files: {
      '0003-allow-citext.md': recordText({
        id: '0003',
        status: 'superseded',
        expires: '2025-12-31',
        rules: ['SW304', 'SW303'],
        revisions: ['*'],
      }),
    },
    errors: [],
  },
  {
    name: 'id written without quotes or leading zeros keeps working',
    files: { '0012-x.md': recordText().replace('id: "0007"', 'id: 12') },
    errors: [],
  },
  {
    name: 'headings in other case and with subsections',
    files: { '0007-x.md': recordText().replace('## Impact analysis', '## Impact Analysis\n\n### Tables') },
    errors: [],
  },
];

const invalid: Case[] = [
  {
    name: 'scaffold prompts left in place, a section missing',
    files: {
      '0007-x.md': recordText()
        .replace(
          'Recreate the foreign key without the action.',
          '<!-- How to undo the change, step by step, and what happens to data written in the meantime. -->',
        )
        .replace(/## Monitoring plan[\s\S]*$/, ''),
    },
    errors: [
      { file: '0007-x.md', line: 1, message: /^The "## Monitoring plan" section is missing/ },
      {
        file: '0007-x.md',
        line: 22,
        message: /^The "Rollback plan" section is empty \(or holds only the template's prompt\)/,
      },
    ],
  },
  {
    name: 'bad front matter values',
    files: {
      '0008-bad.md': recordText({ id: '0009', status: 'approved', rules: ['SW999', 'cascade'] }).replace(
        'date: 2025-01-10',
        'date: 2025-13-01',
      ),
    },
    errors: [
      { file: '0008-bad.md', line: 2, message: /^id "0009" does not match the number in the file name \(0008\)/ },
      { file: '0008-bad.md', line: 4, message: /^status "approved" is not one of proposed, accepted, superseded/ },
      { file: '0008-bad.md', line: 5, message: /^date "2025-13-01" is not a calendar date/ },
      { file: '0008-bad.md', line: 6, message: /^rules lists SW999, which is not a Schema Warden rule/ },
      { file: '0008-bad.md', line: 6, message: /^rules lists "cascade", which is not a rule id/ },
    ],
  },
  {
    name: 'no front matter at all',
    files: { '0002-notes.md': '# Notes\n\n## Context\n\nx\n' },
    errors: [
      { file: '0002-notes.md', line: 1, message: /"## Decision" section is missing/ },
      { file: '0002-notes.md', line: 1, message: /"## Impact analysis" section is missing/ },
      { file: '0002-notes.md', line: 1, message: /"## Monitoring plan" section is missing/ },
      { file: '0002-notes.md', line: 1, message: /"## Rollback plan" section is missing/ },
      { file: '0002-notes.md', line: 1, message: /has no front matter/ },
    ],
  },
  {
    name: 'invalid YAML and missing keys',
    files: {
      '0004-broken.md': recordText({ id: '0004' })
        .replace('title: Allow a cascade on audit rows', 'title: [unclosed')
        .replace(/revisions: .*\n/, ''),
    },
    errors: [
      { file: '0004-broken.md', line: 1, message: /^The front matter lacks revisions/ },
      { file: '0004-broken.md', line: 3, message: /^title must be a single value/ },
      { file: '0004-broken.md', line: 4, message: /^The front matter is not valid YAML/ },
    ],
  },
  {
    name: 'two records with the same id',
    files: { '0005-a.md': recordText({ id: '0005' }), '0005-b.md': recordText({ id: '5' }) },
    errors: [
      { file: '0005-a.md', line: 2, message: /^Decision id 0005 is also used by 0005-b\.md/ },
      { file: '0005-b.md', line: 2, message: /^Decision id 0005 is also used by 0005-a\.md/ },
    ],
  },
];

describe('SW901 decision-record', () => {
  before(() => engineReady);
  const snapshot = new Snapshot('SW901');
  const run = (c: Case) => {
    const records = Object.entries(c.files).map(([name, text]) => record(name, text));
    const results = lintProject(projectWith({}, records), { rules: [rule] });
    return records.map((r) => ({
      display: `docs/decisions/${r.fileName}`,
      text: r.text,
      record: r,
      findings: results.get(r.path) ?? [],
    }));
  };
  describe('valid', () => {
    for (const c of valid)
      it(c.name, () =>
        assert.deepEqual(
          run(c).flatMap((f) => f.findings.map((x) => x.message)),
          [],
        ),
      );
  });
  describe('invalid', () => {
    for (const c of invalid) {
      it(c.name, () => {
        const files = run(c);
        snapshot.add(c.name, files);
        const actual = files.flatMap((f) =>
          f.findings.map((x) => ({
            file: f.record.fileName,
            line: x.range.start.line + 1,
            message: x.message,
            finding: x,
            lines: f.record.lines,
          })),
        );
        assert.equal(actual.length, c.errors.length, actual.map((a) => `${a.file}:${a.line} ${a.message}`).join('\n'));
        c.errors.forEach((expected, i) => {
          assert.equal(actual[i].file, expected.file);
          assert.equal(actual[i].line, expected.line, `finding ${i + 1}: ${actual[i].message}`);
          assert.match(actual[i].message, expected.message);
          // Ranges come from the record's own text, not from a revision.
          assert.deepEqual(
            actual[i].finding.range,
            actual[i].lines.rangeOf(actual[i].finding.span.start, actual[i].finding.span.end),
          );
        });
      });
    }
  });
  after(() => snapshot.check());
});
