import * as v8 from 'node:v8';
import type { MigrationModel } from '../../model/migration';
import type { ColumnModel, Schema, TableModel } from '../../model/schema';
import { ChunkedMap } from '../../model/schema/chunkedMap';
import { isModelLoaded } from './modelCodec';

/**
 * A replayed schema as plain data and back, for the analysis cache's schema entries (the schema
 * after a revision, by its chain key). The schema is plain data but for two kinds of references
 * into the models it was replayed from: a table's `createOp` (its `op.create_table`) and a
 * column's `def` (its `sa.Column(...)`). Those are stored as where they are (file, operation,
 * column) and read back on first use from the project's models, so a schema read back decodes
 * no model until a rule reads one of them; then the very object of that model is returned, as a
 * replay from the root would give.
 */

interface Ref {
  path: string;
  op: number;
  column?: number;
}

interface EncodedSchema {
  tables: Array<[string, Record<string, unknown>]>;
  views: Array<[string, unknown]>;
  indexes: Array<[string, unknown]>;
  enums: Array<[string, unknown]>;
}

/** Where each decoded table's createOp and column's def are, while they are still unread. */
const refs = new WeakMap<object, Ref>();

class Unlocatable extends Error {}

/**
 * Finds the operations and column definitions of the models that are loaded (a model still
 * undecoded cannot be referenced by a schema, except through a schema read back, whose
 * references are known).
 */
function locator(models: Iterable<MigrationModel>): (target: object) => Ref {
  let index: Map<object, Ref> | undefined;
  return (target) => {
    if (!index) {
      index = new Map();
      for (const model of models) {
        if (!isModelLoaded(model)) continue;
        model.operations.forEach((op, opIndex) => {
          if (!index!.has(op)) index!.set(op, { path: model.path, op: opIndex });
          op.columns.forEach((column, columnIndex) => {
            if (!index!.has(column)) index!.set(column, { path: model.path, op: opIndex, column: columnIndex });
          });
        });
      }
    }
    const ref = index.get(target);
    if (!ref) throw new Unlocatable();
    return ref;
  };
}

/** The reference stored for a field: from a schema read back (unread), or located in the models. */
function refOf(owner: object, field: string, locate: (target: object) => Ref): Ref | undefined {
  const descriptor = Object.getOwnPropertyDescriptor(owner, field);
  if (!descriptor) return undefined;
  if (descriptor.get) {
    const known = refs.get(owner);
    if (known) return known;
    throw new Unlocatable();
  }
  const value: unknown = descriptor.value;
  if (value === undefined) return undefined;
  return locate(value as object);
}

/** The schema as bytes; undefined when a reference cannot be located or something is not plain data. */
export function encodeSchema(schema: Schema, models: Iterable<MigrationModel>): Buffer | undefined {
  const locate = locator(models);
  try {
    const tables: EncodedSchema['tables'] = [];
    for (const [key, table] of schema.tables) {
      const { createOp: _op, columns, ...rest } = plainFields(table, 'createOp') as unknown as TableModel;
      const createOpRef = refOf(table, 'createOp', locate);
      const encodedColumns: Array<[string, Record<string, unknown>]> = [];
      for (const [name, column] of columns) {
        const { def: _def, ...fields } = plainFields(column, 'def') as unknown as ColumnModel;
        encodedColumns.push([name, { fields, defRef: refOf(column, 'def', locate) }]);
      }
      tables.push([key, { fields: rest, columns: encodedColumns, createOpRef }]);
    }
    const encoded: EncodedSchema = {
      tables,
      views: [...schema.views],
      indexes: [...schema.indexes],
      enums: [...schema.enums],
    };
    // Every origin and reference names its file: written once each, they were half the entry.
    const paths = new Map<string, number>();
    const interned = internPaths(encoded, paths, new Map());
    return v8.serialize({ paths: [...paths.keys()], schema: interned });
  } catch (err) {
    if (err instanceof Unlocatable) return undefined;
    if (err instanceof Error && /could not be cloned/i.test(err.message)) return undefined;
    throw err;
  }
}

/**
 * A copy of plain data with every `path` field's string replaced by its number in `paths`
 * (objects shared stay shared); maps, sets and other objects are kept as they are.
 */
function internPaths(value: unknown, paths: Map<string, number>, copies: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const known = copies.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    copies.set(value, out);
    for (const item of value) out.push(internPaths(item, paths, copies));
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  copies.set(value, out);
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (key === 'path' && typeof field === 'string') {
      let index = paths.get(field);
      if (index === undefined) paths.set(field, (index = paths.size));
      out[key] = index;
    } else out[key] = internPaths(field, paths, copies);
  }
  return out;
}

/** Puts the strings back into what `internPaths` numbered, in place. */
function restorePaths(value: unknown, paths: readonly string[], seen: Set<object>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) restorePaths(item, paths, seen);
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (key === 'path' && typeof field === 'number') {
      if (paths[field] === undefined) throw new Error('not a schema');
      record[key] = paths[field];
    } else restorePaths(field, paths, seen);
  }
}

/** The object's own fields but `skip`, without calling a getter. */
function plainFields(object: object, skip: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    if (key === skip) continue;
    out[key] = (object as Record<string, unknown>)[key];
  }
  return out;
}

/**
 * The schema stored by `encodeSchema`; `modelOf` gives a project's model by path (its fields are
 * read only when a createOp or def is). Throws on data that is not an encoded schema.
 */
export function decodeSchema(data: Buffer, modelOf: (path: string) => MigrationModel | undefined): Schema {
  const stored = v8.deserialize(data) as { paths: unknown; schema: EncodedSchema };
  if (!Array.isArray(stored?.paths) || !stored.paths.every((p) => typeof p === 'string'))
    throw new Error('not a schema');
  const encoded = stored.schema;
  if (!Array.isArray(encoded?.tables) || !Array.isArray(encoded.views)) throw new Error('not a schema');
  restorePaths(encoded, stored.paths as string[], new Set());
  const resolve = (ref: Ref): unknown => {
    const op = modelOf(ref.path)?.operations[ref.op];
    if (!op) throw new Error(`the schema read back names an operation ${ref.path}#${ref.op} its model does not have`);
    if (ref.column === undefined) return op;
    const column = op.columns[ref.column];
    if (!column)
      throw new Error(
        `the schema read back names a column ${ref.path}#${ref.op}.${ref.column} its model does not have`,
      );
    return column;
  };
  const tables = encoded.tables.map(([key, entry]): [string, TableModel] => {
    const { fields, columns, createOpRef } = entry as {
      fields: Record<string, unknown>;
      columns: Array<[string, { fields: Record<string, unknown>; defRef?: Ref }]>;
      createOpRef?: Ref;
    };
    const decodedColumns = new Map<string, ColumnModel>();
    for (const [name, column] of columns) {
      const decoded = column.fields;
      if (column.defRef) lazyField(decoded, 'def', column.defRef, resolve);
      decodedColumns.set(name, decoded as unknown as ColumnModel);
    }
    const table = { ...fields, columns: decodedColumns } as Record<string, unknown>;
    if (createOpRef) lazyField(table, 'createOp', createOpRef, resolve);
    return [key, table as unknown as TableModel];
  });
  return {
    tables: ChunkedMap.from(tables),
    views: ChunkedMap.from(encoded.views as never),
    indexes: ChunkedMap.from(encoded.indexes as never),
    enums: ChunkedMap.from(encoded.enums as never),
  };
}

function lazyField(owner: Record<string, unknown>, field: string, ref: Ref, resolve: (ref: Ref) => unknown): void {
  refs.set(owner, ref);
  Object.defineProperty(owner, field, {
    enumerable: true,
    configurable: true,
    get() {
      const value = resolve(ref);
      Object.defineProperty(owner, field, { value, writable: true, enumerable: true, configurable: true });
      refs.delete(owner);
      return value;
    },
  });
}
