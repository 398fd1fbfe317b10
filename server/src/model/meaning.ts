import type { Node } from 'web-tree-sitter';
import { parsePython } from '../parse/python';
import { decodeLiteral } from '../parse/strings';

/**
 * What a Python file means, as a string that two files share when they differ only in how they
 * are written: layout and line breaks, quote style and string prefixes' case, implicit string
 * concatenation, redundant parentheses and trailing commas, comments (a licence header
 * included), the module docstring (it reaches no database), number spelling (`1_000`, `0X1F`), and
 * the order of module-level imports. Everything else (every name, operator, keyword, value and
 * statement, in order) is kept, so any change to what runs is a change of meaning.
 *
 * SW108 uses it: a commit that only reformats an old revision is not an edit of history.
 * Requires the Python parser to be initialised (engine/analyze.ts initEngine).
 */
export function meaningOf(source: string): string {
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  const tree = parsePython(source);
  try {
    const meaning = canonical(tree.rootNode);
    if (cache.size > 256) cache.clear();
    cache.set(source, meaning);
    return meaning;
  } finally {
    tree.delete();
  }
}

/** Whether two texts of a file mean the same (see meaningOf). */
export function sameMeaning(a: string, b: string): boolean {
  return a === b || meaningOf(a) === meaningOf(b);
}

const cache = new Map<string, string>();

/** Tokens whose presence never changes meaning once the tree's shape is known. */
const LAYOUT_TOKENS = new Set([',', '(', ')']);
const IGNORED_NODES = new Set(['comment', 'line_continuation']);
const IMPORTS = new Set(['import_statement', 'import_from_statement', 'future_import_statement']);

function canonical(node: Node): string {
  const type = node.type;
  if (!node.isNamed) return LAYOUT_TOKENS.has(type) ? '' : JSON.stringify(type);
  if (IGNORED_NODES.has(type)) return '';
  switch (type) {
    case 'module':
      return moduleMeaning(node);
    case 'string':
    case 'concatenated_string': {
      const value = stringValue(node);
      if (value !== undefined) return `(str ${JSON.stringify(value)})`;
      break;
    }
    case 'parenthesized_expression':
      return children(node).join(' ');
    case 'integer':
    case 'float':
      return `(${type} ${node.text.replace(/_/g, '').toLowerCase()})`;
    case 'import_statement':
      return `(${type} ${namedOfField(node, 'name').sort().join(' ')})`;
    case 'import_from_statement': {
      const from = node.childForFieldName('module_name');
      return `(${type} ${from ? canonical(from) : ''} ${namedOfField(node, 'name').sort().join(' ')}${node.children.some((c) => c?.type === 'wildcard_import') ? ' *' : ''})`;
    }
  }
  if (node.childCount === 0) return `(${type} ${JSON.stringify(node.text)})`;
  return `(${type} ${children(node).join(' ')})`;
}

function children(node: Node): string[] {
  const parts: string[] = [];
  for (const child of node.children) {
    if (!child) continue;
    const part = canonical(child);
    if (part !== '') parts.push(part);
  }
  return parts;
}

function namedOfField(node: Node, field: string): string[] {
  return node.childrenForFieldName(field).flatMap((c) => (c ? [canonical(c)] : []));
}

/** Module-level imports sorted (their order does not matter to a migration) and the docstring dropped. */
function moduleMeaning(node: Node): string {
  const statements = node.children.filter((c): c is Node => c !== null && !IGNORED_NODES.has(c.type));
  const first = statements[0];
  if (first?.type === 'expression_statement' && first.namedChildCount === 1) {
    const only = first.namedChild(0);
    if (only && (only.type === 'string' || only.type === 'concatenated_string')) statements.shift();
  }
  const imports = statements.filter((s) => IMPORTS.has(s.type)).map(canonical);
  const rest = statements.filter((s) => !IMPORTS.has(s.type)).map(canonical);
  return `(module ${[...imports.sort(), ...rest].join(' ')})`;
}

/** A literal's value (bytes marked), or undefined when it interpolates (an f-string with fields). */
function stringValue(node: Node): string | undefined {
  const parts = node.type === 'concatenated_string' ? node.namedChildren.filter((c) => c?.type === 'string') : [node];
  let value = '';
  for (const part of parts) {
    if (!part || part.children.some((c) => c?.type === 'interpolation')) return undefined;
    const decoded = decodeLiteral(part.text, part.startIndex);
    value += decoded.isBytes ? `b:${decoded.value}` : decoded.value;
  }
  return value;
}
