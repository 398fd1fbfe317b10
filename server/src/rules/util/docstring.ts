import type { MigrationModel } from '../../model/migration';
import type { Span } from '../../model/source';
import type { TextEdit } from '../types';
import { lineBreakOf } from './pythonEdits';

/**
 * Reading and writing `Label: value` lines of a revision's docstring, on the source text itself
 * (docstrings are plain triple-quoted strings in practice; a docstring with escapes is read
 * through the model's value and not edited).
 */
export interface DocstringLine {
  label: string;
  qualifier?: string;
  value: string;
  valueSpan: Span;
  lineSpan: Span;
}

/** Lines like `Depends on: a, b` or `report_view depends on: a, b` (label matched case-insensitively). */
export function labelledLines(migration: MigrationModel, label: string): DocstringLine[] {
  const span = migration.docstringSpan;
  if (!span || migration.docstring === undefined) return [];
  // The opening quotes become spaces, so that a label on the docstring's first line starts a line too.
  const raw = migration.source
    .slice(span.start, span.end)
    .replace(/^[rRuU]*("""|'''|"|')/, (m) => ' '.repeat(m.length));
  const escaped = label.replace(/\s+/g, '\\s+');
  const pattern = new RegExp(
    `^([ \\t]*(?:[-*][ \\t]*)?(?:([\\w."]+)[ \\t]+)?(${escaped})[ \\t]*:[ \\t]*)([^\\r\\n]*?)[ \\t]*(?:"""|'''|$)`,
    'gim',
  );
  const out: DocstringLine[] = [];
  for (const m of raw.matchAll(pattern)) {
    const start = span.start + (m.index ?? 0);
    const valueStart = start + m[1].length;
    out.push({
      label: m[3],
      qualifier: m[2]?.replace(/"/g, ''),
      value: m[4],
      valueSpan: { start: valueStart, end: valueStart + m[4].length },
      lineSpan: { start, end: valueStart + m[4].length },
    });
  }
  return out;
}

/** Does the docstring have a non-empty `Label:` line? */
export function hasLabel(migration: MigrationModel, label: string): boolean {
  const escaped = label.replace(/\s+/g, '\\s+');
  return new RegExp(`^[ \\t]*(?:[-*][ \\t]*)?${escaped}[ \\t]*:[ \\t]*\\S`, 'im').test(migration.docstring ?? '');
}

/**
 * An edit that adds a line to the docstring: before Alembic's `Revision ID:` block when there is
 * one, else before the closing quotes; a new docstring at the top of the file when there is none.
 * Undefined for a docstring that is not triple-quoted.
 */
export function addDocstringLine(migration: MigrationModel, line: string): TextEdit | undefined {
  const eol = lineBreakOf(migration.source);
  const span = migration.docstringSpan;
  if (!span) {
    // A module whose first line is indented is not one a new docstring at column 0 can open.
    if (/^\s*?[ \t]+\S/.test(migration.source.replace(/^(\s*\n)+/, ''))) return undefined;
    return { span: { start: 0, end: 0 }, newText: `"""${line}${eol}"""${eol}` };
  }
  const raw = migration.source.slice(span.start, span.end);
  const quote = /("""|''')$/.exec(raw)?.[1];
  if (!quote || !raw.replace(/^[rRuU]*/, '').startsWith(quote)) return undefined;
  const revisionId = /^[ \t]*Revision ID:/m.exec(raw);
  if (revisionId)
    return {
      span: { start: span.start + revisionId.index, end: span.start + revisionId.index },
      newText: `${line}${eol}${eol}`,
    };
  const contentEnd = span.end - quote.length;
  const before = migration.source.slice(span.start, contentEnd);
  const trailing = /\r?\n([ \t]*)$/.exec(before);
  if (trailing) {
    const at = contentEnd - trailing[1].length;
    return { span: { start: at, end: at }, newText: `${trailing[1]}${line}${eol}` };
  }
  return { span: { start: contentEnd, end: contentEnd }, newText: `${eol}${eol}${line}${eol}` };
}
