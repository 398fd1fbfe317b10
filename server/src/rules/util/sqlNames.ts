import type { SqlStatement } from '../../model/migration';
import type { Span } from '../../model/source';

/** The source span of a name that starts at a libpg-query location (falls back to one character). */
export function nameSpan(statement: SqlStatement, location: number, name: string): Span {
  const first = statement.locate(location);
  if (location < 0) return first;
  const last = statement.locate(location + Math.max(0, name.length - 1));
  return last.end > first.start && last.end - first.start <= name.length + 4
    ? { start: first.start, end: last.end }
    : first;
}

/** The span of a statement's leading keywords (`CREATE UNIQUE INDEX`, `DROP VIEW`), or the statement. */
export function keywordSpan(source: string, statement: SqlStatement, pattern: RegExp): Span {
  const match = pattern.exec(statement.text);
  if (!match || match.index !== 0) return statement.span;
  const end = statement.span.start + match[0].length;
  // Only when the keywords were written literally (no escapes or line continuations in between).
  return end <= statement.span.end && source.slice(statement.span.start, end) === match[0]
    ? { start: statement.span.start, end }
    : statement.span;
}
