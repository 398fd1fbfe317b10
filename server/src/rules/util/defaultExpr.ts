import type { PyValue, SqlStatement } from '../../model/migration';
import type { Span } from '../../model/source';
import {
  LOCAL_VALUE_FUNCTIONS,
  minLocation,
  NOW_FUNCTIONS,
  NOW_VALUE_FUNCTIONS,
  parseSqlExpression,
  type DefaultExprFacts,
} from '../../parse/facts/defaults';
import { expressionEnd, tokenizeSql } from '../../parse/facts/sqlTokens';
import { exactSpan, indexOfLocation, pyStringText, spanOfRange, type SourceText } from '../../analysis/sqlSource';
import { ObjectMemo } from '../../model/objectMemo';

/**
 * One view of a column default, whether written in Python (`server_default=sa.text("now()")`,
 * `server_default=sa.func.now()`) or in SQL (`DEFAULT now()`), with source spans for every part.
 */
export interface DefaultAnalysis {
  /** The whole default expression in the source. */
  span: Span;
  shape:
    | { kind: 'now'; name: string; local: boolean; span: Span }
    | { kind: 'zoned'; zone: string | undefined; innerIsNow: boolean; span: Span }
    | { kind: 'other' };
  /** Every function call, lower-case name (`gen_random_uuid`, `now`), with its span. */
  calls: Array<{ name: string; span: Span }>;
  /** Every reading of the current time (`now()`, `CURRENT_TIMESTAMP`, `LOCALTIMESTAMP`…). */
  nows: Array<{ name: string; local: boolean; span: Span }>;
  /** Every time-zone conversion (`timezone(z, x)`, `x AT TIME ZONE z`); zone undefined when computed. */
  zones: Array<{ zone: string | undefined; span: Span }>;
}

const TEXT_CALLEE = /(^|\.)(text|literal_column)$/;
const FUNC_CALLEE = /(^|\.)func\.\w+$/;

/**
 * SW203, SW204 and SW205 each analyse the same `server_default=` values of a model, on every
 * keystroke in the editor: the analysis of a value (read-only to them) is kept with the value.
 */
const analysed = new ObjectMemo<PyValue, DefaultAnalysis | undefined>('analysed');

/** Analyses a `server_default=` value; undefined for a plain string (a quoted constant) or an unknown shape. */
export function analysePyDefault(value: PyValue): DefaultAnalysis | undefined {
  if (analysed.has(value)) return analysed.get(value);
  const analysis = analyseUncached(value);
  analysed.set(value, analysis);
  return analysis;
}

function analyseUncached(value: PyValue): DefaultAnalysis | undefined {
  if (value.kind !== 'call') return undefined;
  const { call } = value;
  if (TEXT_CALLEE.test(call.callee) && call.args[0]) {
    const text = pyStringText(call.args[0]);
    const parsed = text && parseSqlExpression(text.value);
    if (!text || !parsed) return undefined;
    return fromSql(parsed, text, (loc) => parsed.indexOf(loc), spanOfRange(text, 0, text.value.length));
  }
  if (!FUNC_CALLEE.test(call.callee)) return undefined;
  const analysis: DefaultAnalysis = { span: value.span, shape: { kind: 'other' }, calls: [], nows: [], zones: [] };
  visitFunc(value, analysis);
  analysis.shape = funcShape(value);
  return analysis;
}

function visitFunc(value: PyValue, out: DefaultAnalysis): void {
  if (value.kind !== 'call') return;
  const { call } = value;
  if (FUNC_CALLEE.test(call.callee)) {
    const name = call.method.toLowerCase();
    out.calls.push({ name, span: value.span });
    const now = pyNowName(name);
    if (now) out.nows.push({ ...now, span: value.span });
    if (name === 'timezone' && call.args.length === 2)
      out.zones.push({ zone: call.args[0].kind === 'string' ? call.args[0].value : undefined, span: value.span });
  }
  for (const arg of call.args) visitFunc(arg, out);
}

function pyNowName(name: string): { name: string; local: boolean } | undefined {
  if (NOW_FUNCTIONS.has(name) || name === 'current_timestamp') return { name: `${name}()`, local: false };
  if (name === 'localtimestamp') return { name: 'localtimestamp()', local: true };
  return undefined;
}

function funcShape(value: PyValue): DefaultAnalysis['shape'] {
  if (value.kind !== 'call' || !FUNC_CALLEE.test(value.call.callee)) return { kind: 'other' };
  const name = value.call.method.toLowerCase();
  const now = pyNowName(name);
  if (now && value.call.args.length === 0) return { kind: 'now', ...now, span: value.span };
  if (name === 'timezone' && value.call.args.length === 2) {
    const zone = value.call.args[0];
    return {
      kind: 'zoned',
      zone: zone.kind === 'string' ? zone.value : undefined,
      innerIsNow: funcShape(value.call.args[1]).kind === 'now',
      span: value.span,
    };
  }
  return { kind: 'other' };
}

/** Analyses a SQL default of a statement (`facts` from parse/facts/defaults.ts). */
export function analyseSqlDefault(
  facts: DefaultExprFacts,
  statement: SqlStatement,
  text: SourceText | undefined,
  wholeSpan: Span,
): DefaultAnalysis {
  const toIndex = (loc: number): number => indexOfLocation(statement, loc);
  if (!text) {
    // Without the literal's offsets every part is reported at its first character.
    const point = (loc: number): Span => statement.locate(loc);
    return build(facts, point, wholeSpan);
  }
  return fromSql(facts, text, toIndex, wholeSpan);
}

function fromSql(
  facts: DefaultExprFacts,
  text: SourceText,
  toIndex: (loc: number) => number,
  wholeSpan: Span,
): DefaultAnalysis {
  const spanAt = (loc: number): Span => {
    const start = toIndex(loc);
    return spanOfRange(text, start, extentAt(text.value, start));
  };
  return build(facts, spanAt, wholeSpan);
}

function build(facts: DefaultExprFacts, spanAt: (loc: number) => Span, wholeSpan: Span): DefaultAnalysis {
  const { shape } = facts;
  // `x AT TIME ZONE z` is located at AT: the conversion's span reaches back to the start of x.
  const zoneSpan = (location: number): Span => {
    const own = spanAt(location);
    const call = facts.facts.calls.find((c) => c.name === 'timezone' && c.location === location);
    const first = call ? minLocation(call.args) : -1;
    return first >= 0 && first < location ? { start: Math.min(own.start, spanAt(first).start), end: own.end } : own;
  };
  return {
    span: wholeSpan,
    shape:
      shape.kind === 'other'
        ? shape
        : { ...shape, span: shape.kind === 'zoned' ? zoneSpan(shape.location) : spanAt(shape.location) },
    calls: facts.facts.calls.map((c) => ({ name: c.name, span: spanAt(c.location) })),
    nows: [
      ...facts.facts.calls
        .filter((c) => NOW_FUNCTIONS.has(c.name) && c.args.length === 0)
        .map((c) => ({ name: `${c.name}()`, local: false, span: spanAt(c.location) })),
      ...facts.facts.valueFunctions
        .filter((v) => NOW_VALUE_FUNCTIONS.has(v.name))
        .map((v) => ({
          name: v.name.replace(/_N$/, ''),
          local: LOCAL_VALUE_FUNCTIONS.has(v.name),
          span: spanAt(v.location),
        })),
    ],
    zones: facts.facts.timeZones.map((z) => ({ zone: z.zone, span: zoneSpan(z.location) })),
  };
}

/**
 * The end (exclusive) of the call or keyword that starts at `index` in SQL text: a (dotted) name
 * with its balanced parentheses, `CURRENT_TIMESTAMP(3)`, or `AT TIME ZONE 'UTC'`.
 */
export function extentAt(sql: string, index: number): number {
  const tokens = tokenizeSql(sql, index, Math.min(sql.length, index + 2000));
  if (tokens.length === 0) return index + 1;
  let k = 0;
  if (tokens[0].upper === 'AT' && tokens[1]?.upper === 'TIME' && tokens[2]?.upper === 'ZONE') {
    return tokens[3] ? tokens[3].end : tokens[2].end;
  }
  while (
    tokens[k + 1]?.text === '.' &&
    tokens[k + 2] &&
    (tokens[k + 2].type === 'word' || tokens[k + 2].type === 'quoted')
  )
    k += 2;
  if (tokens[k + 1]?.text !== '(') return tokens[k].end;
  let depth = 0;
  for (let j = k + 1; j < tokens.length; j++) {
    if (tokens[j].text === '(') depth++;
    else if (tokens[j].text === ')' && --depth === 0) return tokens[j].end;
  }
  return tokens[k].end;
}

/**
 * The exact source span of the expression after a `DEFAULT` keyword at `defaultLocation` (a
 * CREATE TABLE / ADD COLUMN column constraint), when it is written literally; else undefined.
 */
export function sqlDefaultExpressionSpan(
  source: string,
  statement: SqlStatement,
  text: SourceText,
  defaultLocation: number,
): Span | undefined {
  const at = indexOfLocation(statement, defaultLocation);
  const tokens = tokenizeSql(text.value, at, statement.parsed.end);
  if (tokens[0]?.upper !== 'DEFAULT' || tokens.length < 2) return undefined;
  const end = expressionEnd(tokens, 1);
  if (end <= 1) return undefined;
  return exactSpan(source, text, tokens[1].start, tokens[end - 1].end);
}

/** Is `inner` inside `outer`? */
export function within(inner: Span, outer: Span): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}
