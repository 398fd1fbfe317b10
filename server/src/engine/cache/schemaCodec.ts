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
    return v8.serialize(encoded);
  } catch (err) {
    if (err instanceof Unlocatable) return undefined;
    if (err instanceof Error && /could not be cloned/i.test(err.message)) return undefined;
    throw err;
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
  const encoded = v8.deserialize(data) as EncodedSchema;
  if (!Array.isArray(encoded?.tables) || !Array.isArray(encoded.views)) throw new Error('not a schema');
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
