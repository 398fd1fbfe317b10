import type { PyNode as SyntaxNode } from './pyTree';

/**
 * The value of a Python string literal together with where each of its characters came from in
 * the source, so that a position found inside the value (e.g. by the SQL parser) maps back to
 * an exact UTF-16 offset in the Python file, through prefixes, escapes, triple quotes and
 * implicit concatenation ("a" "b").
 */
export interface StringValue {
  value: string;
  /** offsets[i] is the source offset of value[i]; offsets[value.length] is the end of the last piece. */
  offsets: number[];
  /** False for f-strings with interpolations: their value is only known at run time. */
  analysable: boolean;
  /** Why the value cannot be analysed, for the "not analysable" message. */
  reason?: string;
  isBytes: boolean;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/** Decodes a `string` or `concatenated_string` node. Returns undefined for other nodes. */
export function decodeStringNode(node: SyntaxNode, source: string): StringValue | undefined {
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type === 'string');
    const result: StringValue = { value: '', offsets: [], analysable: true, isBytes: false };
    for (const part of parts) {
      const decoded = decodeStringNode(part, source);
      if (!decoded) return undefined;
      result.value += decoded.value;
      // A loop, not push(...spread): a literal of a few hundred thousand characters would overflow the stack.
      for (let k = 0; k < decoded.value.length; k++) result.offsets.push(decoded.offsets[k]);
      result.analysable &&= decoded.analysable;
      result.reason ??= decoded.reason;
      result.isBytes ||= decoded.isBytes;
    }
    result.offsets.push(node.endIndex);
    return result;
  }
  if (node.type !== 'string') return undefined;
  return decodeLiteral(source.slice(node.startIndex, node.endIndex), node.startIndex, node.children.some((c) => c?.type === 'interpolation'));
}

/** Decodes one literal's text (prefix, quotes and body) that starts at `base` in the source. */
export function decodeLiteral(text: string, base: number, hasInterpolation = false): StringValue {
  const prefixMatch = /^[a-zA-Z]*/.exec(text);
  const prefix = (prefixMatch ? prefixMatch[0] : '').toLowerCase();
  let i = prefix.length;
  const quote = text.startsWith('"""', i) || text.startsWith("'''", i) ? text.slice(i, i + 3) : text.charAt(i);
  i += quote.length;
  // A half-typed literal has no closing quote: take everything that is there.
  const end = text.length >= i + quote.length && text.endsWith(quote) ? text.length - quote.length : text.length;
  const raw = prefix.includes('r');
  const isF = prefix.includes('f') || prefix.includes('t');
  const value: string[] = [];
  const offsets: number[] = [];
  while (i < end) {
    // Copy the run up to the next escape in one piece: most SQL literals have none.
    const nextEscape = raw ? -1 : text.indexOf('\\', i);
    const runEnd = nextEscape < 0 || nextEscape >= end ? end : nextEscape;
    if (runEnd > i) {
      value.push(text.slice(i, runEnd));
      for (let k = i; k < runEnd; k++) offsets.push(base + k);
      i = runEnd;
      continue;
    }
    const ch = text.charAt(i);
    if (ch === '\\' && !raw && i + 1 < end) {
      const start = i;
      const next = text.charAt(i + 1);
      let decoded: string | undefined;
      let length = 2;
      if (next in SIMPLE_ESCAPES) decoded = SIMPLE_ESCAPES[next];
      else if (next === '\n') decoded = ''; // line continuation inside the literal
      else if (next === '\r') { decoded = ''; if (text.charAt(i + 2) === '\n') length = 3; }
      else if (/[0-7]/.test(next)) {
        const m = /^[0-7]{1,3}/.exec(text.slice(i + 1)) as RegExpExecArray;
        decoded = String.fromCharCode(parseInt(m[0], 8));
        length = 1 + m[0].length;
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const digits = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        const hex = text.slice(i + 2, i + 2 + digits);
        if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === digits) {
          decoded = String.fromCodePoint(parseInt(hex, 16));
          length = 2 + digits;
        }
      } else if (next === 'N' && text.charAt(i + 2) === '{') {
        const close = text.indexOf('}', i + 3);
        if (close > 0) { decoded = '\uFFFD'; length = close - i + 1; } // the name table is not worth shipping
      }
      if (decoded === undefined) { decoded = '\\' + next; } // unknown escapes stay as written
      for (const c of decoded) { value.push(c); offsets.push(base + start); if (c.length === 2) offsets.push(base + start); }
      i += length;
      continue;
    }
    value.push(ch);
    offsets.push(base + i);
    i++;
  }
  offsets.push(base + end);
  const joined = value.join('');
  const result: StringValue = { value: joined, offsets, analysable: true, isBytes: prefix.includes('b') };
  if (isF && (hasInterpolation || /\{[^{]/.test(joined.replace(/\{\{/g, '')))) {
    result.analysable = false;
    result.reason = 'an f-string is built at run time';
  }
  return result;
}
