import type { SyntaxNode, SyntaxTree } from '../parse/python';
import type { Comment } from './migration';

/**
 * One pass over the whole syntax tree with a tree cursor, collecting the few node kinds the model
 * needs. A cursor walk allocates no node objects except for the nodes kept, which is what keeps a
 * cold lint of a thousand revisions inside its budget (namedChildren/descendantsOfType allocate in
 * WASM for every call).
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
const LEAF_LIKE = new Set(['string', 'concatenated_string', 'comment', 'identifier', 'integer', 'float', 'true', 'false', 'none']);

export function scanTree(tree: SyntaxTree): ScannedTree {
  const result: ScannedTree = { comments: [], calls: [], withStatements: [], assignments: [] };
  const cursor = tree.walk();
  try {
    for (;;) {
      const type = cursor.nodeType;
      switch (type) {
        case 'comment':
          result.comments.push({ text: cursor.nodeText, line: cursor.startPosition.row, span: { start: cursor.startIndex, end: cursor.endIndex } });
          break;
        case 'call':
          result.calls.push(cursor.currentNode);
          break;
        case 'with_statement':
          result.withStatements.push(cursor.currentNode);
          break;
        case 'assignment':
          result.assignments.push(cursor.currentNode);
          break;
      }
      if (!LEAF_LIKE.has(type) && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return result;
      }
    }
  } finally {
    cursor.delete();
  }
}

export function contains(outer: { startIndex: number; endIndex: number }, inner: { startIndex: number; endIndex: number }): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}
