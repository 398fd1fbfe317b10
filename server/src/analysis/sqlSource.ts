import type { MigrationModel, PyValue, SqlBlock, SqlStatement } from '../model/migration';
import type { Span } from '../model/source';
import { decodeLiteral } from '../parse/strings';
import { ObjectMemo } from '../model/objectMemo';

/**
 * Where each character of a SQL text came from in the Python source. Rules use it to turn a
 * position found in the SQL (by libpg-query or the SQL lexer) into an exact source range, and to
 * refuse a fix when the characters to replace were not written literally (escapes, a boundary of
 * implicit concatenation): a fix is offered only where the source says exactly what the SQL says.
 */
export interface SourceText {
  value: string;
  /** offsets[i]: source offset of value[i]; offsets[value.length]: end of the last piece. */
  offsets: readonly number[];
}

const cache = new ObjectMemo<SqlBlock, SourceText | null>('cache');

/** The SQL text of a block with its offsets, re-read from the literal(s) at the block's span. */
export function sqlBlockText(migration: MigrationModel, block: SqlBlock): SourceText | undefined {
  if (cache.has(block)) return cache.get(block) ?? undefined;
  const result = decodeStringsAt(migration.source, block.span);
  const ok = result && block.text !== undefined && result.value === block.text ? result : undefined;
  cache.set(block, ok ?? null);
  return ok;
}

/** The text of a Python string value (e.g. inside `sa.text("…")`) with its offsets. */
export function pyStringText(value: PyValue): SourceText | undefined {
  return value.kind === 'string' && value.string.analysable
    ? { value: value.string.value, offsets: value.string.offsets }
    : undefined;
}

/**
 * The editor re-reads every SQL literal of a file on each keystroke; a decoding depends only on the
 * literal's text and where it starts, so it is kept by both (most recently used last, bounded).
 */
const decoded = new Map<string, SourceText | undefined>();
const DECODED_ENTRIES = 2000;
/** Longer texts (squashed dumps) are decoded each time rather than pinned in memory. */
const DECODED_MAX_LENGTH = 64 * 1024;

/** Decodes the string literal(s) written in `span` (one literal, or several implicitly concatenated). */
function decodeStringsAt(source: string, span: Span): SourceText | undefined {
  if (span.end - span.start > DECODED_MAX_LENGTH) return decodeStringsUncached(source, span);
  // The decoder looks up to three characters past the span (a quote's length): they are in the key too.
  const key = `${span.start}:${span.end}:${source.slice(span.start, span.end + 3)}`;
  if (decoded.has(key)) {
    const hit = decoded.get(key);
    decoded.delete(key);
    decoded.set(key, hit);
    return hit;
  }
  const result = decodeStringsUncached(source, span);
  decoded.set(key, result);
  if (decoded.size > DECODED_ENTRIES) decoded.delete(decoded.keys().next().value as string);
  return result;
}

function decodeStringsUncached(source: string, span: Span): SourceText | undefined {
  let value = '';
  const offsets: number[] = [];
  let i = span.start;
  while (i < span.end) {
    const c = source[i];
    if (/\s/.test(c) || (c === '\\' && /[\r\n]/.test(source[i + 1] ?? ''))) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < span.end && source[i] !== '\n') i++;
      continue;
    }
    const prefix = /^[A-Za-z]{0,2}(?=['"])/.exec(source.slice(i, i + 3));
    if (!prefix) return undefined;
    const q = i + prefix[0].length;
    const quote = source.startsWith('"""', q) || source.startsWith("'''", q) ? source.slice(q, q + 3) : source[q];
    let k = q + quote.length;
    // Even in a raw literal a backslash keeps the next quote from closing it.
    while (k < span.end && !source.startsWith(quote, k)) k += source[k] === '\\' ? 2 : 1;
    const end = Math.min(k + quote.length, span.end);
    const decoded = decodeLiteral(source.slice(i, end), i);
    if (!decoded.analysable) return undefined;
    value += decoded.value;
    for (let k = 0; k < decoded.value.length; k++) offsets.push(decoded.offsets[k]); // no push(...spread): huge literals overflow the stack
    i = end;
  }
  offsets.push(span.end);
  return { value, offsets };
}

/** A source span covering value[a, b) (for diagnostics: need not be written literally). */
export function spanOfRange(text: SourceText, a: number, b: number): Span {
  const start = text.offsets[Math.max(0, Math.min(a, text.value.length))];
  const end = b > a ? text.offsets[Math.min(b - 1, text.value.length - 1)] + 1 : start;
  return { start, end: Math.max(start, end) };
}

/**
 * The source span of value[a, b) when those characters are written literally and contiguously in
 * the source (no escape, no concatenation boundary), so replacing the span replaces exactly them.
 */
export function exactSpan(source: string, text: SourceText, a: number, b: number): Span | undefined {
  if (a < 0 || b > text.value.length || a >= b) return undefined;
  const start = text.offsets[a];
  for (let k = a; k < b; k++) {
    if (text.offsets[k] !== start + (k - a)) return undefined;
  }
  const span = { start, end: start + (b - a) };
  return source.slice(span.start, span.end) === text.value.slice(a, b) ? span : undefined;
}

/** The source offset right after value[index - 1], when that character is written literally. */
export function insertionPointAfter(source: string, text: SourceText, index: number): number | undefined {
  return exactSpan(source, text, index - 1, index)?.end;
}

/** The index in the block's SQL text of a libpg-query byte location inside `statement`. */
export function indexOfLocation(statement: SqlStatement, byteLocation: number): number {
  return statement.parsed.locate(byteLocation);
}

/** A statement's first line in the source, trimmed: a compact range for statement-level findings. */
export function statementHeadSpan(migration: MigrationModel, statement: SqlStatement): Span {
  const { start, end } = statement.span;
  const lineEnd = migration.source.indexOf('\n', start);
  return {
    start,
    end: lineEnd < 0 || lineEnd > end ? end : Math.max(start + 1, trimEnd(migration.source, start, lineEnd)),
  };
}

function trimEnd(source: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(source[e - 1])) e--;
  return e;
}
