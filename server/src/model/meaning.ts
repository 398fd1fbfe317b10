import type { Node } from 'web-tree-sitter';
import { parsePython } from '../parse/python';
import { decodeLiteral } from '../parse/strings';

/**
 * What a Python file means, as a string that two files share when they differ only in how they
 * are written: layout and line breaks, quote style and string prefixes' case, implicit string
 * concatenation, redundant parentheses and trailing commas, comments (a licence header
 * included), the module docstring (it reaches no database), number spelling (`1_000`, `0X1F`), and
 * the order of module-level imports, module-level imports the file never uses (a linter's
 * dead-import removal), and the text of logging calls (`log.info(…)`, `print(…)`: it reaches no
 * database either). Everything else (every name, operator, keyword, value and statement, in
 * order) is kept, so any change to what runs is a change of meaning.
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

/** Receivers and methods of a logging call: its arguments are messages, not work. */
const LOGGERS = /^_?(log|logger|logging)$/i;
const LOG_METHODS = new Set(['debug', 'info', 'warning', 'warn', 'error', 'exception', 'critical', 'log']);

function isLoggingCall(node: Node): boolean {
  const callee = node.childForFieldName('function');
  if (callee?.type === 'identifier') return callee.text === 'print';
  if (callee?.type !== 'attribute') return false;
  const receiver = callee.childForFieldName('object');
  const method = callee.childForFieldName('attribute')?.text ?? '';
  return receiver?.type === 'identifier' && LOGGERS.test(receiver.text) && LOG_METHODS.has(method);
}

function canonical(node: Node, used?: ReadonlySet<string>): string {
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
    case 'call':
      if (isLoggingCall(node)) return '(logging-call)';
      break;
    case 'import_statement':
    case 'import_from_statement': {
      const names = importedNames(node, used).map((c) => canonical(c));
      const wildcard = node.children.some((c) => c?.type === 'wildcard_import');
      if (names.length === 0 && !wildcard) return '';
      const from = node.childForFieldName('module_name');
      const module = type === 'import_from_statement' ? ` ${from ? canonical(from) : ''}` : '';
      return `(${type}${module} ${names.sort().join(' ')}${wildcard ? ' *' : ''})`;
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

/** The names an import statement binds, less those the module never uses (when `used` is known). */
function importedNames(node: Node, used: ReadonlySet<string> | undefined): Node[] {
  return node.childrenForFieldName('name').filter((c): c is Node => {
    if (!c) return false;
    if (!used) return true;
    const alias = c.type === 'aliased_import' ? c.childForFieldName('alias')?.text : undefined;
    const dotted = c.type === 'aliased_import' ? c.childForFieldName('name')?.text : c.text;
    const bound = alias ?? (node.type === 'import_statement' ? dotted?.split('.')[0] : dotted);
    return bound === undefined || used.has(bound);
  });
}

/**
 * Every name the module's code uses outside its import statements: not the attribute of
 * `sa.String` nor the keyword of `nullable=False`, which name no binding of the module.
 */
function identifiersUsed(statements: readonly Node[]): Set<string> {
  const used = new Set<string>();
  const visit = (node: Node): void => {
    if (node.type === 'identifier') used.add(node.text);
    const only =
      node.type === 'attribute'
        ? node.childForFieldName('object')
        : node.type === 'keyword_argument'
          ? node.childForFieldName('value')
          : undefined;
    if (only !== undefined) {
      if (only) visit(only);
      return;
    }
    for (const child of node.namedChildren) if (child) visit(child);
  };
  for (const statement of statements) visit(statement);
  return used;
}

/**
 * Module-level imports sorted (their order does not matter to a migration), those the module never
 * uses dropped, and the docstring dropped.
 */
function moduleMeaning(node: Node): string {
  const statements = node.children.filter((c): c is Node => c !== null && !IGNORED_NODES.has(c.type));
  const first = statements[0];
  if (first?.type === 'expression_statement' && first.namedChildCount === 1) {
    const only = first.namedChild(0);
    if (only && (only.type === 'string' || only.type === 'concatenated_string')) statements.shift();
  }
  const code = statements.filter((s) => !IMPORTS.has(s.type));
  const used = identifiersUsed(code);
  const imports = statements
    .filter((s) => IMPORTS.has(s.type))
    .map((s) => (s.type === 'future_import_statement' ? canonical(s) : canonical(s, used)))
    .filter((s) => s !== '');
  const rest = code.map((s) => canonical(s));
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
