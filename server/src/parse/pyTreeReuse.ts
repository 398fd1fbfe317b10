import type { Tree } from 'web-tree-sitter';
import { parserInput } from './python';
import { cursorOf, languageTables, PyNode, type CursorSteps, type LanguageTables } from './pyTree';

/**
 * What changed between two texts, as one replaced range: `[startIndex, oldEndIndex)` of the old
 * text became `[startIndex, newEndIndex)` of the new one; everything before is the same, and
 * everything after is the same text moved by `newEndIndex - oldEndIndex`.
 */
export interface TextChange {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
}

/** The one change that covers `first` followed by `next` (`next` in the coordinates after `first`). */
export function composeChanges(first: TextChange, next: TextChange): TextChange {
  // The changed region of the text between the two edits, then mapped back and forward.
  const end = Math.max(first.newEndIndex, next.oldEndIndex);
  return {
    startIndex: Math.min(first.startIndex, next.startIndex),
    oldEndIndex: end - (first.newEndIndex - first.oldEndIndex),
    newEndIndex: end + (next.newEndIndex - next.oldEndIndex),
  };
}

/** Deeper than this, the walk gives up and the caller copies the whole tree (recursion bound). */
const MAX_DEPTH = 400;

/**
 * The `PyNode` copy of `tree` (parsed incrementally after `change`) that takes from `previous`,
 * the copy of the tree before the change, every subtree the change did not touch: subtrees before
 * it are the very same objects (so memos keyed by node hold), subtrees after it are cloned in
 * JavaScript with their offsets moved, which is cheaper than reading them out of WASM again.
 *
 * A subtree is taken only when the new tree has a node of the same type and field at the same
 * (moved) place, it lies wholly outside the change, and outside every range tree-sitter reports
 * as changed in structure (`changed`, from `oldTree.getChangedRanges(newTree)`). The result is the
 * same as `copyTree(tree, source)`, which test/parse/pyTreeReuse.test.ts checks on random edits.
 * Undefined when the tree is too deep for this walk: then copy it whole.
 */
export function copyTreeReusing(
  tree: Tree,
  source: string,
  previous: PyNode,
  change: TextChange,
  changed: ReadonlyArray<{ startIndex: number; endIndex: number }>,
): PyNode | undefined {
  const tables = languageTables(tree);
  const input = parserInput(source);
  const cursor = cursorOf(tree);
  try {
    return new ReusingWalk(cursor, tables, input, change, changed).copy(previous);
  } finally {
    cursor.done();
  }
}

class ReusingWalk {
  private readonly delta: number;

  constructor(
    private readonly cursor: CursorSteps,
    private readonly tables: LanguageTables,
    private readonly input: string,
    private readonly change: TextChange,
    private readonly changed: ReadonlyArray<{ startIndex: number; endIndex: number }>,
  ) {
    this.delta = change.newEndIndex - change.oldEndIndex;
  }

  copy(previous: PyNode): PyNode | undefined {
    const root = this.nodeHere();
    const sameRoot = previous.type === root.type && previous.startIndex === root.startIndex;
    return this.fill(root, sameRoot ? previous : undefined, 0) ? root : undefined;
  }

  private nodeHere(): PyNode {
    const { cursor, tables } = this;
    const typeId = cursor.typeId();
    const fieldId = cursor.fieldId();
    return new PyNode(
      tables.types[typeId] ?? 'ERROR',
      fieldId === 0 ? undefined : tables.fields[fieldId],
      cursor.startIndex(),
      cursor.endIndex(),
      tables.named[typeId] ?? true,
      this.input,
    );
  }

  /**
   * Appends the copies of the cursor's node's children to `parent`, taking what it can from
   * `old` (the node that was at the same place before the change). Leaves the cursor where it was.
   */
  private fill(parent: PyNode, old: PyNode | undefined, depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    const { cursor, change, delta } = this;
    if (!cursor.gotoFirstChild()) return true;
    let at = 0; // where the search among old's children goes on: both lists are in source order
    do {
      if (!(this.tables.kept[cursor.typeId()] ?? true)) {
        // Left out of the copy (see KEPT_TOKENS); its children, if it had any, go to the parent.
        if (!this.fill(parent, undefined, depth + 1)) return false;
        continue;
      }
      const node = this.nodeHere();
      const before = node.endIndex < change.startIndex;
      const after = node.startIndex > change.newEndIndex;
      let match: PyNode | undefined;
      if (old && (before || after || node.startIndex < change.startIndex)) {
        const start = after ? node.startIndex - delta : node.startIndex;
        const children = old.children;
        while (at < children.length && children[at].startIndex < start) at++;
        for (let j = at; j < children.length && children[j].startIndex === start; j++) {
          const candidate = children[j];
          if (candidate.type === node.type && candidate.field === node.field) {
            match = candidate;
            break;
          }
        }
      }
      const end = after ? node.endIndex - delta : node.endIndex;
      if (match && (before || after) && match.endIndex === end && !this.touchesChanged(node)) {
        parent.children.push(before ? match : shifted(match, delta, this.input));
        continue;
      }
      parent.children.push(node);
      if (!this.fill(node, match, depth + 1)) return false;
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
    return true;
  }

  private touchesChanged(node: PyNode): boolean {
    for (const range of this.changed)
      if (range.startIndex <= node.endIndex && range.endIndex >= node.startIndex) return true;
    return false;
  }
}

/** A copy of `node`'s subtree with every offset moved by `delta`, reading `input`. */
function shifted(node: PyNode, delta: number, input: string): PyNode {
  const clone = (n: PyNode): PyNode =>
    new PyNode(n.type, n.field, n.startIndex + delta, n.endIndex + delta, n.isNamed, input);
  const root = clone(node);
  const stack: Array<[PyNode, PyNode]> = [[node, root]];
  while (stack.length > 0) {
    const [from, to] = stack.pop() as [PyNode, PyNode];
    for (const child of from.children) {
      const copy = clone(child);
      to.children.push(copy);
      if (child.children.length > 0) stack.push([child, copy]);
    }
  }
  return root;
}
