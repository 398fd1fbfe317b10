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
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Decodes a `string` or `concatenated_string` node. Returns undefined for other nodes. */
export function decodeStringNode(node: SyntaxNode, source: string): StringValue | undefined {
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type === 'string');
    return joinParts(parts, node.endIndex, source);
  }
  if (node.type !== 'string') return undefined;
  return decodeLiteral(
    source.slice(node.startIndex, node.endIndex),
    node.startIndex,
    node.children.some((c) => c?.type === 'interpolation'),
  );
}

/**
 * `"ALTER TABLE account " + "ADD COLUMN note text"`: string literals joined with `+` are one
 * string known before the revision runs (folded as Python folds them). Anything else in the sum
 * (a name, a call, a number) leaves it undefined: built at run time.
 */
export function decodeStringSum(node: SyntaxNode, source: string): StringValue | undefined {
  const parts: SyntaxNode[] = [];
  const collect = (n: SyntaxNode | null, depth: number): boolean => {
    if (!n || depth > 64) return false;
    if (n.type === 'string' || n.type === 'concatenated_string') {
      parts.push(n);
      return true;
    }
    if (n.type === 'parenthesized_expression') {
      const inner = n.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type !== 'comment');
      return inner.length === 1 && collect(inner[0], depth + 1);
    }
    if (n.type !== 'binary_operator') return false;
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (!left || !right || source.slice(left.endIndex, right.startIndex).trim() !== '+') return false;
    return collect(left, depth + 1) && collect(right, depth + 1);
  };
  if (node.type !== 'binary_operator' || !collect(node, 0)) return undefined;
  return joinParts(parts, node.endIndex, source);
}

function joinParts(parts: SyntaxNode[], end: number, source: string): StringValue | undefined {
  const decodedParts: StringValue[] = [];
  let value = '';
  let analysable = true;
  let reason: string | undefined;
  let isBytes = false;
  for (const part of parts) {
    const decoded = decodeStringNode(part, source);
    if (!decoded) return undefined;
    decodedParts.push(decoded);
    value += decoded.value;
    analysable &&= decoded.analysable;
    reason ??= decoded.reason;
    isBytes ||= decoded.isBytes;
  }
  return withLazyOffsets({ value, analysable, reason, isBytes }, () => {
    const offsets: number[] = [];
    // A loop, not push(...spread): a literal of a few hundred thousand characters would overflow the stack.
    for (const decoded of decodedParts) for (let k = 0; k < decoded.value.length; k++) offsets.push(decoded.offsets[k]);
    offsets.push(end);
    return offsets;
  });
}

/** Decodes one literal's text (prefix, quotes and body) that starts at `base` in the source. */
export function decodeLiteral(text: string, base: number, hasInterpolation = false): StringValue {
  const prefixMatch = /^[a-zA-Z]*/.exec(text);
  const prefix = (prefixMatch ? prefixMatch[0] : '').toLowerCase();
  let bodyStart = prefix.length;
  const quote =
    text.startsWith('"""', bodyStart) || text.startsWith("'''", bodyStart)
      ? text.slice(bodyStart, bodyStart + 3)
      : text.charAt(bodyStart);
  bodyStart += quote.length;
  // A half-typed literal has no closing quote: take everything that is there.
  const end =
    text.length >= bodyStart + quote.length && text.endsWith(quote) ? text.length - quote.length : text.length;
  const raw = prefix.includes('r');
  const isF = prefix.includes('f') || prefix.includes('t');
  const joined = decodeBody(text, bodyStart, end, raw, base);
  const result = withLazyOffsets({ value: joined, analysable: true, isBytes: prefix.includes('b') }, () => {
    const offsets: number[] = [];
    decodeBody(text, bodyStart, end, raw, base, offsets);
    return offsets;
  });
  if (isF && (hasInterpolation || /\{[^{]/.test(joined.replace(/\{\{/g, '')))) {
    result.analysable = false;
    result.reason = 'an f-string is built at run time';
  }
  return result;
}

/**
 * The value of a literal's body, text[i, end); with `offsets`, also where each character came
 * from. Offsets are asked for only by the few strings that are SQL, so they are made on demand.
 */
function decodeBody(text: string, i: number, end: number, raw: boolean, base: number, offsets?: number[]): string {
  const value: string[] = [];
  while (i < end) {
    // Copy the run up to the next escape in one piece: most SQL literals have none.
    const nextEscape = raw ? -1 : text.indexOf('\\', i);
    const runEnd = nextEscape < 0 || nextEscape >= end ? end : nextEscape;
    if (runEnd > i) {
      value.push(text.slice(i, runEnd));
      if (offsets) for (let k = i; k < runEnd; k++) offsets.push(base + k);
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
      else if (next === '\n')
        decoded = ''; // line continuation inside the literal
      else if (next === '\r') {
        decoded = '';
        if (text.charAt(i + 2) === '\n') length = 3;
      } else if (/[0-7]/.test(next)) {
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
        if (close > 0) {
          decoded = '\uFFFD';
          length = close - i + 1;
        } // the name table is not worth shipping
      }
      if (decoded === undefined) {
        decoded = '\\' + next;
      } // unknown escapes stay as written
      for (const c of decoded) {
        value.push(c);
        if (offsets) {
          offsets.push(base + start);
          if (c.length === 2) offsets.push(base + start);
        }
      }
      i += length;
      continue;
    }
    value.push(ch);
    offsets?.push(base + i);
    i++;
  }
  offsets?.push(base + end);
  return value.join('');
}

/** A StringValue whose `offsets` are computed on first read, then kept. */
function withLazyOffsets(fields: Omit<StringValue, 'offsets'>, compute: () => number[]): StringValue {
  let offsets: number[] | undefined;
  return {
    ...fields,
    get offsets(): number[] {
      offsets ??= compute();
      return offsets;
    },
  };
}
