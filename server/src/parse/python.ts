import type { Edit, Node, Tree } from 'web-tree-sitter';
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

/** Loads tree-sitter and its Python grammar once per process. Every other call is free. */
export function initPythonParser(): Promise<Language> {
  ready ??= (async () => {
    await Parser.init({
      locateFile: (name: string) => locateWasm(name, `web-tree-sitter/${name}`),
    });
    language = await Language.load(locateWasm('tree-sitter-python.wasm', 'tree-sitter-python/tree-sitter-python.wasm'));
    return language;
  })();
  return ready;
}

let sharedParser: Parser | undefined;

/**
 * Parses Python source. `previous` (already edited with `tree.edit`) makes the parse incremental,
 * which is what the language server does on every keystroke.
 * Requires `initPythonParser()` to have resolved.
 */
export function parsePython(source: string, previous?: Tree): Tree {
  if (!language) throw new Error('initPythonParser() must resolve before parsePython() is called');
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(language);
  }
  const tree = sharedParser.parse(withLoneCrAsLf(source), previous ?? null);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/**
 * CPython (and LineIndex) break lines at a lone CR; tree-sitter does not. A lone CR becomes LF for
 * the parser only: the same length, so every offset in the tree is an offset in the real text.
 */
function withLoneCrAsLf(source: string): string {
  return source.includes('\r') ? source.replace(/\r(?!\n)/g, '\n') : source;
}
