// The incremental path: replaying LSP content changes on the tree-sitter tree must give the same
// tree and model as parsing the final text from scratch.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { parsePython } from '../../server/src/parse/python';
import { OpenDocument } from '../../server/src/lsp/documents';
import { safeEdits } from '../../server/src/lsp/codeActions';
import type { Finding } from '../../server/src/rules/types';
import type { MigrationModel } from '../../server/src/model/migration';
import { engineReady } from '../support/engine';

const BASE = `"""add note — ünïcödé 😀

Revision ID: a1
"""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None


def upgrade():
    op.add_column("account", sa.Column("note", sa.Text(), comment="free-text note"))
    op.execute("""
        CREATE INDEX ix_note ON account (note)
    """)


def downgrade():
    pass
`;

const SNIPPETS = [
  'x',
  '\n',
  '    ',
  '😀',
  'é',
  '"',
  '"""',
  '(',
  ')',
  'op.drop_column("account", "note")\n',
  '\r\n',
  '# c\n',
  '',
];

describe('OpenDocument: incremental re-parse', () => {
  before(() => engineReady);

  it('equals a fresh parse after any sequence of edits (UTF-16 offsets, astral characters, CRLF)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ a: fc.nat(), b: fc.nat(), text: fc.constantFrom(...SNIPPETS) }), {
          minLength: 1,
          maxLength: 12,
        }),
        (edits) => {
          const doc = new OpenDocument(
            TextDocument.create('file:///p/alembic/versions/a1.py', 'python', 1, BASE),
            '/p/alembic/versions/a1.py',
          );
          doc.model(); // start from a parsed tree, as the server does after didOpen
          let version = 1;
          for (const e of edits) {
            const length = doc.text.getText().length;
            const start = e.a % (length + 1);
            const end = Math.min(length, start + (e.b % 8));
            const range = { start: doc.text.positionAt(start), end: doc.text.positionAt(end) };
            doc.applyChanges([{ range, text: e.text }], ++version);
            if (e.a % 3 === 0) doc.model(); // parse between some edits, not all (several changes per didChange)
          }
          const text = doc.text.getText();
          const incremental = doc.model();
          const fresh = analyzeOnce('/p/alembic/versions/a1.py', text);
          const tree = parsePython(text);
          try {
            assert.equal(incremental.source, text);
            assert.deepEqual(
              incremental.operations.map((o) => [o.name, o.span]),
              fresh.operations.map((o) => [o.name, o.span]),
            );
            assert.deepEqual(incremental.downgrade?.span, fresh.downgrade?.span);
            assert.deepEqual(
              incremental.syntaxErrors.map((s) => s.span),
              fresh.syntaxErrors.map((s) => s.span),
            );
          } finally {
            tree.delete();
            doc.dispose();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('OpenDocument: a lone CR made or unmade by an edit', () => {
  before(() => engineReady);

  // The parser reads a lone CR as LF (parserInput): an edit right after a CR changes what the parser
  // reads just before the edit. tree-sitter re-reads that token (its lookahead reached the edit);
  // the reused tree copy must not keep it either.
  const cases: Array<[string, string, number, number, string]> = [
    ['a CRLF pair split: the CR becomes a lone line break', 'x = 1\r\ny = 2\n', 6, 7, ''],
    ['text typed between CR and LF', 'x = 1\r\ny = 2\n', 6, 6, '# note'],
    ['an LF after a lone CR makes a pair', 'x = 1\ry = 2\n', 6, 6, '\n'],
    ['a lone CR inside a call', 'op.add_column("t",\rsa.Column("c", sa.Text()))\n', 19, 19, '\n'],
  ];
  for (const [what, source, start, end, text] of cases)
    it(what, () => {
      const file = '/p/alembic/versions/a1.py';
      const doc = new OpenDocument(
        TextDocument.create(`file://${file}`, 'python', 1, `def upgrade():\n    ${source}`),
        file,
      );
      try {
        doc.model();
        const offset = 'def upgrade():\n    '.length;
        const range = { start: doc.text.positionAt(offset + start), end: doc.text.positionAt(offset + end) };
        doc.applyChanges([{ range, text }], 2);
        const fresh = analyzeOnce(file, doc.text.getText());
        const json = (m: MigrationModel): string =>
          JSON.stringify(m, (k, v: unknown) => (k === 'lines' ? undefined : v));
        assert.equal(json(doc.model()), json(fresh));
      } finally {
        doc.dispose();
      }
    });
});

describe('fix-all: safe edits', () => {
  const finding = (start: number, end: number, safe: boolean, ruleId = 'SW999'): Finding => ({
    ruleId,
    ruleName: 'x',
    severity: 'warning',
    message: 'm',
    path: '/f.py',
    span: { start, end },
    range: { start: { line: 0, character: start }, end: { line: 0, character: end } },
    related: [],
    fixes: [{ title: 't', safe, edits: [{ span: { start, end }, newText: 'y' }] }],
  });

  it('takes safe fixes only, and skips one that overlaps a fix already taken', () => {
    const edits = safeEdits([finding(0, 4, true), finding(2, 6, true), finding(10, 12, false), finding(20, 22, true)]);
    assert.deepEqual(
      edits.map((e) => [e.span.start, e.span.end]),
      [
        [0, 4],
        [20, 22],
      ],
    );
  });

  it('does not take two insertions at the same point', () => {
    const edits = safeEdits([finding(5, 5, true), finding(5, 5, true, 'SW998')]);
    assert.equal(edits.length, 1);
  });
});
