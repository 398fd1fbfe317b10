import { isDeepStrictEqual } from 'node:util';
import { parseToml } from './toml';

/**
 * Sets one key of one table in a TOML file by editing its text: every other byte (comments,
 * spacing, quoting, key order, line endings) stays as it was. A TOML library would re-serialise
 * the whole file. The result is parsed again and must differ from the original in that key alone;
 * otherwise (a layout this editor does not know, e.g. the table written as dotted keys) an error
 * says so and nothing is written.
 */
export function setTomlKey(text: string, table: readonly string[], key: string, valueToml: string): string {
  const statements = scanStatements(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const headerIndex =
    table.length === 0 ? -1 : statements.findIndex((s) => s.kind === 'header' && sameKey(s.key, table));
  let edited: string;
  if (table.length > 0 && headerIndex < 0) {
    const sep = text === '' || text.endsWith('\n') ? '' : eol;
    const gap = text.trim() === '' ? '' : eol;
    edited = `${text}${sep}${gap}[${table.join('.')}]${eol}${key} = ${valueToml}${eol}`;
  } else {
    const sectionStart = headerIndex + 1;
    let sectionEnd = statements.findIndex((s, i) => i >= sectionStart && s.kind === 'header');
    if (sectionEnd < 0) sectionEnd = statements.length;
    const section = statements.slice(sectionStart, sectionEnd);
    const existing = section.find((s) => s.kind === 'pair' && sameKey(s.key, [key]));
    if (existing?.kind === 'pair') {
      edited = text.slice(0, existing.valueStart) + valueToml + text.slice(existing.valueEnd);
    } else {
      const lastPair = [...section].reverse().find((s) => s.kind === 'pair');
      const after = lastPair ?? (headerIndex >= 0 ? statements[headerIndex] : undefined);
      if (after) {
        const at = after.lineEnd;
        const lineBreak = text.slice(at).startsWith('\r\n') ? 2 : text.slice(at).startsWith('\n') ? 1 : 0;
        const insertAt = at + lineBreak;
        const before = lineBreak === 0 ? eol : '';
        edited = `${text.slice(0, insertAt)}${before}${key} = ${valueToml}${eol}${text.slice(insertAt)}`;
      } else {
        // A key of the root table goes before the first table header (after the file's opening comments).
        const firstHeader = statements.find((s) => s.kind === 'header');
        const insertAt = firstHeader ? firstHeader.start : text.length;
        const sep = insertAt > 0 && !text.slice(0, insertAt).endsWith('\n') ? eol : '';
        const gap = firstHeader ? eol : '';
        edited = `${text.slice(0, insertAt)}${sep}${key} = ${valueToml}${eol}${gap}${text.slice(insertAt)}`;
      }
    }
  }
  checkOnlyKeyChanged(text, edited, [...table, key], valueToml);
  return edited;
}

export class TomlEditError extends Error {}

function checkOnlyKeyChanged(before: string, after: string, keyPath: string[], valueToml: string): void {
  let old: Record<string, unknown>;
  let now: Record<string, unknown>;
  let value: unknown;
  try {
    old = parseToml(before) as Record<string, unknown>;
    now = parseToml(after) as Record<string, unknown>;
    value = (parseToml(`v = ${valueToml}`) as { v: unknown }).v;
  } catch (err) {
    throw new TomlEditError(`the edited file would not be valid TOML (${(err as Error).message.split('\n')[0]})`);
  }
  // Plain JSON on both sides: the parser's tables have no prototype, and dates compare as text.
  const plain = (x: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(x)) as Record<string, unknown>;
  const set = (root: Record<string, unknown>, v: unknown): Record<string, unknown> => {
    const copy = plain(root);
    let table = copy;
    for (const k of keyPath.slice(0, -1)) {
      if (typeof table[k] !== 'object' || table[k] === null) table[k] = {};
      table = table[k] as Record<string, unknown>;
    }
    table[keyPath[keyPath.length - 1]] = v;
    return copy;
  };
  if (!isDeepStrictEqual(set(old, value), plain(now)))
    throw new TomlEditError(
      `\`${keyPath.join('.')}\` could not be set without touching anything else (the table may be ` +
        `written in a way this edit does not handle); set it by hand to ${valueToml}`,
    );
}

type Statement =
  | { kind: 'header'; key: string[]; start: number; lineEnd: number }
  | { kind: 'pair'; key: string[]; start: number; valueStart: number; valueEnd: number; lineEnd: number };

/**
 * The file's table headers and key/value pairs, with offsets. Skips comments, and reads through
 * strings (all four kinds) and multi-line arrays and inline tables, so that a `[` or `#` inside
 * a value is not taken for a header or a comment.
 */
function scanStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  let i = 0;
  const n = text.length;
  const skipSpaces = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const lineEndFrom = (from: number): number => {
    let j = from;
    while (j < n && text[j] !== '\n') j++;
    return j > from && text[j - 1] === '\r' ? j - 1 : j;
  };
  while (i < n) {
    skipSpaces();
    if (i >= n) break;
    const c = text[i];
    if (c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      i = lineEndFrom(i);
      continue;
    }
    const start = i;
    if (c === '[') {
      const array = text[i + 1] === '[';
      i += array ? 2 : 1;
      const keyStart = i;
      i = skipKey(text, i);
      const key = parseKey(text.slice(keyStart, i));
      i = text.indexOf(']', i);
      if (i < 0) i = n;
      i += array ? 2 : 1;
      skipSpaces();
      if (text[i] === '#') i = lineEndFrom(i);
      statements.push(
        array
          ? { kind: 'header', key: ['[[array]]', ...key], start, lineEnd: i }
          : { kind: 'header', key, start, lineEnd: i },
      );
      continue;
    }
    i = skipKey(text, i);
    const key = parseKey(text.slice(start, i));
    skipSpaces();
    if (text[i] !== '=') {
      i = lineEndFrom(i); // not TOML the parser would accept; the final check catches it
      continue;
    }
    i++;
    skipSpaces();
    const valueStart = i;
    i = skipValue(text, i);
    const valueEnd = i;
    skipSpaces();
    if (text[i] === '#') i = lineEndFrom(i);
    statements.push({ kind: 'pair', key, start, valueStart, valueEnd, lineEnd: i });
  }
  return statements;
}

/** Past a (dotted, quoted or bare) key. */
function skipKey(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") i = skipString(text, i);
    else if (/[A-Za-z0-9_\-. \t]/.test(c)) i++;
    else break;
  }
  while (i > from && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i;
}

function parseKey(raw: string): string[] {
  const parts: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw)) !== null && m[0] !== '') {
    const part = m[1];
    parts.push(part.startsWith('"') ? (JSON.parse(part) as string) : part.startsWith("'") ? part.slice(1, -1) : part);
    if (re.lastIndex >= raw.length) break;
  }
  return parts;
}

function sameKey(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/** Past one string of any of TOML's four kinds, starting at its opening quote. */
function skipString(text: string, from: number): number {
  const quote = text[from];
  const triple = text.startsWith(quote.repeat(3), from);
  if (triple) {
    let i = from + 3;
    while (i < text.length) {
      if (quote === '"' && text[i] === '\\') i += 2;
      else if (text.startsWith(quote.repeat(3), i)) {
        i += 3;
        while (text[i] === quote) i++; // up to two quotes may end the content
        return i;
      } else i++;
    }
    return i;
  }
  let i = from + 1;
  while (i < text.length && text[i] !== quote && text[i] !== '\n') i += quote === '"' && text[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Past one value: a string, or an array / inline table (nested, over lines, with comments), or a bare scalar. */
function skipValue(text: string, from: number): number {
  let i = from;
  let depth = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      i = skipString(text, i);
      if (depth === 0) return i;
      continue;
    }
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === '#' && depth > 0) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    } else if (depth === 0 && (c === '\n' || c === '\r' || c === '#')) {
      let end = i;
      while (end > from && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
      return end;
    }
    i++;
  }
  return i;
}
