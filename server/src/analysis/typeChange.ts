import { typeLabel, type ColumnType } from '../model/schema/types';

/**
 * Can changing a column from one type to another lose data? Types are Postgres' names
 * (see model/schema/types.ts). The verdicts:
 * - `narrowing`: some existing values cannot be kept as they are (shorter strings, fewer digits,
 *   fractions or time of day dropped, text that must parse as something else);
 * - `widening`: the same kind of value with more room (varchar(50) → varchar(255) or text,
 *   int4 → int8, numeric(10,2) → numeric(12,2)): invisible to the application;
 * - `conversion`: every value survives but is represented differently (int → text,
 *   timestamp → timestamptz, json → jsonb): no loss, yet the application sees a new type;
 * - `unknown`: a type this table does not know (enums, domains, arrays, custom types).
 */
export type TypeChangeVerdict = 'same' | 'narrowing' | 'widening' | 'conversion' | 'unknown';

type Family =
  | 'text'
  | 'int'
  | 'numeric'
  | 'float'
  | 'bool'
  | 'date'
  | 'timestamp'
  | 'time'
  | 'interval'
  | 'uuid'
  | 'json'
  | 'bytes';

const FAMILY: Record<string, Family> = {
  varchar: 'text',
  bpchar: 'text',
  text: 'text',
  citext: 'text',
  int2: 'int',
  int4: 'int',
  int8: 'int',
  numeric: 'numeric',
  float4: 'float',
  float8: 'float',
  bool: 'bool',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamp',
  time: 'time',
  timetz: 'time',
  interval: 'interval',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'json',
  bytea: 'bytes',
};

const INT_DIGITS: Record<string, number> = { int2: 5, int4: 10, int8: 19 };
const INT_BITS: Record<string, number> = { int2: 16, int4: 32, int8: 64 };
/** Integers a float holds exactly: float4 has 24 bits of mantissa, float8 53. */
const FLOAT_EXACT_BITS: Record<string, number> = { float4: 24, float8: 53 };

/** Types every value of `from` can be converted to without loss, across families. */
const LOSSLESS_CONVERSIONS: ReadonlyArray<[Family, Family]> = [
  ['int', 'numeric'],
  ['int', 'float'],
  ['int', 'text'],
  ['numeric', 'text'],
  ['float', 'text'],
  ['bool', 'text'],
  ['date', 'timestamp'],
  ['date', 'text'],
  ['timestamp', 'text'],
  ['time', 'text'],
  ['interval', 'text'],
  ['uuid', 'text'],
  ['json', 'text'],
];

export interface TypeChange {
  verdict: TypeChangeVerdict;
  reason: string;
}

export function classifyTypeChange(from: ColumnType, to: ColumnType): TypeChange {
  const a = typeLabel(from);
  const b = typeLabel(to);
  if (a === b) return { verdict: 'same', reason: `the type stays ${b}` };
  const fa = FAMILY[from.name];
  const fb = FAMILY[to.name];
  if (from.isArray || to.isArray || from.isEnum || to.isEnum || !fa || !fb) {
    if (fb === 'text' && !to.modifiers.length && !to.isArray)
      return { verdict: 'conversion', reason: `every ${a} value can be written as text` };
    return { verdict: 'unknown', reason: `whether ${a} → ${b} keeps every value cannot be told` };
  }
  if (fa === fb) return sameFamily(fa, from, to, a, b);
  if (fb === 'text') {
    const length = to.modifiers[0];
    if (length !== undefined)
      return { verdict: 'narrowing', reason: `${a} values written as text may not fit in ${b}` };
  }
  if (fa === 'int' && fb === 'numeric') {
    const [precision, scale = 0] = to.modifiers;
    if (precision !== undefined && precision - scale < INT_DIGITS[from.name])
      return { verdict: 'narrowing', reason: `${b} holds fewer integer digits than ${a}` };
  }
  if (fa === 'int' && fb === 'float' && INT_BITS[from.name] > FLOAT_EXACT_BITS[to.name]) {
    return { verdict: 'narrowing', reason: `${b} cannot hold every ${a} value exactly` };
  }
  if (LOSSLESS_CONVERSIONS.some(([x, y]) => x === fa && y === fb))
    return { verdict: 'conversion', reason: `every ${a} value converts to ${b}` };
  return { verdict: 'narrowing', reason: lossReason(fa, fb, a, b) };
}

function sameFamily(family: Family, from: ColumnType, to: ColumnType, a: string, b: string): TypeChange {
  switch (family) {
    case 'text': {
      const before = from.name === 'text' || from.name === 'citext' ? undefined : from.modifiers[0];
      const after = to.name === 'text' || to.name === 'citext' ? undefined : to.modifiers[0];
      if (after !== undefined && (before === undefined || after < before))
        return { verdict: 'narrowing', reason: `values longer than ${after} characters do not fit in ${b}` };
      if (from.name === 'citext' || to.name === 'citext' || (from.name === 'bpchar') !== (to.name === 'bpchar'))
        return { verdict: 'conversion', reason: `${a} and ${b} compare and pad differently` };
      return { verdict: 'widening', reason: `${b} holds every ${a} value` };
    }
    case 'int':
      return INT_BITS[to.name] < INT_BITS[from.name]
        ? { verdict: 'narrowing', reason: `${b} holds smaller numbers than ${a}` }
        : { verdict: 'widening', reason: `${b} holds every ${a} value` };
    case 'numeric': {
      const [p1, s1 = 0] = from.modifiers;
      const [p2, s2 = 0] = to.modifiers;
      if (p2 === undefined) return { verdict: 'widening', reason: `unconstrained numeric holds every ${a} value` };
      if (p1 === undefined || s2 < s1 || p2 - s2 < p1 - s1)
        return { verdict: 'narrowing', reason: `${b} keeps fewer digits than ${a}` };
      return { verdict: 'widening', reason: `${b} holds every ${a} value` };
    }
    case 'float':
      return to.name === 'float4' && from.name === 'float8'
        ? { verdict: 'narrowing', reason: `${b} keeps fewer digits than ${a}` }
        : { verdict: 'widening', reason: `${b} holds every ${a} value` };
    case 'timestamp':
    case 'time':
      return { verdict: 'conversion', reason: `${a} → ${b} reinterprets every value in the session time zone` };
    case 'json':
      return {
        verdict: 'conversion',
        reason: `${a} → ${b} changes how documents are stored (key order, duplicate keys)`,
      };
    default:
      return { verdict: 'conversion', reason: `${a} → ${b}` };
  }
}

function lossReason(from: Family, to: Family, a: string, b: string): string {
  if (from === 'text')
    return `text that does not parse as ${b} makes the migration fail, and what does parse may be rounded or truncated`;
  if ((from === 'numeric' || from === 'float') && to === 'int')
    return `converting ${a} to ${b} drops the fractional part`;
  if (from === 'timestamp' && (to === 'date' || to === 'time'))
    return `converting ${a} to ${b} drops part of every value`;
  return `${a} values may not convert to ${b} without loss`;
}
