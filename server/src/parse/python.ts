import type { Edit, Node, Tree } from 'web-tree-sitter';
import { parserNotReady } from './parserReady';
import { locateWasm } from './wasm';
// A require (not an ES import), so that esbuild bundles web-tree-sitter's CommonJS build: its ESM
// build reads `import.meta.url`, which a CommonJS bundle does not have.
import TreeSitter = require('web-tree-sitter');

const { Language, Parser } = TreeSitter;
type Language = TreeSitter.Language;
type Parser = TreeSitter.Parser;

export type { Node as SyntaxNode, Tree as SyntaxTree, Edit as SyntaxEdit };

let ready: Promise<Language> | undefined;
let language: Language | undefined;
let binding: TreeSitterBinding | undefined;

/** Loads tree-sitter and its Python grammar once per process. Every other call is free. */
export function initPythonParser(): Promise<Language> {
  ready ??= (async () => {
    const moduleOptions = {
      locateFile: (name: string) => locateWasm(name, `web-tree-sitter/${name}`),
    };
    await Parser.init(moduleOptions);
    binding = bindingOf(moduleOptions);
    language = await Language.load(locateWasm('tree-sitter-python.wasm', 'tree-sitter-python/tree-sitter-python.wasm'));
    return language;
  })();
  return ready;
}

/**
 * The WASM exports of web-tree-sitter that `pyTree.ts` calls directly (the cursor functions read
 * and write their cursor in the transfer buffer). Emscripten makes the options object given to
 * `Parser.init` the module itself, exports and memory views included.
 */
export interface TreeSitterBinding {
  module: {
    HEAP32: Int32Array;
    _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
    _ts_tree_cursor_current_field_id_wasm(tree: number): number;
    _ts_tree_cursor_start_index_wasm(tree: number): number;
    _ts_tree_cursor_end_index_wasm(tree: number): number;
    _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
    _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
    _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  };
  transferBuffer: number;
}

const DIRECT_EXPORTS = [
  '_ts_init',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
];

/** Undefined when the module is not shaped as expected (another web-tree-sitter, or init elsewhere). */
function bindingOf(candidate: object): TreeSitterBinding | undefined {
  const module = candidate as Record<string, unknown>;
  if (!(module.HEAP32 instanceof Int32Array) || !DIRECT_EXPORTS.every((name) => typeof module[name] === 'function'))
    return undefined;
  return {
    module: module as unknown as TreeSitterBinding['module'],
    transferBuffer: (module._ts_init as () => number)(),
  };
}

/** The direct binding, once `initPythonParser()` has resolved and found it. */
export function treeSitterBinding(): TreeSitterBinding | undefined {
  return binding;
}

let sharedParser: Parser | undefined;

/**
 * Parses Python source. `previous` (already edited with `tree.edit`) makes the parse incremental,
 * which is what the language server does on every keystroke.
 * Requires `initPythonParser()` to have resolved.
 */
export function parsePython(source: string, previous?: Tree): Tree {
  if (!language) throw parserNotReady('Python');
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(language);
  }
  const tree = sharedParser.parse(parserInput(source), previous ?? null);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/**
 * CPython (and LineIndex) break lines at a lone CR; tree-sitter does not. A lone CR becomes LF for
 * the parser only: the same length, so every offset in the tree is an offset in the real text.
 */
export function parserInput(source: string): string {
  return source.includes('\r') ? source.replace(/\r(?!\n)/g, '\n') : source;
}
