import type { MigrationModel, PyCall } from '../../model/migration';
import type { Span } from '../../model/source';
import type { TextEdit } from '../types';

/** Text edits on Python source that keep it valid: arguments into calls, comment lines above code. */

/** Inserts `keyword=value` as the last argument of a call, after any existing argument. */
export function addKeywordArgument(call: PyCall, keyword: string, valueText: string): TextEdit {
  const lastEnd = Math.max(-1, ...call.args.map((a) => a.span.end), ...call.keywords.map((k) => k.span.end));
  if (lastEnd < 0)
    return { span: { start: call.argsSpan.start, end: call.argsSpan.start }, newText: `${keyword}=${valueText}` };
  return { span: { start: lastEnd, end: lastEnd }, newText: `, ${keyword}=${valueText}` };
}

/** The line break the file uses. */
export function lineBreakOf(source: string): string {
  return /\r\n|\n|\r/.exec(source)?.[0] ?? '\n'; // the file's first line break, also a lone CR
}

/** The leading white space of the line holding `offset`. */
export function indentationAt(migration: MigrationModel, offset: number): string {
  const line = migration.lines.positionAt(offset).line;
  return /^[ \t]*/.exec(migration.lines.lineText(line))?.[0] ?? '';
}

/** Inserts a full line (indented like the line holding `offset`) above that line. */
export function insertLineAbove(migration: MigrationModel, offset: number, lineText: string): TextEdit {
  const line = migration.lines.positionAt(offset).line;
  const start = migration.lines.lineStart(line);
  return {
    span: { start, end: start },
    newText: `${indentationAt(migration, offset)}${lineText}${lineBreakOf(migration.source)}`,
  };
}

/** The comment lines directly above the line holding `offset` (nearest last), with their text. */
export function commentBlockAbove(migration: MigrationModel, offset: number): Array<{ text: string; line: number }> {
  const block: Array<{ text: string; line: number }> = [];
  for (let line = migration.lines.positionAt(offset).line - 1; line >= 0; line--) {
    const text = migration.lines.lineText(line).trim();
    if (!text.startsWith('#')) break;
    block.unshift({ text, line });
  }
  return block;
}

/** The trailing comment on the line holding `offset`, if any. */
export function trailingComment(migration: MigrationModel, offset: number): string | undefined {
  const line = migration.lines.positionAt(offset).line;
  return migration.comments.find(
    (c) =>
      c.line === line &&
      migration.lines.positionAt(c.span.start).character > 0 &&
      /\S/.test(migration.lines.lineText(line).slice(0, migration.lines.positionAt(c.span.start).character)),
  )?.text;
}

/**
 * How to spell a SQLAlchemy name in this file: `sa.text` after `import sqlalchemy as sa`,
 * `text` after `from sqlalchemy import text`; undefined when SQLAlchemy is not imported.
 */
export function sqlalchemyName(migration: MigrationModel, name: string): string | undefined {
  const direct = migration.imports.find(
    (i) =>
      (i.module === 'sqlalchemy' || i.module === 'sqlalchemy.sql' || i.module === 'sqlalchemy.sql.expression') &&
      i.name === name,
  );
  if (direct) return direct.alias;
  const module = migration.imports.find((i) => i.module === 'sqlalchemy' && i.name === undefined);
  return module ? `${module.alias}.${name}` : undefined;
}

/** A Python string literal for `value`, double-quoted unless the value holds a double quote. */
export function pythonString(value: string): string {
  if (!value.includes('"')) return `"${value.replace(/\\/g, '\\\\')}"`;
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The function definition (module level) whose span holds `offset`. */
export function spanHolds(span: Span, offset: number): boolean {
  return offset >= span.start && offset < span.end;
}
