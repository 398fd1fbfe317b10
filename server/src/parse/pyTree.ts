import type { Tree } from 'web-tree-sitter';
import { parserInput, treeSitterBinding, type TreeSitterBinding } from './python';

/** Set by `copyTreeThroughPublicApi` (tests): walk with the public cursor API. */
let forcePublic = false;

/**
 * A plain-JavaScript copy of a tree-sitter syntax tree, with the few members of tree-sitter's
 * `Node` that the model builder reads (same names, same meaning). Named nodes only, and the
 * tokens in KEPT_TOKENS: `children` is `namedChildren` plus those.
 *
 * Why a copy: every getter of web-tree-sitter's `Node` and `TreeCursor` crosses into WASM and
 * marshals its handle through a transfer buffer with generic `setValue`/`getValue` calls, about a
 * microsecond each. Building the model asked for types, fields, offsets and children tens of
 * times per node: most of a cold lint went there. The copy is made in one cursor walk that calls
 * the WASM exports directly (the cursor stays in the transfer buffer between calls), about 20×
 * faster than the same walk through the public API; everything after it is ordinary JavaScript.
 */
export class PyNode {
  /** Named children, made on first use (most nodes are never asked). */
  private named: PyNode[] | undefined;
  readonly children: PyNode[] = [];

  constructor(
    readonly type: string,
    /** The field this node fills in its parent (`function`, `arguments`, `name` …), if any. */
    readonly field: string | undefined,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly isNamed: boolean,
    private readonly input: string,
  ) {}

  /** The source text of the node (as the parser saw it: a lone CR reads as LF, same length). */
  get text(): string {
    return this.input.slice(this.startIndex, this.endIndex);
  }

  get namedChildren(): PyNode[] {
    this.named ??= this.children.filter((c) => c.isNamed);
    return this.named;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  namedChild(index: number): PyNode | null {
    return this.namedChildren[index] ?? null;
  }

  childForFieldName(field: string): PyNode | null {
    for (const child of this.children) if (child.field === field) return child;
    return null;
  }

  childrenForFieldName(field: string): PyNode[] {
    return this.children.filter((c) => c.field === field);
  }

  /** This node and its descendants of the given type, in document order (as tree-sitter's). */
  descendantsOfType(type: string): PyNode[] {
    const found: PyNode[] = [];
    const stack: PyNode[] = [this];
    while (stack.length > 0) {
      const node = stack.pop() as PyNode;
      if (node.type === type) found.push(node);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
    }
    return found;
  }
}

/** What a walk over a tree-sitter tree needs from a cursor. */
export interface CursorSteps {
  typeId(): number;
  fieldId(): number;
  startIndex(): number;
  endIndex(): number;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  /** Frees the cursor. */
  done(): void;
}

/** Names by id, from the grammar: what an encoded tree's numbers mean. Plain data (posted to the main thread). */
export interface LanguageTables {
  types: string[];
  named: boolean[];
  fields: Array<string | undefined>;
  /** Whether a node of each type goes into the copy (named, or one of KEPT_TOKENS). */
  kept: boolean[];
}
const tablesByLanguage = new WeakMap<object, LanguageTables>();

/**
 * A tree in pre-order, four numbers a node: `typeId | fieldId << 16`, start, end, child count.
 * Transferable between threads without copying (the CLI parses in worker threads).
 */
export type EncodedTree = Int32Array;
const INTS_PER_NODE = 4;

/** Copies a tree-sitter tree of `source` (the text it was parsed from) into `PyNode`s. */
export function copyTree(tree: Tree, source: string): PyNode {
  return decodeTree(encodeTree(tree), languageTables(tree), parserInput(source));
}

/**
 * Anonymous nodes (punctuation and keywords) are left out of the copy, except these: the model
 * reads the colon of a `def` (where a missing body would go) and nothing else. Leaving the rest
 * out spares a third of the nodes and their WASM calls.
 */
const KEPT_TOKENS = new Set([':']);

/** One walk over the tree, writing each kept node's numbers. */
export function encodeTree(tree: Tree): EncodedTree {
  const { kept } = languageTables(tree);
  const cursor = cursorOf(tree);
  let out = new Int32Array(INTS_PER_NODE * 1024);
  let length = 0;
  // Where the child count of each open node is kept, innermost last (-1: the root's parent).
  // A dropped node with children of its own (none in this grammar) hands them to its parent.
  const open: number[] = [];
  try {
    for (;;) {
      const typeId = cursor.typeId();
      const parent = open.length > 0 ? open[open.length - 1] : -1;
      let at = parent;
      if (kept[typeId] ?? true) {
        if (length + INTS_PER_NODE > out.length) {
          const bigger = new Int32Array(out.length * 2);
          bigger.set(out);
          out = bigger;
        }
        at = length;
        out[at] = typeId | (cursor.fieldId() << 16);
        out[at + 1] = cursor.startIndex();
        out[at + 2] = cursor.endIndex();
        out[at + 3] = 0;
        if (parent >= 0) out[parent + 3]++;
        length += INTS_PER_NODE;
      }
      if (cursor.gotoFirstChild()) {
        open.push(at);
        continue;
      }
      for (;;) {
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) return out.subarray(0, length);
        open.pop();
      }
    }
  } finally {
    cursor.done();
  }
}

/** Rebuilds the `PyNode`s of an encoded tree. `input` is the text as the parser saw it (`parserInput`). */
export function decodeTree(encoded: EncodedTree, tables: LanguageTables, input: string): PyNode {
  const nodeAt = (at: number): PyNode => {
    const typeId = encoded[at] & 0xffff;
    const fieldId = encoded[at] >>> 16;
    return new PyNode(
      tables.types[typeId] ?? 'ERROR',
      fieldId === 0 ? undefined : tables.fields[fieldId],
      encoded[at + 1],
      encoded[at + 2],
      tables.named[typeId] ?? true,
      input,
    );
  };
  const root = nodeAt(0);
  // Open nodes and how many children each still expects, innermost last.
  const parents: PyNode[] = [];
  const expected: number[] = [];
  if (encoded[3] > 0) {
    parents.push(root);
    expected.push(encoded[3]);
  }
  for (let at = INTS_PER_NODE; at < encoded.length && parents.length > 0; at += INTS_PER_NODE) {
    const node = nodeAt(at);
    const top = parents.length - 1;
    parents[top].children.push(node);
    if (--expected[top] === 0) {
      parents.pop();
      expected.pop();
    }
    if (encoded[at + 3] > 0) {
      parents.push(node);
      expected.push(encoded[at + 3]);
    }
  }
  return root;
}

export function languageTables(tree: Tree): LanguageTables {
  const language = tree.language;
  let tables = tablesByLanguage.get(language);
  if (!tables) {
    const types = language.types.map((t) => t ?? 'ERROR');
    const named = types.map((_, id) => language.nodeTypeIsNamed(id));
    tables = {
      types,
      named,
      fields: language.fields.map((f) => f ?? undefined),
      kept: types.map((type, id) => named[id] || KEPT_TOKENS.has(type)),
    };
    tablesByLanguage.set(language, tables);
  }
  return tables;
}

/** A cursor at the root of `tree`: the direct one when the binding allows it. `done()` it after use. */
export function cursorOf(tree: Tree): CursorSteps {
  return (forcePublic ? undefined : directCursor(tree)) ?? publicCursor(tree);
}

type Handles = Record<number, number>;

/**
 * A cursor that calls web-tree-sitter's WASM exports directly. The C side reads the cursor from
 * the transfer buffer and writes it back after every move, so it is copied in once and out once.
 * Undefined when the binding is not the one this was written against (then the public API is used).
 */
function directCursor(tree: Tree): CursorSteps | undefined {
  const binding = treeSitterBinding();
  if (!binding) return undefined;
  const cursor = tree.walk();
  const handles = cursor as unknown as Handles;
  const treeAddress = (tree as unknown as Handles)[0];
  const buffer = binding.transferBuffer >> 2;
  const copyIn = (b: TreeSitterBinding) => {
    for (let i = 0; i < 4; i++) b.module.HEAP32[buffer + i] = handles[i];
  };
  copyIn(binding);
  const m = binding.module;
  return {
    typeId: () => m._ts_tree_cursor_current_node_type_id_wasm(treeAddress),
    fieldId: () => m._ts_tree_cursor_current_field_id_wasm(treeAddress),
    startIndex: () => m._ts_tree_cursor_start_index_wasm(treeAddress),
    endIndex: () => m._ts_tree_cursor_end_index_wasm(treeAddress),
    gotoFirstChild: () => m._ts_tree_cursor_goto_first_child_wasm(treeAddress) === 1,
    gotoNextSibling: () => m._ts_tree_cursor_goto_next_sibling_wasm(treeAddress) === 1,
    gotoParent: () => m._ts_tree_cursor_goto_parent_wasm(treeAddress) === 1,
    done: () => {
      // The moves may have reallocated the cursor's stack: take its handles back before freeing.
      // HEAP32 is read again because WASM memory may have grown (a new view) since copyIn.
      for (let i = 0; i < 4; i++) handles[i] = m.HEAP32[buffer + i];
      cursor.delete();
    },
  };
}

function publicCursor(tree: Tree): CursorSteps {
  const cursor = tree.walk();
  return {
    typeId: () => cursor.nodeTypeId,
    fieldId: () => cursor.currentFieldId,
    startIndex: () => cursor.startIndex,
    endIndex: () => cursor.endIndex,
    gotoFirstChild: () => cursor.gotoFirstChild(),
    gotoNextSibling: () => cursor.gotoNextSibling(),
    gotoParent: () => cursor.gotoParent(),
    done: () => cursor.delete(),
  };
}

/** For the differential test: the same copy through the public cursor API only. */
export function copyTreeThroughPublicApi(tree: Tree, source: string): PyNode {
  forcePublic = true;
  try {
    return copyTree(tree, source);
  } finally {
    forcePublic = false;
  }
}

/** Whether copies take the direct route (the test asserts it, so a web-tree-sitter upgrade that breaks it is seen). */
export function usesDirectCursor(): boolean {
  return treeSitterBinding() !== undefined;
}
