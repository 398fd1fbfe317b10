import type { PyValue, TypeRef } from '../migration';
import { callKeyword } from '../migration';
import type { SqlTypeWithModifiers } from '../../parse/facts/schemaDdl';
import type { ExpressionFacts } from '../../parse/sqlFacts';

/**
 * Column types and defaults in one vocabulary for SQLAlchemy types (`sa.DateTime(timezone=True)`)
 * and SQL types (`timestamptz`): Postgres' own internal names, so rules compare like with like.
 */
export interface ColumnType {
  /** Postgres' name: int4, int8, varchar, text, timestamptz, timestamp, uuid, numeric, bool, jsonb, … or an enum's name. */
  name: string;
  /** varchar(20) → [20]; numeric(10, 2) → [10, 2]; [] when unbounded or unknown. */
  modifiers: number[];
  isArray: boolean;
  /** The type as written, for messages. */
  text: string;
  /** Alembic's sa.Enum / postgresql.ENUM. */
  isEnum?: boolean;
  /**
   * Not a PostgreSQL type this model can name: a project's own type (a `TypeDecorator` such as
   * `LongText()` imported from the application) or another dialect's (`mysql.MEDIUMTEXT`). Its SQL
   * type is unknown, so comparing it with another type says nothing.
   */
  foreign?: boolean;
}

const SA_TYPES: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  biginteger: 'int8',
  bigint: 'int8',
  smallinteger: 'int2',
  smallint: 'int2',
  string: 'varchar',
  varchar: 'varchar',
  unicode: 'varchar',
  nvarchar: 'varchar',
  char: 'bpchar',
  nchar: 'bpchar',
  text: 'text',
  unicodetext: 'text',
  citext: 'citext',
  boolean: 'bool',
  bool: 'bool',
  numeric: 'numeric',
  decimal: 'numeric',
  float: 'float8',
  double: 'float8',
  double_precision: 'float8',
  real: 'float4',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'jsonb',
  largebinary: 'bytea',
  bytea: 'bytea',
  binary: 'bytea',
  date: 'date',
  interval: 'interval',
  inet: 'inet',
  cidr: 'cidr',
  macaddr: 'macaddr',
  tsvector: 'tsvector',
  money: 'money',
};

const SQL_ALIASES: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  serial: 'int4',
  serial4: 'int4',
  bigserial: 'int8',
  serial8: 'int8',
  smallserial: 'int2',
  boolean: 'bool',
  decimal: 'numeric',
  real: 'float4',
  float: 'float8',
  char: 'bpchar',
  character: 'bpchar',
};

export function typeFromSqlAlchemy(ref: TypeRef): ColumnType {
  const lower = ref.name.toLowerCase();
  const call = ref.call;
  const intArgs = (call?.args ?? [])
    .filter((a): a is Extract<PyValue, { kind: 'number' }> => a.kind === 'number')
    .map((a) => a.value);
  const lengthKw = call ? callKeyword(call, 'length') : undefined;
  const precisionKw = call ? callKeyword(call, 'precision') : undefined;
  const scaleKw = call ? callKeyword(call, 'scale') : undefined;
  if (lower === 'datetime' || lower === 'timestamp')
    return {
      name: ref.timezone ? 'timestamptz' : 'timestamp',
      modifiers: [],
      isArray: false,
      text: ref.qualified + (call ? '(…)' : ''),
    };
  if (lower === 'time')
    return { name: ref.timezone ? 'timetz' : 'time', modifiers: [], isArray: false, text: ref.qualified };
  if (lower === 'enum') {
    const name = call ? callKeyword(call, 'name') : undefined;
    return {
      name: name?.kind === 'string' ? name.value : 'enum',
      modifiers: [],
      isArray: false,
      text: ref.qualified,
      isEnum: true,
    };
  }
  if (lower === 'array' && call?.args[0] && (call.args[0].kind === 'call' || call.args[0].kind === 'name')) {
    const itemRef =
      call.args[0].kind === 'call'
        ? {
            name: call.args[0].call.method,
            qualified: call.args[0].call.callee,
            call: call.args[0].call,
            span: call.args[0].span,
          }
        : { name: call.args[0].name.split('.').pop() as string, qualified: call.args[0].name, span: call.args[0].span };
    return { ...typeFromSqlAlchemy(itemRef), isArray: true, text: ref.qualified };
  }
  const name = SA_TYPES[lower] ?? lower;
  const foreign = SA_TYPES[lower] === undefined && isForeignTypeName(ref.qualified);
  let modifiers: number[] = [];
  if (name === 'varchar' || name === 'bpchar')
    modifiers = lengthKw?.kind === 'number' ? [lengthKw.value] : intArgs.slice(0, 1);
  else if (name === 'numeric') {
    modifiers =
      precisionKw?.kind === 'number'
        ? [precisionKw.value, ...(scaleKw?.kind === 'number' ? [scaleKw.value] : [])]
        : intArgs.slice(0, 2);
  }
  return {
    name,
    modifiers,
    isArray: false,
    text: call ? `${ref.qualified}(${call.args.map((a) => a.text).join(', ')})` : ref.qualified,
    ...(foreign ? { foreign } : {}),
  };
}

/** Modules whose types are SQLAlchemy's generic or PostgreSQL types. */
const POSTGRES_TYPE_MODULES =
  /^(sa|sqlalchemy|sqlalchemy\.types|(sa|sqlalchemy)\.dialects\.postgresql|postgresql|pg|postgres|psql|types|sqltypes)$/;

/**
 * A type name SQLAlchemy's table above does not know, written as another dialect's type
 * (`mysql.MEDIUMTEXT`) or as a bare CamelCase class (`LongText`, a project's `TypeDecorator`).
 * SQLAlchemy spells SQL types in capitals (`HSTORE`, `TSRANGE`): those stay PostgreSQL types.
 */
function isForeignTypeName(qualified: string): boolean {
  const dot = qualified.lastIndexOf('.');
  const module = dot >= 0 ? qualified.slice(0, dot) : '';
  const name = qualified.slice(dot + 1);
  if (module) return !POSTGRES_TYPE_MODULES.test(module);
  return name !== name.toUpperCase();
}

export function typeFromSql(type: SqlTypeWithModifiers): ColumnType {
  const name = SQL_ALIASES[type.name] ?? type.name;
  const shown = `${type.name}${type.modifiers.length ? `(${type.modifiers.join(', ')})` : ''}${type.isArray ? '[]' : ''}`;
  return { name, modifiers: type.modifiers, isArray: type.isArray, text: shown };
}

/** int4 → "integer (int4)"-style labels are overkill: messages show Postgres' names with modifiers. */
export function typeLabel(type: ColumnType): string {
  return `${type.name}${type.modifiers.length ? `(${type.modifiers.join(', ')})` : ''}${type.isArray ? '[]' : ''}`;
}

export function sameType(a: ColumnType, b: ColumnType): boolean {
  return typeLabel(a) === typeLabel(b);
}

/** A server default, reduced to what the rules ask of it. */
export interface DefaultModel {
  /** As written (Python source, or the SQL function names). */
  text: string;
  /** Lower-case names of the functions and SQL value functions it calls: now, current_timestamp, gen_random_uuid. */
  functions: string[];
  /** A constant: a number, a boolean, or a string. */
  literal: boolean;
  /** `server_default="now()"`: Alembic writes it as the string literal 'now()', not a call. */
  quotedString: boolean;
  /** `timezone('utc', …)` / `AT TIME ZONE`: yields a timestamp without time zone. */
  convertsTimeZone: boolean;
  /** The default's source text is not known (a variable, FetchedValue()). */
  opaque: boolean;
}

const SQL_VALUE_KEYWORDS =
  /\b(current_timestamp|localtimestamp|current_date|current_time|localtime|current_user|session_user)\b/gi;

function functionsInSqlText(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\b([a-z_][a-z0-9_]*)\s*\(/gi)) names.add(m[1].toLowerCase());
  for (const m of text.matchAll(SQL_VALUE_KEYWORDS)) names.add(m[1].toLowerCase());
  return [...names];
}

const SQL_TEXT_CALLS = /(^|\.)(text|literal_column)$/;

export function defaultFromPython(value: PyValue): DefaultModel {
  const base = {
    text: value.text,
    functions: [] as string[],
    literal: false,
    quotedString: false,
    convertsTimeZone: false,
    opaque: false,
  };
  switch (value.kind) {
    case 'string':
      return { ...base, literal: true, quotedString: true };
    case 'number':
    case 'bool':
      return { ...base, literal: true };
    case 'call': {
      const { call } = value;
      if (SQL_TEXT_CALLS.test(call.callee) && call.args[0]?.kind === 'string')
        return defaultFromSqlText(call.args[0].value, value.text);
      if (/(^|\.)func\./.test(call.callee)) {
        const inner = call.args.flatMap((a) => functionsInSqlText(a.text));
        return {
          ...base,
          functions: [call.method.toLowerCase(), ...inner],
          convertsTimeZone: call.method.toLowerCase() === 'timezone',
        };
      }
      return { ...base, opaque: true };
    }
    default:
      return { ...base, opaque: true };
  }
}

export function defaultFromSqlText(sql: string, text = sql): DefaultModel {
  const functions = functionsInSqlText(sql);
  const literal =
    functions.length === 0 && /^\s*(?:'(?:[^']|'')*'(?:::[\w ]+)?|-?\d+(?:\.\d+)?|true|false|null)\s*$/i.test(sql);
  return {
    text,
    functions,
    literal,
    quotedString: false,
    convertsTimeZone: /\btimezone\s*\(|\bat\s+time\s+zone\b/i.test(sql),
    opaque: false,
  };
}

export function defaultFromSqlFacts(facts: ExpressionFacts): DefaultModel {
  const functions = [...facts.calls.map((c) => c.name), ...facts.valueFunctions.map((v) => v.name.toLowerCase())];
  return {
    text: functions.length
      ? functions
          .map((f) => (f.startsWith('current_') || f.startsWith('local') ? f.toUpperCase() : `${f}()`))
          .join(', ')
      : 'a constant',
    functions,
    literal: functions.length === 0,
    quotedString: false,
    convertsTimeZone: facts.timeZones.length > 0,
    opaque: false,
  };
}

/** Functions whose value changes per row (Postgres' VOLATILE): a column default using one is evaluated per row. */
export const VOLATILE_FUNCTIONS = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'setseed',
  'uuidv4',
  'uuidv7',
]);
/** STABLE functions and SQL value functions: one value per statement. */
const STABLE_FUNCTIONS = new Set([
  'now',
  'current_timestamp',
  'transaction_timestamp',
  'statement_timestamp',
  'localtimestamp',
  'current_date',
  'current_time',
  'localtime',
  'current_user',
  'session_user',
  'timezone',
  'to_char',
]);
const IMMUTABLE_FUNCTIONS = new Set([
  'lower',
  'upper',
  'coalesce',
  'jsonb_build_object',
  'json_build_object',
  'array',
  'make_interval',
  'abs',
  'concat',
]);

export type Volatility = 'immutable' | 'stable' | 'volatile' | 'unknown';

export function volatilityOf(value: DefaultModel): Volatility {
  if (value.opaque) return 'unknown';
  if (value.functions.some((f) => VOLATILE_FUNCTIONS.has(f))) return 'volatile';
  if (value.functions.some((f) => !STABLE_FUNCTIONS.has(f) && !IMMUTABLE_FUNCTIONS.has(f))) return 'unknown';
  if (value.functions.some((f) => STABLE_FUNCTIONS.has(f))) return 'stable';
  return 'immutable';
}

/** The functions that give the current instant as a timestamptz. */
export const CURRENT_INSTANT_FUNCTIONS = new Set([
  'now',
  'current_timestamp',
  'transaction_timestamp',
  'statement_timestamp',
  'clock_timestamp',
]);
