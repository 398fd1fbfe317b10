// Differences between an expected and an actual schema snapshot, as sentences a person can act on:
// "index ix_user_email is left behind", "column user.email: type text → varchar(20)".
import type {
  ColumnSnapshot,
  SchemaDifference,
  SchemaObjectType,
  SchemaSnapshot,
  TableSnapshot,
} from './snapshotModel';

/** How extra and missing objects are phrased (a downgrade "leaves behind"; drift "exists outside the migrations"). */
export interface DiffWording {
  extra: string;
  missing: string;
}

const DEFAULT_WORDING: DiffWording = { extra: 'is left behind', missing: 'is missing' };

export function diffSnapshots(
  expected: SchemaSnapshot,
  actual: SchemaSnapshot,
  wording: DiffWording = DEFAULT_WORDING,
): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const extra = (objectType: SchemaObjectType, name: string) =>
    out.push({ change: 'extra', objectType, name, message: `${objectType} ${name} ${wording.extra}` });
  const missing = (objectType: SchemaObjectType, name: string) =>
    out.push({ change: 'missing', objectType, name, message: `${objectType} ${name} ${wording.missing}` });
  const changed = (objectType: SchemaObjectType, name: string, property: string, before: string, after: string) =>
    out.push({
      change: 'changed',
      objectType,
      name,
      property,
      expected: before,
      actual: after,
      message: `${objectType} ${name}: ${property} ${before} → ${after}`,
    });

  const compareKeys = <T>(
    objectType: (value: T) => SchemaObjectType,
    a: Record<string, T>,
    b: Record<string, T>,
    onBoth: (name: string, x: T, y: T) => void,
    skip: (name: string, value: T) => boolean = () => false,
  ) => {
    for (const name of Object.keys(a)) {
      const x = a[name] as T;
      if (!(name in b)) {
        if (!skip(name, x)) missing(objectType(x), name);
        continue;
      }
      onBoth(name, x, b[name] as T);
    }
    for (const name of Object.keys(b)) {
      const y = b[name] as T;
      if (!(name in a) && !skip(name, y)) extra(objectType(y), name);
    }
  };

  for (const name of expected.schemas) if (!actual.schemas.includes(name)) missing('schema', name);
  for (const name of actual.schemas) if (!expected.schemas.includes(name)) extra('schema', name);

  compareKeys(
    () => 'extension',
    expected.extensions,
    actual.extensions,
    (name, x, y) => {
      if (x.version !== y.version) changed('extension', name, 'version', x.version, y.version);
      if (x.schema !== y.schema) changed('extension', name, 'schema', x.schema, y.schema);
    },
  );
  compareKeys(
    () => 'enum type',
    expected.enums,
    actual.enums,
    (name, x, y) => {
      if (x.join(',') !== y.join(',')) changed('enum type', name, 'values', `(${x.join(', ')})`, `(${y.join(', ')})`);
    },
  );
  compareKeys(
    () => 'domain',
    expected.domains,
    actual.domains,
    (name, x, y) => {
      if (x !== y) changed('domain', name, 'definition', x, y);
    },
  );

  // Objects that belong to a table that is itself extra or missing are not listed one by one.
  const tablesOnlyOnOneSide = new Set(
    [...Object.keys(expected.tables), ...Object.keys(actual.tables)].filter(
      (t) => !(t in expected.tables) || !(t in actual.tables),
    ),
  );

  compareKeys(
    () => 'table',
    expected.tables,
    actual.tables,
    (name, x, y) => compareTables(name, x, y),
  );
  compareKeys(
    () => 'sequence',
    expected.sequences,
    actual.sequences,
    (name, x, y) => {
      for (const property of ['type', 'start', 'increment', 'min', 'max', 'cycle', 'ownedBy'] as const) {
        if (String(x[property]) !== String(y[property]))
          changed(
            'sequence',
            name,
            property === 'ownedBy' ? 'owned by' : property,
            String(x[property]),
            String(y[property]),
          );
      }
    },
    (_name, s) => s.ownedBy !== null && tablesOnlyOnOneSide.has(s.ownedBy.slice(0, s.ownedBy.lastIndexOf('.'))),
  );
  compareKeys(
    () => 'index',
    expected.indexes,
    actual.indexes,
    (name, x, y) => {
      if (x.definition !== y.definition) changed('index', name, 'definition', x.definition, y.definition);
    },
    (_name, index) => tablesOnlyOnOneSide.has(index.table),
  );
  compareKeys(
    (v) => v.kind,
    expected.views,
    actual.views,
    (name, x, y) => {
      if (x.kind !== y.kind) changed(x.kind, name, 'kind', x.kind, y.kind);
      else if (x.definition !== y.definition)
        changed(x.kind, name, 'definition', oneLine(x.definition), oneLine(y.definition));
    },
  );
  compareKeys(
    (v) => v.kind,
    expected.functions,
    actual.functions,
    (name, x, y) => {
      if (x.definition !== y.definition)
        changed(x.kind, name, 'definition', oneLine(x.definition), oneLine(y.definition));
    },
  );
  compareKeys(
    () => 'trigger',
    expected.triggers,
    actual.triggers,
    (name, x, y) => {
      if (x.definition !== y.definition) changed('trigger', name, 'definition', x.definition, y.definition);
    },
    (_name, trigger) => tablesOnlyOnOneSide.has(trigger.table),
  );

  return out;

  function compareTables(table: string, x: TableSnapshot, y: TableSnapshot): void {
    if (x.kind !== y.kind) changed('table', table, 'kind', x.kind, y.kind);
    if (x.comment !== y.comment) changed('table', table, 'comment', show(x.comment), show(y.comment));
    compareKeys(
      () => 'column',
      prefixKeys(table, x.columns),
      prefixKeys(table, y.columns),
      (name, a, b) => compareColumns(name, a, b),
    );
    compareKeys(
      () => 'constraint',
      prefixKeys(table, x.constraints),
      prefixKeys(table, y.constraints),
      (name, a, b) => {
        if (a.type !== b.type) changed('constraint', name, 'type', a.type, b.type);
        else if (a.definition !== b.definition) changed('constraint', name, 'definition', a.definition, b.definition);
      },
    );
  }

  function compareColumns(name: string, a: ColumnSnapshot, b: ColumnSnapshot): void {
    if (a.type !== b.type) changed('column', name, 'type', a.type, b.type);
    if (a.nullable !== b.nullable)
      changed('column', name, 'nullability', a.nullable ? 'NULL' : 'NOT NULL', b.nullable ? 'NULL' : 'NOT NULL');
    if (a.default !== b.default) changed('column', name, 'default', show(a.default), show(b.default));
    if (a.identity !== b.identity) changed('column', name, 'identity', show(a.identity), show(b.identity));
    if (a.generated !== b.generated) changed('column', name, 'generated', show(a.generated), show(b.generated));
    if (a.collation !== b.collation) changed('column', name, 'collation', show(a.collation), show(b.collation));
    if (a.comment !== b.comment) changed('column', name, 'comment', show(a.comment), show(b.comment));
  }
}

function prefixKeys<T>(table: string, record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(record)) out[`${table}.${key}`] = value;
  return out;
}

function show(value: string | null): string {
  return value === null ? 'none' : value;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}…` : flat;
}
