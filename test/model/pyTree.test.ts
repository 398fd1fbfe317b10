import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parsePython, type SyntaxNode } from '../../server/src/parse/python';
import { copyTree, copyTreeThroughPublicApi, usesDirectCursor, type PyNode } from '../../server/src/parse/pyTree';
import { engineReady } from '../support/engine';
import { seedFiles } from '../fuzz/seeds';
import { applyMutation, deeplyNested, type Mutation } from '../fuzz/mutations';

/**
 * The model is built from a plain-JavaScript copy of tree-sitter's tree (parse/pyTree.ts), made by
 * calling web-tree-sitter's WASM exports directly. These tests hold the copy to tree-sitter's own
 * `Node` API, node by node, on real and mutated revisions.
 */

/** Compares a copied node with tree-sitter's node: every member the model builder reads. */
function sameNode(copy: PyNode, node: SyntaxNode, where: string): void {
  const at = `${where} ${node.type}@${node.startIndex}`;
  assert.equal(copy.type, node.type, `${at}: type`);
  assert.equal(copy.startIndex, node.startIndex, `${at}: startIndex`);
  assert.equal(copy.endIndex, node.endIndex, `${at}: endIndex`);
  assert.equal(copy.isNamed, node.isNamed, `${at}: isNamed`);
  assert.equal(copy.text, node.text, `${at}: text`);
  // The copy keeps named nodes and the colon of a `def` (see KEPT_TOKENS in pyTree.ts).
  const kept = node.children.filter((c): c is SyntaxNode => c !== null && (c.isNamed || c.type === ':'));
  assert.deepEqual(
    copy.children.map((c) => `${c.type}@${c.startIndex}`),
    kept.map((c) => `${c.type}@${c.startIndex}`),
    `${at}: children`,
  );
  assert.equal(copy.namedChildCount, node.namedChildCount, `${at}: named child count`);
  for (const field of [
    'function',
    'arguments',
    'name',
    'value',
    'left',
    'right',
    'body',
    'parameters',
    'object',
    'attribute',
    'key',
    'alias',
    'module_name',
    'definition',
  ]) {
    const expected = node.childForFieldName(field);
    const actual = copy.childForFieldName(field);
    assert.equal(actual?.startIndex, expected?.startIndex, `${at}: childForFieldName(${field})`);
    assert.equal(actual?.type, expected?.type, `${at}: childForFieldName(${field}) type`);
  }
  kept.forEach((child, i) => sameNode(copy.children[i], child, where));
}

function checkSource(source: string, where: string): void {
  const tree = parsePython(source);
  try {
    const copy = copyTree(tree, source);
    sameNode(copy, tree.rootNode, where);
    assert.deepEqual(
      stripped(copy),
      stripped(copyTreeThroughPublicApi(tree, source)),
      `${where}: direct and public-API copies differ`,
    );
    const assignments = tree.rootNode.descendantsOfType('assignment').map((n) => n?.startIndex);
    assert.deepEqual(
      copy.descendantsOfType('assignment').map((n) => n.startIndex),
      assignments,
      `${where}: descendantsOfType`,
    );
  } finally {
    tree.delete();
  }
}

interface Plain {
  type: string;
  field: string | undefined;
  start: number;
  end: number;
  children: Plain[];
}
function stripped(node: PyNode): Plain {
  return {
    type: node.type,
    field: node.field,
    start: node.startIndex,
    end: node.endIndex,
    children: node.children.map(stripped),
  };
}

describe('the plain-JavaScript syntax tree (parse/pyTree.ts)', () => {
  before(() => engineReady);

  it('takes the direct WASM route with the pinned web-tree-sitter (a slower fallback is used otherwise)', () => {
    assert.equal(
      usesDirectCursor(),
      true,
      'web-tree-sitter no longer exposes the cursor exports pyTree.ts calls: the model is built through the slow public API',
    );
  });

  it('matches tree-sitter node by node on every seed revision', () => {
    for (const seed of seedFiles()) checkSource(seed.source, seed.name);
  });

  it('matches on half-typed, broken and odd files', () => {
    const sources = [
      '',
      '\n',
      'def upgrade(:\n    op.create_table("t"',
      'x = f(',
      '"""unterminated\n',
      'op.execute(f"SELECT {x}")\n',
      'a\rb = 1\r',
      'def upgrade():\r\n\top.drop_table("t")\r\n',
      '\u0000\u0001',
      'x = "😀" + \'é\'\n',
      deeplyNested(300, 'f(', ')'),
      deeplyNested(300, '[', ']'),
    ];
    sources.forEach((s, i) => checkSource(s, `odd source ${i}`));
  });

  it('matches on mutated revisions (fast-check, fixed seed)', () => {
    const seeds = seedFiles();
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        text: fc.constantFrom('(', ')', '"', "'''", ':', '\n    ', 'op.', ',', '#', '\\'),
      }),
      fc.record({ kind: fc.constant('loneCr' as const) }),
    );
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (index, mutations) => {
          const source = mutations.reduce(applyMutation, seeds[index].source);
          checkSource(source, `${seeds[index].name} mutated`);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it('copies a deeply nested expression without overflowing the stack', () => {
    const source = deeplyNested(5000, 'f(', ')');
    const tree = parsePython(source);
    try {
      let deepest = 0;
      const stack: Array<[PyNode, number]> = [[copyTree(tree, source), 1]];
      while (stack.length > 0) {
        const [node, depth] = stack.pop() as [PyNode, number];
        deepest = Math.max(deepest, depth);
        for (const child of node.children) stack.push([child, depth + 1]);
      }
      assert.ok(deepest > 5000, `depth ${deepest}`);
    } finally {
      tree.delete();
    }
  });
});
