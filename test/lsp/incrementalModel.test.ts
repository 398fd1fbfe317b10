// The language server's incremental model (parse/pyTreeReuse.ts, model/nodeMemo.ts): after any
// sequence of edits, the model and the published diagnostics must be exactly those of a fresh
// open of the final text.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { defaultConfig } from '../../server/src/config/config';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { lintRevision } from '../../server/src/engine/lint';
import { OpenDocument } from '../../server/src/lsp/documents';
import type { MigrationModel } from '../../server/src/model/migration';
import { createProjectModel } from '../../server/src/model/project';
import { engineReady } from '../support/engine';
import { revisionOfLines } from './latency';
import { ALEMBIC_INI, bundleServer, LspSession, makeWorkspace } from './lspSession';
import { batchRevision, createTableRevision, sqlRevision } from './revisionShapes';

const ROOT = '/p';
const FILE = `${ROOT}/alembic/versions/r1_report.py`;

/** A big revision of every shape: add_column calls and SQL, create_table, batch blocks, execute. */
function bigRevision(lines: number): string {
  const bodyOf = (source: string, fn: string): string[] => {
    const all = source.split('\n');
    const from = all.indexOf(`def ${fn}():`) + 1;
    const to = fn === 'upgrade' ? all.indexOf('def downgrade():') : all.length;
    return all.slice(from, to).filter((l) => l.trim() !== '');
  };
  const base = revisionOfLines(lines);
  const extra = [createTableRevision(), sqlRevision(), batchRevision()];
  const upgrade = extra.flatMap((s) => bodyOf(s, 'upgrade'));
  const downgrade = extra.flatMap((s) => bodyOf(s, 'downgrade'));
  return base
    .replace('def upgrade():\n', `def upgrade():\n${upgrade.join('\n')}\n`)
    .replace('def downgrade():\n', `def downgrade():\n${downgrade.join('\n')}\n`);
}

/** Everything the model says, functions left out and lazy fields read (JSON reads getters). */
function modelJson(model: MigrationModel): string {
  return JSON.stringify(model, (key, value: unknown) => (key === 'lines' ? undefined : value));
}

function findingsOf(model: MigrationModel): string {
  const project = createProjectModel(ROOT, defaultConfig(ROOT), [model]);
  return JSON.stringify(lintRevision(model, project).map(({ fixes, ...f }) => ({ ...f, fixes: fixes.length })));
}

interface Step {
  what: string;
  /** Offsets into the current text; several changes make one didChange. */
  changes: (text: string) => Array<{ start: number; end: number; text: string }>;
}

const after = (text: string, needle: string, from = 0): number => {
  const at = text.indexOf(needle, from);
  if (at < 0) throw new Error(`${needle} not found`);
  return at + needle.length;
};

/** Edits of each kind the issue names, on the big revision. */
const STEPS: Step[] = [
  {
    what: "inside an op's arguments (nullable=True → False)",
    changes: (t) => {
      const at = after(t, 'nullable=', t.indexOf('metric_40'));
      return [{ start: at, end: at + 4, text: 'False' }];
    },
  },
  {
    what: 'inside an op.execute SQL string',
    changes: (t) => {
      const at = t.indexOf('UPDATE report SET metric_30');
      return [{ start: at, end: at, text: 'DROP TABLE report_archive;\n        ' }];
    },
  },
  {
    what: 'a line added above every op',
    changes: (t) => {
      const at = after(t, 'def upgrade():\n');
      return [{ start: at, end: at, text: '    op.drop_column("report", "legacy")\n' }];
    },
  },
  {
    what: 'typing in the middle',
    changes: (t) => [{ start: after(t, 'metric_7'), end: after(t, 'metric_7'), text: 'x' }],
  },
  {
    what: 'syntax broken in the middle',
    changes: (t) => {
      const at = t.indexOf('    op.add_column("report", sa.Column("metric_55"');
      return [{ start: at, end: at, text: '    op.add_column("report", sa.Column(\n' }];
    },
  },
  {
    what: 'syntax fixed again',
    changes: (t) => {
      const at = t.indexOf('    op.add_column("report", sa.Column(\n');
      return [{ start: at, end: at + '    op.add_column("report", sa.Column(\n'.length, text: '' }];
    },
  },
  {
    what: 'the added line removed, and a comment at the top, in one didChange',
    changes: (t) => {
      const line = '    op.drop_column("report", "legacy")\n';
      const at = t.indexOf(line);
      // LSP applies the changes in order: the second one's offsets are in the text after the first.
      return [
        { start: at, end: at + line.length, text: '' },
        { start: 0, end: 0, text: '# squashed history\n' },
      ];
    },
  },
  {
    what: 'in a batch block and in the downgrade',
    changes: (t) => {
      const at = after(t, 'batch_op.add_column(sa.Column("rank", sa.Integer(), nullable=');
      const down = after(t, 'def downgrade():\n');
      return [
        { start: at, end: at + 4, text: 'False' },
        { start: down + 1, end: down + 1, text: '' },
      ];
    },
  },
];

describe('the incremental model (parse/pyTreeReuse.ts, model/nodeMemo.ts)', function () {
  this.timeout(120_000);
  before(() => engineReady);

  it('gives the model and findings of a fresh parse after each kind of edit, in-process', () => {
    const source = bigRevision(600);
    const doc = new OpenDocument(TextDocument.create(`file://${FILE}`, 'python', 1, source), FILE);
    try {
      doc.model();
      for (const step of STEPS) {
        for (const change of step.changes(doc.text.getText())) {
          const range = { start: doc.text.positionAt(change.start), end: doc.text.positionAt(change.end) };
          doc.applyChanges([{ range, text: change.text }], doc.version + 1);
        }
        const incremental = doc.model();
        const fresh = analyzeOnce(FILE, doc.text.getText());
        assert.equal(modelJson(incremental), modelJson(fresh), `model after: ${step.what}`);
        assert.equal(findingsOf(incremental), findingsOf(fresh), `findings after: ${step.what}`);
      }
    } finally {
      doc.dispose();
    }
  });

  it('gives the model of a fresh parse after random edits (fast-check, fixed seed)', () => {
    const source = bigRevision(120);
    const snippets = ['x', '\n', '    ', '"', '(', ')', ',', 'op.execute("DROP TABLE t")\n    ', '', '😀', '"""'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ a: fc.nat(), b: fc.nat(), text: fc.constantFrom(...snippets), parse: fc.boolean() }), {
          minLength: 1,
          maxLength: 10,
        }),
        (edits) => {
          const doc = new OpenDocument(TextDocument.create(`file://${FILE}`, 'python', 1, source), FILE);
          try {
            doc.model();
            for (const e of edits) {
              const length = doc.text.getText().length;
              const start = e.a % (length + 1);
              const end = Math.min(length, start + (e.b % 12));
              const range = { start: doc.text.positionAt(start), end: doc.text.positionAt(end) };
              doc.applyChanges([{ range, text: e.text }], doc.version + 1);
              if (e.parse) doc.model();
            }
            const incremental = doc.model();
            const fresh = analyzeOnce(FILE, doc.text.getText());
            assert.equal(modelJson(incremental), modelJson(fresh));
            assert.equal(findingsOf(incremental), findingsOf(fresh));
          } finally {
            doc.dispose();
          }
        },
      ),
      { seed: 1616, numRuns: 60 },
    );
  });

  it('publishes over stdio what a fresh open of the text publishes, after each kind of edit on a big revision', async () => {
    bundleServer();
    const source = bigRevision(2500);
    const root = makeWorkspace({
      'alembic.ini': ALEMBIC_INI,
      'alembic/env.py': '',
      'alembic/versions/r1_report.py': source,
    });
    const file = path.join(root, 'alembic', 'versions', 'r1_report.py');
    const edited = new LspSession(root);
    const fresh = new LspSession(root);
    try {
      await Promise.all([edited.initialize(), fresh.initialize()]);
      await edited.open(file, source);
      await edited.waitForDiagnostics(file, (d) => d.version === 1, 60_000);
      await fresh.open(file, source);
      await fresh.waitForDiagnostics(file, (d) => d.version === 1, 60_000);
      let text = source;
      const seen = new Set<string>();
      for (const step of STEPS) {
        const changes = step.changes(text);
        const lsp = [];
        for (const change of changes) {
          const doc = TextDocument.create('file:///x', 'python', 1, text);
          lsp.push({
            range: { start: doc.positionAt(change.start), end: doc.positionAt(change.end) },
            text: change.text,
          });
          text = text.slice(0, change.start) + change.text + text.slice(change.end);
        }
        await edited.change(file, lsp);
        const version = edited.version(file);
        // The whole-project rules (SW207 …) follow 150 ms after typing pauses: both sides are
        // compared once they have published them too.
        const incremental = await settled(
          edited,
          file,
          await edited.waitForDiagnostics(file, (d) => d.version === version, 60_000),
        );
        // The fresh side gets the whole text: no tree to reuse, nothing memoized for its nodes.
        await fresh.change(file, [{ text }]);
        const freshVersion = fresh.version(file);
        const expected = await settled(
          fresh,
          file,
          await fresh.waitForDiagnostics(file, (d) => d.version === freshVersion, 60_000),
        );
        assert.deepEqual(normalised(incremental), normalised(expected), `diagnostics after: ${step.what}`);
        seen.add(codesOf(incremental));
      }
      // The edits changed what is reported (the test would not notice a server that never re-lints).
      assert.ok(seen.size >= 3, `only ${seen.size} distinct sets of diagnostics over ${STEPS.length} edits`);
      assert.equal(fs.readFileSync(file, 'utf8'), source, 'nothing was written to disk');
    } finally {
      await Promise.all([edited.stop(), fresh.stop()]);
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

/** The last diagnostics published for `file` once none has come for a second. */
async function settled(
  session: LspSession,
  file: string,
  first: PublishDiagnosticsParams,
): Promise<PublishDiagnosticsParams> {
  let last = first;
  for (;;) {
    try {
      last = await session.nextDiagnostics(file, () => true, 1000);
    } catch {
      return last;
    }
  }
}

/** The diagnostics without the document version each one's `data` carries (the two sessions count versions apart). */
function normalised(p: PublishDiagnosticsParams): Diagnostic[] {
  return p.diagnostics.map((d) => {
    const data = d.data as { version?: number } | undefined;
    return { ...d, data: data ? { ...data, version: 0 } : data };
  });
}

function codesOf(p: PublishDiagnosticsParams): string {
  return p.diagnostics
    .map((d) => `${String(d.code)}@${d.range.start.line}:${d.range.start.character}`)
    .sort()
    .join(',');
}
