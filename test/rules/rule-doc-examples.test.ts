import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../server/src/config/config';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { lintApplicationFile } from '../../server/src/engine/application';
import { lintProject } from '../../server/src/engine/lint';
import { createProjectModel } from '../../server/src/model/project';
import { allRules } from '../../server/src/rules';
import type { Finding, Rule } from '../../server/src/rules/types';
import { record, recordText, TODAY, type RecordFields } from '../decisions/support';
import { engineReady } from '../support/engine';

/**
 * Every rule's documented examples are linted, with every rule as `schema-warden lint` runs them:
 * the `bad` example gets at least one finding of the rule, the `good` example none. A doc can never
 * claim what its rule does not do (typescript-eslint's docs test does the same).
 *
 * An example is one revision unless it says otherwise: `# versions/NAME.py` headers split it into
 * files. What an example only states in a comment (a decision record's status, a committed
 * history, a table created earlier) is set up by CONTEXT below, never by editing the example.
 */

type Which = 'bad' | 'good';

interface Context {
  /** Revision files that exist beside the example (name → source). */
  files?: Partial<Record<Which, Record<string, string>>>;
  /** Decision records in docs/decisions (file name → front matter). */
  records?: Partial<Record<Which, Record<string, RecordFields>>>;
  /** Lints the example in some other way (application code, fixtures, git history, decision records). */
  lint?(example: string, which: Which, rule: Rule): Finding[];
}

/** The revision id the examples' comments use for "this revision". */
const REVISION = '3f2a1c';

const BASE_A0 = 'revision = "a0"\ndown_revision = None\n';

const CONTEXT: Record<string, Context> = {
  // Two heads off a0; the good example merges them.
  SW107: {
    files: {
      bad: { 'a0_base.py': BASE_A0 },
      good: {
        'a0_base.py': BASE_A0,
        'b1_add_note.py': 'revision = "b1"\ndown_revision = "a0"\n',
        'c1_add_index.py': 'revision = "c1"\ndown_revision = "a0"\n',
      },
    },
  },
  SW108: { lint: lintEditedHistory },
  // The good example cites decision 0007.
  SW202: { records: { good: { '0007-drop-legacy-code.md': { rules: ['SW202'], revisions: [REVISION] } } } },
  // The good example cites decision 0004: accepted, rules [SW304], revisions ["3f2a1c"].
  SW304: {
    records: { good: { '0004-enable-citext.md': { id: '0004', rules: ['SW304'], revisions: [REVISION] } } },
  },
  SW305: {
    lint: (example, _which, rule) =>
      lintApplicationFile('/project/app/main.py', example, defaultConfig('/project'), undefined, { rules: [rule] }),
  },
  SW501: { lint: lintFixture },
  SW901: {
    lint: (example, _which, rule) =>
      [
        ...lintProject(project({}, [record('0007-allow-cascade.md', example)]), {
          rules: [rule],
          today: TODAY,
        }).values(),
      ].flat(),
  },
  // The bad example's record is only proposed; the good one's accepted, for SW303 in this revision.
  SW902: {
    records: {
      bad: { '0007-allow-cascade.md': { status: 'proposed', rules: ['SW303'], revisions: [REVISION] } },
      good: { '0007-allow-cascade.md': { status: 'accepted', rules: ['SW303'], revisions: [REVISION] } },
    },
  },
  SW903: {
    records: {
      bad: { '0007-allow-cascade.md': { rules: ['SW303'], revisions: [REVISION] } },
      good: { '0007-allow-cascade.md': { rules: ['SW303'], revisions: [REVISION] } },
    },
  },
};

const ROOT = '/project';

function project(files: Record<string, string>, records: ReturnType<typeof record>[] = [], root = ROOT) {
  const models = Object.entries(files).map(([name, source]) =>
    analyzeOnce(path.join(root, 'alembic', 'versions', name), source),
  );
  return createProjectModel(root, defaultConfig(root), models, undefined, records);
}

/** The example's files: split on `# versions/NAME.py` header lines, else one revision `3f2a1c`. */
function filesOf(example: string): Record<string, string> {
  const parts = example.split(/^(?=# versions\/\S+\.py)/m).filter((part) => part.trim() !== '');
  if (parts.length === 1 && !/^# versions\//.test(parts[0]))
    return { [`${REVISION}_example.py`]: `${example}\n\nrevision = "${REVISION}"\n` };
  const files: Record<string, string> = {};
  for (const part of parts) {
    const name = /^# versions\/(\S+\.py)/.exec(part)![1];
    files[name] = /^revision\s*=/m.test(part) ? part : `${part}\n\nrevision = "${REVISION}"\n`;
  }
  return files;
}

function lintExample(rule: Rule, example: string, which: Which): Finding[] {
  const context = CONTEXT[rule.meta.id] ?? {};
  if (context.lint) return context.lint(example, which, rule).filter((f) => f.ruleId === rule.meta.id);
  const files = { ...context.files?.[which], ...filesOf(example) };
  const records = Object.entries(context.records?.[which] ?? {}).map(([name, fields]) =>
    record(name, recordText(fields)),
  );
  const results = lintProject(project(files, records), { rules: allRules, today: TODAY });
  return [...results.values()].flat().filter((f) => f.ruleId === rule.meta.id);
}

/** SW501: the example is a fixture file in tests/fixtures/ of a project whose revisions create `invoice (id, total)`. */
function lintFixture(example: string, _which: Which, rule: Rule): Finding[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-doc-example-'));
  try {
    const fixture = path.join(root, /^-- (\S+)/.exec(example)?.[1] ?? 'tests/fixtures/example.sql');
    fs.mkdirSync(path.dirname(fixture), { recursive: true });
    fs.writeFileSync(fixture, example);
    const invoice =
      'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n' +
      '    op.create_table("invoice", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("total", sa.Numeric()))\n';
    return [...lintProject(project({ 'a1_invoice.py': invoice }, [], root), { rules: [rule] }).values()].flat();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * SW108: a git repository where a1 (the invoice table without `note`) and its child b2 are
 * committed. The bad example is a1 edited afterwards; the good one a new revision c3 on top.
 */
function lintEditedHistory(example: string, which: Which, rule: Rule): Finding[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-doc-example-'));
  const versions = path.join(root, 'alembic', 'versions');
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
      { cwd: root, stdio: 'ignore' },
    );
  try {
    fs.mkdirSync(versions, { recursive: true });
    git('init', '-q');
    const a1 =
      'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n' +
      '    op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True))\n';
    fs.writeFileSync(path.join(versions, 'a1_add_invoice.py'), a1);
    fs.writeFileSync(path.join(versions, 'b2_child.py'), 'revision = "b2"\ndown_revision = "a1"\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'a1 and b2');
    const [name, source] = Object.entries(filesOf(example))[0];
    const edited =
      which === 'bad'
        ? ['a1_add_invoice.py', source.replace(`revision = "${REVISION}"`, 'revision = "a1"\ndown_revision = None')]
        : [name, source.replace(`revision = "${REVISION}"`, 'revision = "c3"\ndown_revision = "b2"')];
    fs.writeFileSync(path.join(versions, edited[0]), edited[1]);
    const models = fs
      .readdirSync(versions)
      .sort()
      .map((f) => analyzeOnce(path.join(versions, f), fs.readFileSync(path.join(versions, f), 'utf8')));
    const proj = createProjectModel(root, defaultConfig(root), models);
    return [...lintProject(proj, { rules: [rule] }).values()].flat();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('rule docs: every documented example', () => {
  before(() => engineReady);
  for (const rule of allRules) {
    const { id } = rule.meta;
    // SW510 is the runner's verdict on a real PostgreSQL, not a static check: its bad example's shape
    // (a downgrade that leaves an index behind) is verified in test/runner/cli.test.ts.
    if (id === 'SW510') continue;
    it(`${id}: the bad example is reported, the good one is not`, () => {
      const bad = lintExample(rule, rule.meta.docs.bad, 'bad');
      assert.ok(bad.length > 0, `${id}'s bad example gets no ${id} finding`);
      const good = lintExample(rule, rule.meta.docs.good, 'good');
      assert.deepEqual(
        good.map((f) => `${f.range.start.line + 1}: ${f.message}`),
        [],
        `${id}'s good example gets ${id} findings`,
      );
    });
  }
});
