import type { PyNode as SyntaxNode } from '../parse/pyTree';
import type { Comment } from './migration';

/**
 * One pass over the whole (copied) syntax tree, collecting the few node kinds the model needs.
 */
export interface ScannedTree {
  comments: Comment[];
  /** Every `call` node, in document order (outer calls before the calls in their arguments). */
  calls: SyntaxNode[];
  withStatements: SyntaxNode[];
  /** `name = value` assignments (left side a plain identifier). */
  assignments: SyntaxNode[];
  /** `if` statements, with their block and function (for the dialect guards, see dialectGuards.ts). */
  ifStatements: PlacedNode[];
  /** `for` statements, likewise (for loops over literal names). */
  forStatements: PlacedNode[];
}

export interface PlacedNode {
  node: SyntaxNode;
  parent?: SyntaxNode;
  fn?: SyntaxNode;
}

// Nothing inside these can be a call, a with statement or a comment.
const LEAF_LIKE = new Set([
  'string',
  'concatenated_string',
  'comment',
  'identifier',
  'integer',
  'float',
  'true',
  'false',
  'none',
]);

export function scanTree(root: SyntaxNode): ScannedTree {
  const result: ScannedTree = {
    comments: [],
    calls: [],
    withStatements: [],
    assignments: [],
    ifStatements: [],
    forStatements: [],
  };
  // Pre-order with an explicit stack: nesting may be thousands of levels deep. Parallel stacks
  // carry each node's parent and innermost function, which the copied tree does not link (no
  // object per node: this walk is part of every cold lint).
  const stack: SyntaxNode[] = [root];
  const parents: Array<SyntaxNode | undefined> = [undefined];
  const functions: Array<SyntaxNode | undefined> = [undefined];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    const parent = parents.pop();
    const fn = functions.pop();
    switch (node.type) {
      case 'comment':
        // The line is set by the builder through LineIndex (tree-sitter rows do not break at a lone CR).
        result.comments.push({ text: node.text, line: 0, span: { start: node.startIndex, end: node.endIndex } });
        break;
      case 'call':
        result.calls.push(node);
        break;
      case 'with_statement':
        result.withStatements.push(node);
        break;
      case 'assignment':
        result.assignments.push(node);
        break;
      case 'if_statement':
        result.ifStatements.push({ node, parent, fn });
        break;
      case 'for_statement':
        result.forStatements.push({ node, parent, fn });
        break;
    }
    if (LEAF_LIKE.has(node.type)) continue;
    const innerFn = node.type === 'function_definition' ? node : fn;
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push(node.children[i]);
      parents.push(node);
      functions.push(innerFn);
    }
  }
  return result;
}

export function contains(
  outer: { startIndex: number; endIndex: number },
  inner: { startIndex: number; endIndex: number },
): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}
