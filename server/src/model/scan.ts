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
  const result: ScannedTree = { comments: [], calls: [], withStatements: [], assignments: [] };
  // Pre-order with an explicit stack: nesting may be thousands of levels deep.
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
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
    }
    if (LEAF_LIKE.has(node.type)) continue;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return result;
}

export function contains(
  outer: { startIndex: number; endIndex: number },
  inner: { startIndex: number; endIndex: number },
): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}
