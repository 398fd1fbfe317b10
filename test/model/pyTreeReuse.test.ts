import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parsePython, type SyntaxEdit, type SyntaxTree } from '../../server/src/parse/python';
import { copyTree, type PyNode } from '../../server/src/parse/pyTree';
import { composeChanges, copyTreeReusing, type TextChange } from '../../server/src/parse/pyTreeReuse';
import { revisionOfLines } from '../lsp/latency';
import { batchRevision, createTableRevision, sqlRevision } from '../lsp/revisionShapes';
import { seedFiles } from '../fuzz/seeds';
import { engineReady } from '../support/engine';

/**
 * The language server copies tree-sitter's tree after each edit taking the untouched subtrees of
 * the previous copy (parse/pyTreeReuse.ts). The copy must be exactly what a full copy of the new
 * tree gives: the same nodes, types, fields, offsets and text, after any sequence of edits.
 */

interface Plain {
  type: string;
  field: string | undefined;
  start: number;
  end: number;
  named: boolean;
  text: string;
  children: Plain[];
}
function plain(node: PyNode): Plain {
  return {
    type: node.type,
    field: node.field,
    start: node.startIndex,
    end: node.endIndex,
    named: node.isNamed,
    text: node.text,
    children: node.children.map(plain),
  };
}

interface Replace {
  at: number;
  remove: number;
  insert: string;
}

/** Positions as tree-sitter wants them, counted in UTF-16 code units like the server's. */
function pointAt(text: string, index: number): { row: number; column: number } {
  const before = text.slice(0, index);
  const row = before.split('\n').length - 1;
  return { row, column: index - (before.lastIndexOf('\n') + 1) };
}

function applyEdit(text: string, tree: SyntaxTree, r: Replace): { text: string; change: TextChange } {
  const at = Math.min(r.at, text.length);
  const end = Math.min(at + r.remove, text.length);
  const next = text.slice(0, at) + r.insert + text.slice(end);
  const edit: SyntaxEdit = {
    startIndex: at,
    oldEndIndex: end,
    newEndIndex: at + r.insert.length,
    startPosition: pointAt(text, at),
    oldEndPosition: pointAt(text, end),
    newEndPosition: pointAt(next, at + r.insert.length),
  };
  tree.edit(edit);
  return { text: next, change: edit };
}

/** Replays `rounds` (each a few edits before the copy is made) and compares every copy with a full one. */
function replay(source: string, rounds: Replace[][], where: string): number {
  let text = source;
  let tree = parsePython(text);
  let copy = copyTree(tree, text);
  let reusedNodes = 0;
  try {
    rounds.forEach((edits, round) => {
      let change: TextChange | undefined;
      for (const edit of edits) {
        const applied = applyEdit(text, tree, edit);
        text = applied.text;
        change = change ? composeChanges(change, applied.change) : applied.change;
      }
      const next = parsePython(text, tree);
      const reused = change ? copyTreeReusing(next, text, copy, change, tree.getChangedRanges(next)) : undefined;
      const full = copyTree(next, text);
      if (reused) {
        assert.deepEqual(plain(reused), plain(full), `${where}, round ${round}: ${JSON.stringify(edits)}`);
        reusedNodes += sameObjects(reused, copy);
      }
      tree.delete();
      tree = next;
      copy = reused ?? full;
    });
  } finally {
    tree.delete();
  }
  return reusedNodes;
}

/** How many top-level-or-deeper subtrees of `now` are the very objects of `before`. */
function sameObjects(now: PyNode, before: PyNode): number {
  const old = new Set<PyNode>();
  const stack = [before];
  while (stack.length) {
    const n = stack.pop() as PyNode;
    old.add(n);
    stack.push(...n.children);
  }
  let count = 0;
  const walk = [now];
  while (walk.length) {
    const n = walk.pop() as PyNode;
    if (old.has(n)) count++;
    else walk.push(...n.children);
  }
  return count;
}

describe('the copy of the syntax tree that keeps untouched subtrees (parse/pyTreeReuse.ts)', () => {
  before(() => engineReady);

  it('composes two changes into one that covers both', () => {
    // "abcdef": replace "cd" by "XYZ" → "abXYZef"; then delete "Ze" → "abXYf".
    const first = { startIndex: 2, oldEndIndex: 4, newEndIndex: 5 };
    const next = { startIndex: 4, oldEndIndex: 6, newEndIndex: 4 };
    assert.deepEqual(composeChanges(first, next), { startIndex: 2, oldEndIndex: 5, newEndIndex: 4 });
  });

  it('types and deletes in the last line of a big revision, keeping the rest as the same objects', () => {
    const source = revisionOfLines(2000);
    const at = source.lastIndexOf('    op.drop_column') + 4;
    const rounds: Replace[][] = [];
    for (let i = 0; i < 6; i++)
      rounds.push([i % 2 === 0 ? { at, remove: 0, insert: 'x' } : { at, remove: 1, insert: '' }]);
    assert.ok(replay(source, rounds, 'typing at the end') > 1000, 'untouched statements are reused as they are');
  });

  it('edits of every kind in the bench shapes: op arguments, SQL strings, lines added above, syntax broken and fixed', () => {
    for (const [name, source] of [
      ['add_column', revisionOfLines(300)],
      ['create_table', createTableRevision()],
      ['sql', sqlRevision()],
      ['batch', batchRevision()],
    ] as const) {
      const inArgs = source.indexOf('nullable=') + 'nullable='.length;
      const inSql = source.search(/UPDATE|ALTER TABLE|DROP/);
      const firstOp = source.indexOf('\n    op.') + 1;
      const rounds: Replace[][] = [
        [{ at: inArgs, remove: 4, insert: 'False' }],
        [{ at: inSql, remove: 0, insert: 'x' }],
        [{ at: inSql, remove: 1, insert: '' }],
        [{ at: firstOp, remove: 0, insert: '    op.drop_table("spare")\n' }],
        [{ at: firstOp, remove: 0, insert: '    op.add_column("t", sa.Column(\n' }], // breaks the syntax
        [{ at: firstOp, remove: '    op.add_column("t", sa.Column(\n'.length, insert: '' }],
        [
          { at: firstOp, remove: 0, insert: '\n\n' },
          { at: inArgs + 30, remove: 3, insert: '' },
        ],
        [{ at: 0, remove: 0, insert: '# a comment\n' }],
      ];
      replay(source, rounds, name);
    }
  });

  it('equals a full copy after random edits to seed revisions (fast-check, fixed seed)', () => {
    const seeds = seedFiles();
    const replace: fc.Arbitrary<Replace> = fc.record({
      at: fc.nat({ max: 4000 }),
      remove: fc.integer({ min: 0, max: 30 }),
      insert: fc.constantFrom('', 'x', '(', ')', '"', "'''", ':', '\n    ', 'op.', ',', '#', '\\', '\n', 'é😀'),
    });
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(fc.array(replace, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
        (index, rounds) => {
          replay(seeds[index].source, rounds, seeds[index].name);
        },
      ),
      { seed: 16, numRuns: 300 },
    );
  });
});
