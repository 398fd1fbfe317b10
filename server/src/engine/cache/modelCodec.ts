import * as v8 from 'node:v8';
import type { MigrationModel, SqlStatement } from '../../model/migration';
import { LineIndex } from '../../model/source';
import { sqlStatementLocator, sqlStatementSource } from '../../model/sqlBlocks';
import { sqlByteLocator } from '../../parse/sql';

/**
 * A MigrationModel as plain data and back. A model is data except for three things, each rebuilt
 * from data on reading: the line table (`lines`, from the source), and the `locate` of every SQL
 * statement and of its libpg-query statement (from the SQL text and the string's per-character
 * offsets, kept beside the statement). Lazily computed string offsets are read, so stored. Shared
 * objects stay shared (the structured clone keeps identity). Anything else that is not plain data
 * makes the model unstorable: `encodeModel` returns undefined and the file is parsed every time.
 */

interface Encoded {
  model: Record<string, unknown>;
  /** The model's SQL statements (the same objects as in `model`) with what their `locate` needs. */
  sql: Array<{ statement: Record<string, unknown>; sql: string; offsets: readonly number[] }>;
}

class NotPlainData extends Error {}

export function encodeModel(model: MigrationModel): Buffer | undefined {
  const sql: Encoded['sql'] = [];
  const copies = new Map<object, unknown>();
  const copy = (value: unknown, key: string): unknown => {
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'function') throw new NotPlainData(key);
      return value;
    }
    const known = copies.get(value);
    if (known !== undefined) return known;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      copies.set(value, out);
      for (const item of value) out.push(copy(item, key));
      return out;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new NotPlainData(key);
    const out: Record<string, unknown> = {};
    copies.set(value, out);
    const source = 'locate' in value ? sqlStatementSource(value as SqlStatement) : undefined;
    for (const k of Object.keys(value)) {
      if (k === 'locate' && typeof (value as Record<string, unknown>)[k] === 'function') continue;
      out[k] = copy((value as Record<string, unknown>)[k], k);
    }
    if (source) sql.push({ statement: out, sql: source.sql, offsets: copy(source.offsets, 'offsets') as number[] });
    else if ('locate' in value && 'parsed' in value) throw new NotPlainData('locate');
    return out;
  };
  try {
    const { lines: _lines, ...rest } = model;
    const encoded: Encoded = { model: copy(rest, 'model') as Record<string, unknown>, sql };
    return v8.serialize(encoded);
  } catch (err) {
    if (err instanceof NotPlainData) return undefined;
    throw err;
  }
}

/** Throws on data that is not an encoded model (the caller treats it as a miss). */
export function decodeModel(data: Buffer): MigrationModel {
  const encoded = v8.deserialize(data) as Encoded;
  const model = encoded.model as unknown as MigrationModel & { lines: LineIndex };
  if (typeof model?.source !== 'string' || !Array.isArray(model.operations)) throw new Error('not a model');
  model.lines = new LineIndex(model.source);
  const locators = new Map<string, (byte: number) => number>();
  for (const { statement, sql, offsets } of encoded.sql) {
    const stmt = statement as unknown as SqlStatement & { locate: SqlStatement['locate'] };
    let parsedLocate = locators.get(sql);
    if (!parsedLocate) {
      parsedLocate = sqlByteLocator(sql);
      locators.set(sql, parsedLocate);
    }
    (stmt.parsed as { locate: (byte: number) => number }).locate = parsedLocate;
    stmt.locate = sqlStatementLocator(parsedLocate, offsets, model.source, stmt.span);
  }
  return model;
}

/**
 * What a run needs of a revision whose stored findings are still valid, kept in the cache's small
 * index entry and set on the model at once: its path, text, identifiers (the revision graph) and
 * syntax errors (whether fixes are offered). The rest (operations, calls, comments, imports …) is decoded from
 * the model entry on first use, so an unchanged revision whose findings come from the cache is
 * never decoded.
 */
const EAGER_KEYS = [
  'path',
  'source',
  'isRevision',
  'revision',
  'downRevision',
  'branchLabels',
  'unresolvedBranchLabels',
  'dependsOn',
  'revisionSpan',
  'downRevisionSpan',
  'syntaxErrors',
] as const;

export interface ModelSummary {
  /** The model's eager fields (EAGER_KEYS) but its source, as plain data. */
  eager: Record<string, unknown>;
  /** The model's other keys, read from the model entry on first use. */
  lazy: string[];
}

export function summarizeModel(model: MigrationModel): ModelSummary {
  const eager: Record<string, unknown> = {};
  const eagerKeys = new Set<string>(EAGER_KEYS);
  // The source is not kept: the reader has it from the file (the entry's key is its hash).
  for (const key of EAGER_KEYS)
    if (key !== 'source' && key in model) eager[key] = (model as unknown as Record<string, unknown>)[key];
  const lazy = Object.keys(model).filter((k) => !eagerKeys.has(k) && k !== 'lines');
  return { eager, lazy };
}

/**
 * A model whose eager fields are set and whose other fields are read on first use through
 * `load` (the model entry decoded, or the file parsed again when that entry cannot be read). The
 * line table is built from the source on first use. Once loaded, the fields are ordinary data.
 */
export function lazyModel(summary: ModelSummary, load: () => MigrationModel): MigrationModel {
  const model = { ...summary.eager } as Record<string, unknown>;
  let loaded = false;
  unloaded.add(model);
  const fill = (): void => {
    if (loaded) return;
    const full = load() as unknown as Record<string, unknown>;
    loaded = true;
    unloaded.delete(model);
    for (const key of summary.lazy)
      Object.defineProperty(model, key, { value: full[key], writable: true, enumerable: true, configurable: true });
  };
  for (const key of summary.lazy)
    Object.defineProperty(model, key, {
      enumerable: true,
      configurable: true,
      get() {
        fill();
        return model[key];
      },
      set(value: unknown) {
        fill();
        Object.defineProperty(model, key, { value, writable: true, enumerable: true, configurable: true });
      },
    });
  Object.defineProperty(model, 'lines', {
    enumerable: true,
    configurable: true,
    get() {
      const lines = new LineIndex(model.source as string);
      Object.defineProperty(model, 'lines', { value: lines, writable: true, enumerable: true, configurable: true });
      return lines;
    },
  });
  return model as unknown as MigrationModel;
}

/** Lazy models whose fields have not been read yet. */
const unloaded = new WeakSet<object>();

/** Whether a model's fields are at hand without decoding (always, but for a lazy model not read yet). */
export function isModelLoaded(model: MigrationModel): boolean {
  return !unloaded.has(model);
}
