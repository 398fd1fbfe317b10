import type { SqlAnalyzer } from '../parse/sql';
import type { StringValue } from '../parse/strings';
import type { PyValue, SqlBlock, SqlStatement } from './migration';
import type { LineIndex, Span } from './source';
import { ObjectMemo } from './objectMemo';

/** SQL text functions whose first argument is SQL: `sa.text("…")`, `text("…")`, `sqlalchemy.text("…")`. */
const TEXT_FUNCTIONS = /(^|\.)text$/;
/** Methods chained on `text(...)` that keep its SQL: `.bindparams()`, `.params()`, `.columns()`, `.execution_options()`. */
const TEXT_CHAINS = new Set(['bindparams', 'params', 'columns', 'execution_options']);

/**
 * The SQL of an `execute(...)` argument, parsed, with every statement mapped back to the Python
 * source. SQL built at run time is marked "not analysable", never guessed.
 */
export function sqlBlockOf(
  arg: PyValue,
  lines: LineIndex,
  analyzer: SqlAnalyzer,
  resolveName: (name: string) => PyValue | undefined,
): SqlBlock | undefined {
  const literal = sqlLiteralOf(arg, resolveName, 0);
  if (!literal) return undefined;
  if ('reason' in literal) return { analysable: false, reason: literal.reason, statements: [], span: arg.span };
  return parseSqlString(literal.string, literal.span, lines, analyzer);
}

type LiteralOrReason = { string: StringValue; span: Span } | { reason: string };

function sqlLiteralOf(
  arg: PyValue,
  resolveName: (name: string) => PyValue | undefined,
  depth: number,
): LiteralOrReason | undefined {
  switch (arg.kind) {
    case 'string':
      if (!arg.string.analysable) return { reason: arg.string.reason ?? 'the SQL is built at run time' };
      return { string: arg.string, span: arg.span };
    case 'call': {
      const { call } = arg;
      if (TEXT_FUNCTIONS.test(call.callee) && call.args[0]) return sqlLiteralOf(call.args[0], resolveName, depth);
      if (
        TEXT_CHAINS.has(call.method) &&
        call.receiverCall &&
        TEXT_FUNCTIONS.test(call.receiverCall.callee) &&
        call.receiverCall.args[0]
      ) {
        return sqlLiteralOf(call.receiverCall.args[0], resolveName, depth);
      }
      if (call.method === 'format') return { reason: 'the SQL is built at run time with .format()' };
      if (call.method === 'join') return { reason: 'the SQL is built at run time with join()' };
      if (call.receiver === '' && depth < 3) {
        // A helper of the revision that returns literal SQL (resolved as `name()`); SQL it builds
        // at run time is left alone here, as before: the call may return anything.
        const returned = resolveName(`${call.callee}()`);
        const literal = returned ? sqlLiteralOf(returned, resolveName, depth + 1) : undefined;
        if (literal && !('reason' in literal)) return literal;
      }
      return undefined; // a SQLAlchemy expression object, not SQL text
    }
    case 'opaque':
      if (arg.nodeType === 'binary_operator') {
        return {
          reason: /%/.test(arg.text)
            ? 'the SQL is built at run time with %'
            : 'the SQL is built at run time by concatenation',
        };
      }
      return { reason: 'the SQL is built at run time' };
    case 'name': {
      if (depth < 3) {
        const resolved = resolveName(arg.name);
        if (resolved) return sqlLiteralOf(resolved, resolveName, depth + 1);
      }
      return { reason: `the SQL comes from \`${arg.name}\`, which is not a string literal here` };
    }
    default:
      return undefined;
  }
}

/**
 * The block of a SQL string literal, parsed with PostgreSQL's parser. With an analyzer that parses
 * on read (`libpgQueryOnRead`: the CLI's runs whose rules all read no SQL, e.g. `--select
 * SW107,SW208`), the parser runs when something first reads the block's `statements` or `error`,
 * not while the model is built. Reading either replaces both getters with plain data properties,
 * so the block is plain data from then on (the analysis cache's codec and structured clone read it
 * through the getters); a block without an error then has no `error` key, as an eager one. Runs
 * whose rules read SQL parse it while building, where the parse workers share the load.
 */
export function parseSqlString(string: StringValue, span: Span, lines: LineIndex, analyzer: SqlAnalyzer): SqlBlock {
  if (!analyzer.onRead) {
    const { statements, error } = parsedSqlString(string, span, lines, analyzer);
    return { analysable: true, text: string.value, statements, span, ...(error ? { error } : {}) };
  }
  const block = { analysable: true, text: string.value } as SqlBlock;
  const materialize = (): void => {
    const { statements, error } = parsedSqlString(string, span, lines, analyzer);
    Object.defineProperty(block, 'statements', { value: statements, ...PLAIN });
    if (error) Object.defineProperty(block, 'error', { value: error, ...PLAIN });
    else delete block.error;
  };
  const onFirstRead = <K extends 'statements' | 'error'>(key: K): PropertyDescriptor => ({
    get: (): SqlBlock[K] => {
      materialize();
      return block[key];
    },
    enumerable: true,
    configurable: true,
  });
  // The keys in the order they always had: analysable, text, statements, span, error.
  Object.defineProperty(block, 'statements', onFirstRead('statements'));
  block.span = span;
  Object.defineProperty(block, 'error', onFirstRead('error'));
  return block;
}

const PLAIN = { writable: true, enumerable: true, configurable: true } as const;

function parsedSqlString(
  string: StringValue,
  span: Span,
  lines: LineIndex,
  analyzer: SqlAnalyzer,
): Pick<SqlBlock, 'statements' | 'error'> {
  const { value, offsets } = string;
  const { toSource, charEnd, endToSource } = sourceMapping(offsets, lines.text);
  const parsed = analyzer.parse(value);
  const result: Pick<SqlBlock, 'statements' | 'error'> = { statements: [] };
  if (parsed.error) {
    const at = toSource(parsed.error.offset);
    result.error = { message: parsed.error.message, span: { start: at, end: Math.min(charEnd(at), span.end) } };
  }
  for (const statement of parsed.statements) {
    let end = statement.end;
    while (end > statement.start && /[\s;]/.test(value[end - 1])) end--;
    const stmtSpan = { start: toSource(statement.start), end: endToSource(end) };
    const sqlStatement: SqlStatement = {
      kind: statement.kind,
      text: value.slice(statement.start, end),
      span: stmtSpan,
      range: lines.rangeOf(stmtSpan.start, stmtSpan.end),
      parsed: statement,
      locate: sqlStatementLocator(statement.locate, offsets, lines.text, stmtSpan),
    };
    statementSources.set(sqlStatement, { sql: value, offsets });
    result.statements.push(sqlStatement);
  }
  return result;
}

/**
 * The SQL text and per-character source offsets a statement was parsed from: all that its
 * `locate` closes over besides the file's text, so the analysis cache (engine/cache/) can store a
 * model as data and rebuild `locate` when reading it back.
 */
const statementSources = new ObjectMemo<SqlStatement, { sql: string; offsets: readonly number[] }>('statementSources');

export function sqlStatementSource(statement: SqlStatement): { sql: string; offsets: readonly number[] } | undefined {
  return statementSources.get(statement);
}

/** A statement's `locate`: a libpg-query byte location to a one-character span of the Python source. */
export function sqlStatementLocator(
  parsedLocate: (byteLocation: number) => number,
  offsets: readonly number[],
  sourceText: string,
  statementSpan: Span,
): (byteLocation: number) => Span {
  const { toSource, endToSource } = sourceMapping(offsets, sourceText);
  return (byteLocation) => {
    if (byteLocation < 0) return statementSpan;
    const index = parsedLocate(byteLocation);
    return { start: toSource(index), end: endToSource(index + 1) };
  };
}

function sourceMapping(
  offsets: readonly number[],
  sourceText: string,
): { toSource(index: number): number; charEnd(at: number): number; endToSource(index: number): number } {
  const toSource = (index: number): number => offsets[Math.max(0, Math.min(index, offsets.length - 1))];
  // The end of the source character at an offset: two UTF-16 units for an astral one (e.g. an
  // emoji), so that a range never splits a surrogate pair.
  const charEnd = (at: number): number =>
    at + (isHighSurrogate(sourceText.charCodeAt(at)) && isLowSurrogate(sourceText.charCodeAt(at + 1)) ? 2 : 1);
  const endToSource = (index: number): number => (index > 0 ? charEnd(toSource(index - 1)) : toSource(0));
  return { toSource, charEnd, endToSource };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
