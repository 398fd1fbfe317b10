import { parserNotReady } from './parserReady';

/**
 * libpg-query starts compiling its WASM as soon as it is required, so it is required on first use:
 * a run that parses no SQL (a one-file lint answered by the analysis cache) does not pay for it.
 */
type LibpgQuery = typeof import('libpg-query');
let libpgQuery: LibpgQuery | undefined;
const requireLibpgQuery = (): LibpgQuery => (libpgQuery ??= require('libpg-query') as LibpgQuery);

/**
 * The one door to the PostgreSQL grammar (libpg-query: the real Postgres parser in WASM; see
 * docs/decisions/0001-sql-parser.md for why not pgsql-ast-parser). Rules never see libpg-query's
 * JSON: they read the facts in sqlFacts.ts, which work on the `SqlNode`s returned here.
 */

/** A libpg-query parse node: `{ NodeType: { ...fields } }`. Opaque outside parse/. */
export type SqlNode = Record<string, unknown>;

export interface ParsedSqlStatement {
  /** Postgres' name of the statement node, e.g. CreateStmt, CreateTrigStmt, AlterTableStmt. */
  kind: string;
  /** The statement's own node (the value under `kind`). */
  node: SqlNode;
  /** UTF-16 offsets of the statement in the analysed SQL text (before placeholder rewriting). */
  start: number;
  end: number;
  /** Maps a libpg-query `location` (UTF-8 byte offset in the rewritten text) to an offset in the original text. */
  locate(byteLocation: number): number;
}

export interface SqlParseResult {
  statements: ParsedSqlStatement[];
  error?: { message: string; offset: number };
}

export interface SqlAnalyzer {
  parse(sql: string): SqlParseResult;
  /**
   * Parse each SQL string of a model when something first reads its statements or error, not
   * while the model is built (model/sqlBlocks.ts): for runs whose rules read no SQL.
   */
  onRead?: boolean;
}

let loading: Promise<void> | undefined;
let loaded = false;

/** Loads the WASM parser once per process. */
export function initSqlParser(): Promise<void> {
  loading ??= requireLibpgQuery()
    .loadModule()
    .then(() => {
      loaded = true;
    });
  return loading;
}

/**
 * SQLAlchemy bind parameters (`:name`, `%(name)s`, `%s`) are not SQL: Postgres would reject them.
 * They are rewritten to `$n`, keeping a map from each rewritten index to the original index.
 * A placeholder right after `IN` stands for a list (the DB-API driver expands a tuple bound to it:
 * `WHERE id IN %s` with `(ids,)`), so it becomes `($n)`, a one-element list, which parses as the
 * statement will run. `placeholders[n - 1]` is the text `$n` replaced, for messages.
 */
export function rewritePlaceholders(sql: string): {
  text: string;
  toOriginal: number[] | undefined;
  placeholders: string[];
} {
  const pattern = /(?<![:\w\\]):([A-Za-z_]\w*)|%\((\w+)\)s|%s/g;
  // Most SQL has none: then the text is the same and indexes map to themselves (no per-character table).
  if (!pattern.test(sql)) return { text: sql, toOriginal: undefined, placeholders: [] };
  pattern.lastIndex = 0;
  let out = '';
  const toOriginal: number[] = [];
  let last = 0;
  let n = 0;
  const names = new Map<string, number>();
  const placeholders: string[] = [];
  for (let m = pattern.exec(sql); m; m = pattern.exec(sql)) {
    out += sql.slice(last, m.index);
    for (let i = last; i < m.index; i++) toOriginal.push(i);
    const key = m[1] ?? m[2];
    let index: number;
    if (key !== undefined && names.has(key)) index = names.get(key) as number;
    else {
      index = ++n;
      placeholders.push(m[0]);
      if (key !== undefined) names.set(key, index);
    }
    const list = LIST_CONTEXT.test(sql.slice(Math.max(0, m.index - 16), m.index));
    const replacement = list ? `($${index})` : `$${index}`;
    for (let k = 0; k < replacement.length; k++) {
      out += replacement[k];
      toOriginal.push(m.index + Math.min(k, m[0].length - 1));
    }
    last = m.index + m[0].length;
  }
  out += sql.slice(last);
  for (let i = last; i < sql.length; i++) toOriginal.push(i);
  toOriginal.push(sql.length);
  return { text: out, toOriginal, placeholders };
}

/** `… IN ` just before a placeholder (not `IN (`, where the placeholder is already one list item). */
const LIST_CONTEXT = /\bIN\s*$/i;

/** Postgres' messages name the rewritten `$n`: say what the file says instead. */
function originalPlaceholders(message: string, placeholders: readonly string[]): string {
  return message.replace(/\$(\d+)/g, (whole, n: string) => placeholders[Number(n) - 1] ?? whole);
}

/** byteToIndex[b] = UTF-16 index of the character that byte b of the UTF-8 encoding belongs to. */
function utf8ByteToUtf16Index(text: string): Int32Array {
  const map = new Int32Array(Buffer.byteLength(text, 'utf8') + 1);
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) as number;
    const bytes = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < bytes; k++) map[byte + k] = i;
    byte += bytes;
    if (code >= 0x10000) i++;
  }
  map[byte] = text.length;
  return map;
}

const IS_ASCII = /^[\x00-\x7f]*$/;

/**
 * Parses by SQL text, most recently used first. The editor rebuilds a file's model on every
 * keystroke and the same SQL strings come back each time; a result depends on the text only (its
 * offsets are into the SQL string), and parse trees are read-only to everything downstream.
 */
const parseCache = new Map<string, SqlParseResult>();
const PARSE_CACHE_ENTRIES = 4000;
/** Strings longer than this (squashed dumps) are parsed each time rather than pinned in memory. */
const PARSE_CACHE_MAX_LENGTH = 64 * 1024;

export const libpgQueryAnalyzer: SqlAnalyzer = {
  parse(sql: string): SqlParseResult {
    const cached = parseCache.get(sql);
    if (cached) {
      parseCache.delete(sql);
      parseCache.set(sql, cached);
      return cached;
    }
    const result = parseUncached(sql);
    if (sql.length <= PARSE_CACHE_MAX_LENGTH) {
      parseCache.set(sql, result);
      if (parseCache.size > PARSE_CACHE_ENTRIES) parseCache.delete(parseCache.keys().next().value as string);
    }
    return result;
  },
};

/** `libpgQueryAnalyzer`, parsing each string of a model only when a rule reads it. */
export const libpgQueryOnRead: SqlAnalyzer = { parse: (sql) => libpgQueryAnalyzer.parse(sql), onRead: true };

/** The same parser without the cache, for measurements that must parse every time. */
export const uncachedLibpgQueryAnalyzer: SqlAnalyzer = { parse: (sql) => parseUncached(sql) };

/**
 * The `locate` of the statements parsed from `sql`: a libpg-query location (UTF-8 byte offset in
 * the placeholder-rewritten text) to an offset in `sql`. Rebuilt from the text alone when a model
 * is read back from the analysis cache (engine/cache/), which stores data, not functions.
 */
export function sqlByteLocator(sql: string): (byteLocation: number) => number {
  return locatorOf(rewritePlaceholders(sql)).toIndex;
}

function locatorOf(rewritten: ReturnType<typeof rewritePlaceholders>): {
  toIndex: (byte: number) => number;
  byteMap: ReturnType<typeof utf8ByteToUtf16Index> | undefined;
} {
  const { text, toOriginal } = rewritten;
  const ascii = IS_ASCII.test(text);
  const byteMap = ascii ? undefined : utf8ByteToUtf16Index(text);
  const toIndex = (byte: number): number => {
    const clamped = Math.max(0, byte);
    const rewrittenIndex = byteMap ? byteMap[Math.min(clamped, byteMap.length - 1)] : Math.min(clamped, text.length);
    return toOriginal ? toOriginal[Math.min(rewrittenIndex, toOriginal.length - 1)] : rewrittenIndex;
  };
  return { toIndex, byteMap };
}

function parseUncached(sql: string): SqlParseResult {
  if (!loaded) throw parserNotReady('SQL');
  const rewritten = rewritePlaceholders(sql);
  const { text, placeholders } = rewritten;
  const { toIndex, byteMap } = locatorOf(rewritten);
  let tree: { stmts?: Array<{ stmt: SqlNode; stmt_location?: number; stmt_len?: number }> };
  try {
    tree = requireLibpgQuery().parseSync(text) as typeof tree;
  } catch (err) {
    const e = err as { message?: string; sqlDetails?: { cursorPosition?: number } };
    const cursor = e.sqlDetails?.cursorPosition ?? 0;
    return {
      statements: [],
      error: { message: originalPlaceholders(e.message ?? String(err), placeholders), offset: toIndex(cursor) },
    };
  }
  const totalBytes = byteMap ? byteMap.length - 1 : text.length;
  const statements: ParsedSqlStatement[] = [];
  for (const raw of tree.stmts ?? []) {
    const kind = Object.keys(raw.stmt)[0];
    const startByte = raw.stmt_location ?? 0;
    const endByte = raw.stmt_len ? startByte + raw.stmt_len : totalBytes;
    let start = toIndex(startByte);
    // stmt_location points just after the previous semicolon: skip the white space before the statement.
    while (start < sql.length && /\s/.test(sql[start])) start++;
    statements.push({ kind, node: raw.stmt[kind] as SqlNode, start, end: toIndex(endByte), locate: toIndex });
  }
  return { statements };
}
