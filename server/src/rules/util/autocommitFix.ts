import type { MigrationModel, Operation } from '../../model/migration';
import type { TextEdit } from '../types';
import { addKeywordArgument, commentBlockAbove, indentationAt, lineBreakOf } from './pythonEdits';

/**
 * Wraps an operation that stands alone on its lines in
 * `with op.get_context().autocommit_block():`, re-indenting it one level (optionally adding a
 * keyword argument). Undefined when the call shares a line with other code, or is an expression
 * inside something else, where a mechanical wrap could change the meaning. The comment lines
 * directly above the call move into the block with it: they belong to the call (a `# rationale:`
 * above the `with` line would no longer count for it).
 */
export function wrapInAutocommitBlock(
  migration: MigrationModel,
  op: Operation,
  keyword?: { name: string; value: string },
): TextEdit | undefined {
  const { source, lines } = migration;
  // batch_op calls run when the `with op.batch_alter_table()` block exits, not where they stand.
  if (op.batchTable !== undefined || !op.isAlembicOp) return undefined;
  const start = lines.positionAt(op.call.span.start);
  const end = lines.positionAt(op.call.span.end);
  const firstLine = lines.lineText(start.line);
  // Only spaces and tabs before the call: a form feed in the indentation resets Python's column
  // count, so re-indenting such a line by text could put the call outside the new block.
  if (!/^[ \t]*$/.test(firstLine.slice(0, start.character))) return undefined;
  if (!/^\s*(#.*)?$/.test(lines.lineText(end.line).slice(end.character))) return undefined;
  const indent = indentationAt(migration, op.call.span.start);
  const unit = /\t/.test(indent)
    ? '\t'
    : migration.upgrade?.bodyIndent && !/\t/.test(migration.upgrade.bodyIndent)
      ? migration.upgrade.bodyIndent
      : '    ';
  const eol = lineBreakOf(source);
  let callText = source.slice(op.call.span.start, op.call.span.end);
  if (keyword) {
    const edit = keywordEdit(migration, op, keyword.name, keyword.value);
    const at = edit.span.start - op.call.span.start;
    callText = callText.slice(0, at) + edit.newText + callText.slice(edit.span.end - op.call.span.start);
  }
  const receiver = op.call.receiver || 'op';
  const body = callText
    .split(/\r?\n/)
    .map((line, i) => (i === 0 ? `${indent}${unit}${line}` : line === '' ? line : `${unit}${line}`))
    .join(eol);
  const comments = commentBlockAbove(migration, op.call.span.start);
  const lineStart = lines.lineStart(comments[0]?.line ?? start.line);
  const movedComments = comments.map((c) => `${indent}${unit}${c.text}${eol}`).join('');
  return {
    span: { start: lineStart, end: op.call.span.end },
    newText: `${indent}with ${receiver}.get_context().autocommit_block():${eol}${movedComments}${body}`,
  };
}

/** Adds `name=value` as the last argument; on a line of its own when the call puts one argument per line with a trailing comma. */
function keywordEdit(migration: MigrationModel, op: Operation, name: string, value: string): TextEdit {
  const { call } = op;
  const lastEnd = Math.max(-1, ...call.args.map((a) => a.span.end), ...call.keywords.map((k) => k.span.end));
  const tail = lastEnd >= 0 ? migration.source.slice(lastEnd, call.span.end) : '';
  const trailing = /^,[ \t]*(\r?\n)[ \t]*\)$/.exec(tail);
  if (!trailing) return addKeywordArgument(call, name, value);
  const at = lastEnd + 1;
  return {
    span: { start: at, end: at },
    newText: `${lineBreakOf(migration.source)}${indentationAt(migration, lastEnd)}${name}=${value},`,
  };
}
