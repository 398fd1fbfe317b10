import type { Node } from 'web-tree-sitter';
import { parsePython } from '../parse/python';
import { decodeLiteral } from '../parse/strings';

/**
 * What a Python file means, as a string that two files share when they differ only in how they
 * are written: layout and line breaks, quote style and string prefixes' case, implicit string
 * concatenation, redundant parentheses and trailing commas, comments (a licence header
 * included), the layout and `--` comments of SQL strings, the module docstring (it
 * reaches no database), number spelling (`1_000`, `0X1F`), and
 * how module-level imports are written (a name is read as what it is imported from:
 * `postgresql.JSON` after `from sqlalchemy.dialects import postgresql` is `JSON` after
 * `from sqlalchemy.dialects.postgresql import JSON`; their order, and imports the file never uses,
 * do not matter), and logging calls (`log.info(…)`, `print(…)`: a message reaches no database
 * either). Everything else (every name, operator, keyword, value and statement, in order) is
 * kept, so any change to what runs is a change of meaning.
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

/** The module-level imports of the file being read: the name each binds → the qualified name it stands for. */
let imported: ReadonlyMap<string, string> = new Map();

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
      if (value !== undefined) return `(str ${JSON.stringify(looksLikeSql(value) ? sqlLayoutFree(value) : value)})`;
      const interpolated = fStringMeaning(node);
      if (interpolated !== undefined) return interpolated;
      break;
    }
    case 'expression_statement': {
      // A statement that only logs (adds or drops a message) changes nothing a database sees.
      const only = node.namedChildCount === 1 ? node.namedChild(0) : null;
      if (only?.type === 'call' && isLoggingCall(only)) return '';
      break;
    }
    case 'parenthesized_expression':
      return children(node).join(' ');
    case 'integer':
    case 'float':
      return `(${type} ${node.text.replace(/_/g, '').toLowerCase()})`;
    case 'call': {
      if (isLoggingCall(node)) return '(logging-call)';
      const formatted = formatCallMeaning(node);
      if (formatted !== undefined) return formatted;
      break;
    }
    case 'identifier': {
      const qualified = imported.get(node.text);
      if (qualified !== undefined) return `(name ${JSON.stringify(qualified)})`;
      break;
    }
    case 'attribute': {
      // `sa.String` is `sqlalchemy.String`; the attribute itself is no use of an imported name.
      const object = node.childForFieldName('object');
      const attribute = node.childForFieldName('attribute')?.text ?? '';
      const base = object ? canonical(object) : '';
      const name = /^\(name "(.*)"\)$/.exec(base);
      if (name) return `(name ${JSON.stringify(`${JSON.parse(`"${name[1]}"`) as string}.${attribute}`)})`;
      return `(attribute ${base} ${JSON.stringify(attribute)})`;
    }
    case 'import_statement':
      return `(${type} ${namedOfField(node, 'name').sort().join(' ')})`;
    case 'import_from_statement': {
      const from = node.childForFieldName('module_name');
      return (
        `(${type} ${from ? canonical(from) : ''} ${namedOfField(node, 'name').sort().join(' ')}` +
        `${node.children.some((c) => c?.type === 'wildcard_import') ? ' *' : ''})`
      );
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
  // Names inside an import are spelled as written: they are not uses of the module's imports.
  const saved = imported;
  imported = new Map();
  try {
    return node.childrenForFieldName(field).flatMap((c) => (c ? [canonical(c)] : []));
  } finally {
    imported = saved;
  }
}

/** What each module-level import binds; undefined for one that cannot be read as bindings (`import *`). */
function importBindings(statement: Node): Array<[string, string]> | undefined {
  if (statement.children.some((c) => c?.type === 'wildcard_import')) return undefined;
  const from =
    statement.type === 'import_from_statement' ? statement.childForFieldName('module_name')?.text : undefined;
  const bindings: Array<[string, string]> = [];
  for (const name of statement.childrenForFieldName('name')) {
    if (!name) continue;
    const dotted = (name.type === 'aliased_import' ? name.childForFieldName('name')?.text : name.text) ?? '';
    const alias = name.type === 'aliased_import' ? name.childForFieldName('alias')?.text : undefined;
    if (from !== undefined) bindings.push([alias ?? dotted, `${from}.${dotted}`]);
    else if (alias !== undefined) bindings.push([alias, dotted]);
    else bindings.push([dotted.split('.')[0] ?? dotted, dotted.split('.')[0] ?? dotted]);
  }
  return bindings;
}

/**
 * Module-level imports read as what each name stands for (their order, spelling and unused names
 * do not matter to a migration), and the docstring dropped.
 */
function moduleMeaning(node: Node): string {
  const statements = node.children.filter((c): c is Node => c !== null && !IGNORED_NODES.has(c.type));
  const first = statements[0];
  if (first?.type === 'expression_statement' && first.namedChildCount === 1) {
    const only = first.namedChild(0);
    if (only && (only.type === 'string' || only.type === 'concatenated_string')) statements.shift();
  }
  const bindings = new Map<string, string>();
  const kept: string[] = [];
  for (const statement of statements.filter((s) => IMPORTS.has(s.type))) {
    const bound = statement.type === 'future_import_statement' ? undefined : importBindings(statement);
    if (bound) for (const [name, qualified] of bound) bindings.set(name, qualified);
    else kept.push(canonical(statement)); // `from __future__ import …` and `import *` stay as written
  }
  const saved = imported;
  imported = bindings;
  try {
    const rest = statements.filter((s) => !IMPORTS.has(s.type)).map((s) => canonical(s));
    return `(module ${[...kept.sort(), ...rest].join(' ')})`;
  } finally {
    imported = saved;
  }
}

/** Literal text and fields, in order: an f-string and the same `'…'.format(…)` mean the same. */
type Piece = { text: string } | { field: Node };

function piecesMeaning(pieces: readonly Piece[]): string {
  // Adjacent texts join; a multi-line template is SQL whose layout does not count (sqlLayoutFree).
  const texts: string[] = [''];
  const fields: string[] = [];
  for (const piece of pieces) {
    if ('text' in piece) texts[texts.length - 1] += piece.text;
    else {
      fields.push(`(field ${canonical(piece.field)})`);
      texts.push('');
    }
  }
  const FIELD = '\u0000';
  const whole = texts.join(FIELD);
  const layoutFree = (looksLikeSql(whole) ? sqlLayoutFree(whole) : whole).split(FIELD);
  const parts = layoutFree.flatMap((text, i) => [JSON.stringify(text), ...(i < fields.length ? [fields[i]!] : [])]);
  return `(formatted ${parts.join(' ')})`;
}

/** An f-string whose fields have no conversion or format spec, read as pieces; else undefined. */
function fStringMeaning(node: Node): string | undefined {
  if (node.type !== 'string') return undefined;
  const start = node.children[0];
  const end = node.children.at(-1);
  if (start?.type !== 'string_start' || end?.type !== 'string_end') return undefined;
  const delimiter = start.text.replace(/[fF]/, '');
  const pieces: Piece[] = [];
  for (const child of node.children.slice(1, -1)) {
    if (!child) continue;
    if (child.type === 'interpolation') {
      const inner = child.namedChildren.filter((c): c is Node => c !== null);
      if (inner.length !== 1) return undefined; // a conversion (!r) or a format spec
      pieces.push({ field: inner[0]! });
    } else {
      const decoded = decodeLiteral(`${delimiter}${child.text}${end.text}`, child.startIndex).value;
      pieces.push({ text: decoded.replace(/\{\{/g, '{').replace(/\}\}/g, '}') });
    }
  }
  return piecesMeaning(pieces);
}

/** `'…{}…'.format(a)` with plain fields (`{}`, `{0}`, `{name}`), read as pieces; else undefined. */
function formatCallMeaning(node: Node): string | undefined {
  const callee = node.childForFieldName('function');
  if (callee?.type !== 'attribute' || callee.childForFieldName('attribute')?.text !== 'format') return undefined;
  const literal = callee.childForFieldName('object');
  const template = literal ? stringValue(literal) : undefined;
  const args = node.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => c !== null) ?? [];
  if (template === undefined || args.some((a) => a.type.includes('splat'))) return undefined;
  const positional = args.filter((a) => a.type !== 'keyword_argument');
  const keywords = new Map(
    args
      .filter((a) => a.type === 'keyword_argument')
      .map((a) => [a.childForFieldName('name')?.text ?? '', a.childForFieldName('value')] as const),
  );
  const pieces: Piece[] = [];
  let next = 0;
  const re = /\{\{|\}\}|\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    const before = template.slice(last, m.index) + (m[0] === '{{' ? '{' : m[0] === '}}' ? '}' : '');
    last = m.index + m[0].length;
    if (m[1] === undefined) {
      pieces.push({ text: before });
      continue;
    }
    pieces.push({ text: before });
    const key = m[1];
    const field = key === '' ? positional[next++] : /^\d+$/.test(key) ? positional[Number(key)] : keywords.get(key);
    if (!field) return undefined; // a format spec, a conversion, an attribute or index of a field
    pieces.push({ field });
  }
  pieces.push({ text: template.slice(last) });
  return piecesMeaning(pieces);
}

/**
 * SQL's layout (indentation, line breaks, spaces around parentheses and commas) and its `--`
 * comments are not what runs.
 */
function sqlLayoutFree(text: string): string {
  return text
    .replace(/--[^\n]*/g, '')
    .replace(/\s+/g, ' ')
    .replace(/ ?([(),]) ?/g, '$1')
    .trim();
}

/** Text that is SQL: on several lines, or starting with a statement's keyword. */
function looksLikeSql(text: string): boolean {
  return text.includes('\n') || /^\s*(select|insert|update|delete|alter|create|drop|with)\b/i.test(text);
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
