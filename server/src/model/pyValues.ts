import type { PyNode as SyntaxNode } from '../parse/pyTree';
import { decodeStringNode, decodeStringSum } from '../parse/strings';
import type { PyCall, PyKeyword, PyValue } from './migration';
import type { Span } from './source';

/** Turns tree-sitter expression nodes into the model's `PyValue`s. Never throws. */

export function spanOf(node: { startIndex: number; endIndex: number }): Span {
  return { start: node.startIndex, end: node.endIndex };
}

export function dottedName(node: SyntaxNode | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') {
    const object = dottedName(node.childForFieldName('object'));
    const attribute = node.childForFieldName('attribute');
    return object && attribute ? `${object}.${attribute.text}` : undefined;
  }
  return undefined;
}

/**
 * Deeper than this, an expression is kept opaque. Real revisions nest a handful of levels; the
 * limit keeps the mutual recursion of toValue/toCall from overflowing the stack on generated or
 * pathological input (e.g. `f(f(f(…)))` thousands of levels deep).
 */
export const MAX_VALUE_DEPTH = 200;
let depth = 0;

/** Runs `convert` one level deeper, or returns `fallback()` past the limit. */
function nested<T>(convert: () => T, fallback: () => T): T {
  if (depth >= MAX_VALUE_DEPTH) return fallback();
  depth++;
  try {
    return convert();
  } finally {
    depth--;
  }
}

export function toValue(node: SyntaxNode, source: string): PyValue {
  return nested(
    () => convert(node, source),
    () => ({ kind: 'opaque', span: spanOf(node), text: node.text, nodeType: node.type }),
  );
}

function convert(node: SyntaxNode, source: string): PyValue {
  const span = spanOf(node);
  const text = node.text;
  switch (node.type) {
    case 'string':
    case 'concatenated_string': {
      const decoded = decodeStringNode(node, source);
      if (decoded) return { kind: 'string', span, text, value: decoded.value, string: decoded };
      break;
    }
    case 'binary_operator': {
      const folded = decodeStringSum(node, source);
      if (folded) return { kind: 'string', span, text, value: folded.value, string: folded };
      break;
    }
    case 'integer':
    case 'float':
      return { kind: 'number', span, text, value: Number(text.replace(/_/g, '')) };
    case 'true':
    case 'false':
      return { kind: 'bool', span, text, value: node.type === 'true' };
    case 'none':
      return { kind: 'none', span, text };
    case 'identifier':
    case 'attribute': {
      const name = dottedName(node);
      if (name) return { kind: 'name', span, text, name };
      break;
    }
    case 'call': {
      const call = toCall(node, source);
      if (call) return { kind: 'call', span, text, call };
      break;
    }
    case 'tuple':
    case 'list':
    case 'set':
    case 'expression_list':
      return {
        kind: 'sequence',
        span,
        text,
        brackets: node.type === 'list' ? 'list' : node.type === 'set' ? 'set' : 'tuple',
        items: node.namedChildren.filter(isExpression).map((c) => toValue(c, source)),
      };
    case 'parenthesized_expression': {
      const inner = node.namedChildren.find(isExpression);
      if (inner) return toValue(inner, source);
      break;
    }
    case 'dictionary':
      return {
        kind: 'dict',
        span,
        text,
        entries: node.namedChildren
          .filter((c): c is SyntaxNode => c?.type === 'pair')
          .map((pair) => ({
            key: toValue(pair.childForFieldName('key') as SyntaxNode, source),
            value: toValue(pair.childForFieldName('value') as SyntaxNode, source),
          })),
      };
  }
  return { kind: 'opaque', span, text, nodeType: node.type };
}

function isExpression(node: SyntaxNode | null): node is SyntaxNode {
  return node !== null && node.type !== 'comment' && node.isNamed;
}

/**
 * How many links of a method chain (`a.f().g().h()`) are kept: the callee text beyond them is
 * `…`, and receivers beyond them are not converted. Alembic code chains two or three calls
 * (`op.get_bind().execute`, `sa.text(…).bindparams`); without a bound, a chain thousands of
 * links long costs time cubic in its length.
 */
export const MAX_CHAIN_LINKS = 8;

export function toCall(node: SyntaxNode, source: string, chainLink = 0): PyCall | undefined {
  const fn = node.childForFieldName('function');
  const argList = node.childForFieldName('arguments');
  if (!fn) return undefined;
  const callee = calleeText(fn);
  const lastDot = callee.lastIndexOf('.');
  const args: PyValue[] = [];
  const keywords: PyKeyword[] = [];
  if (argList && argList.type === 'argument_list') {
    for (const child of argList.namedChildren) {
      if (!child || child.type === 'comment') continue;
      if (child.type === 'keyword_argument') {
        const name = child.childForFieldName('name');
        const value = child.childForFieldName('value');
        if (name && value) keywords.push({ name: name.text, value: toValue(value, source), span: spanOf(child) });
      } else if (child.type !== 'ERROR') {
        args.push(toValue(child, source));
      }
    }
  }
  const argsSpan = argList
    ? { start: argList.startIndex + 1, end: Math.max(argList.startIndex + 1, argList.endIndex - 1) }
    : spanOf(node);
  const object = fn.type === 'attribute' ? fn.childForFieldName('object') : null;
  const receiverCall =
    object?.type === 'call' && chainLink < MAX_CHAIN_LINKS
      ? nested(
          () => toCall(object, source, chainLink + 1),
          () => undefined,
        )
      : undefined;
  return {
    receiverCall,
    callee,
    method: lastDot >= 0 ? callee.slice(lastDot + 1) : callee,
    receiver: lastDot >= 0 ? callee.slice(0, lastDot) : '',
    args,
    keywords,
    span: spanOf(node),
    calleeSpan: spanOf(fn),
    argsSpan,
  };
}

/** `op.get_bind().execute` is written with the inner call's arguments collapsed to `()`. */
export function calleeText(fn: SyntaxNode): string {
  // A loop rather than recursion: a chain such as `q.f().f().f()…` may be thousands of links long.
  const suffixes: string[] = [];
  let head = '';
  for (let node: SyntaxNode | null = fn; node;) {
    if (suffixes.length >= 2 * MAX_CHAIN_LINKS) {
      head = '…';
      break;
    }
    if (node.type === 'identifier') {
      head = node.text;
      break;
    }
    if (node.type === 'attribute') {
      suffixes.push(`.${node.childForFieldName('attribute')?.text ?? ''}`);
      node = node.childForFieldName('object');
    } else if (node.type === 'call') {
      suffixes.push('()');
      node = node.childForFieldName('function');
    } else {
      head = node.text.replace(/\s+/g, '');
      break;
    }
  }
  return head + suffixes.reverse().join('');
}
