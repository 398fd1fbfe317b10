// Schema snapshots from catalog queries through Node's pg client: independent of pg_dump's version
// (pg_dump refuses newer servers, and 15.18 writes random \restrict keys into every dump).
import type { Client } from 'pg';
import { newPgClient } from './pgClient';
import type { ColumnSnapshot, ConstraintSnapshot, SchemaSnapshot, TableSnapshot } from './snapshotModel';

export type { SchemaSnapshot, SchemaDifference } from './snapshotModel';
export { diffSnapshots, type DiffWording } from './snapshotDiff';

export interface SnapshotOptions {
  /** Tables left out (Alembic's bookkeeping): default ["alembic_version"]. */
  excludeTables?: string[];
}

const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;
const NOT_FROM_EXTENSION = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${catalog}'::regclass AND dep.objid = ${oid} AND dep.deptype = 'e')`;
const QUALIFIED = (schema: string, name: string) =>
  `CASE WHEN ${schema} = 'public' THEN ${name} ELSE ${schema} || '.' || ${name} END`;

/** Takes a snapshot of the database at `url` (or through an open client). */
export async function takeSnapshot(target: string | Client, options: SnapshotOptions = {}): Promise<SchemaSnapshot> {
  const client = typeof target === 'string' ? newPgClient({ connectionString: target }) : target;
  if (typeof target === 'string') {
    client.on('error', () => undefined); // reported by the failing query instead
    await client.connect();
  }
  try {
    // A client of our own is used once: preparing would only add a round trip.
    const prepare = typeof target !== 'string';
    return await readSnapshot(client, new Set(options.excludeTables ?? ['alembic_version']), prepare);
  } finally {
    if (typeof target === 'string') await client.end().catch(() => undefined);
  }
}

async function readSnapshot(client: Client, excluded: Set<string>, prepare: boolean): Promise<SchemaSnapshot> {
  // All catalog queries go to the server in one round trip (simple protocol, several statements).
  const statements: string[] = [];
  const rows = <T extends object>(sql: string): (() => T[]) => {
    const index = statements.push(sql.trim()) - 1;
    return () => (results[index]?.rows ?? []) as T[];
  };
  let results: Array<{ rows: unknown[] }> = [];

  const schemaRows = rows<{ name: string }>(
    `SELECT n.nspname AS name FROM pg_namespace n WHERE ${USER_SCHEMA} AND ${NOT_FROM_EXTENSION('pg_namespace', 'n.oid')}`,
  );

  const extensionsQuery = rows<{ name: string; schema: string; version: string }>(
    `SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace`,
  );

  const enumsQuery = rows<{ name: string; labels: string[] }>(`
    SELECT ${QUALIFIED('n.nspname', 't.typname')} AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
    WHERE ${USER_SCHEMA} AND ${NOT_FROM_EXTENSION('pg_type', 't.oid')}
    GROUP BY n.nspname, t.typname`);

  const domainsQuery = rows<{ name: string; definition: string }>(
    `
    SELECT ${QUALIFIED('n.nspname', 't.typname')} AS ` +
      `name,
      format_type(t.typbasetype, t.typtypmod)
        || CASE WHEN t.typnotnull THEN ` +
      `' NOT NULL' ELSE '' END
        || COALESCE(' DEFAULT ' || t.typdefault, '')
        || ` +
      `COALESCE((SELECT ' ' || string_agg(pg_get_constraintdef(c.oid), ' ' ORDER BY c.conname) ` +
      `FROM pg_constraint c WHERE c.contypid = t.oid), '') AS definition
    FROM pg_type t JOIN ` +
      `pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typtype = 'd' AND ${USER_SCHEMA} AND ${NOT_FROM_EXTENSION('pg_type', 't.oid')}`,
  );

  const sequencesQuery = rows<{
    name: string;
    type: string;
    start: string;
    increment: string;
    min: string;
    max: string;
    cycle: boolean;
    owned_by: string | null;
  }>(`
    SELECT ${QUALIFIED('n.nspname', 'c.relname')} AS name, format_type(s.seqtypid, NULL) AS type,
      s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcycle AS cycle,
      (SELECT ${QUALIFIED('tn.nspname', 'tc.relname')} || '.' || a.attname
         FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i') LIMIT 1) AS owned_by
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
    WHERE c.relkind = 'S' AND ${USER_SCHEMA} AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}`);

  const tablesQuery = rows<{ oid: number; name: string; relname: string; kind: string; comment: string | null }>(`
    SELECT c.oid::int AS oid, ${QUALIFIED('n.nspname', 'c.relname')} AS name, c.relname, c.relkind::text AS kind, obj_description(c.oid, 'pg_class') AS comment
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f') AND ${USER_SCHEMA} AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}`);

  const columnsQuery = rows<{
    table_oid: number;
    name: string;
    type: string;
    not_null: boolean;
    default: string | null;
    identity: string;
    generated: string;
    collation: string | null;
    comment: string | null;
  }>(`
    SELECT a.attrelid::int AS table_oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
      pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity::text AS identity, a.attgenerated::text AS generated,
      CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
      col_description(a.attrelid, a.attnum) AS comment
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f') AND ${USER_SCHEMA}`);

  const constraintsQuery = rows<{ table_oid: number; name: string; type: string; definition: string }>(`
    SELECT con.conrelid::int AS table_oid, con.conname AS name, con.contype::text AS type, pg_get_constraintdef(con.oid, true) AS definition
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE con.conrelid <> 0 AND ${USER_SCHEMA}`);

  const indexesQuery = rows<{ name: string; table: string; table_oid: number; definition: string }>(`
    SELECT ${QUALIFIED('n.nspname', 'ic.relname')} AS name, ${QUALIFIED('n.nspname', 'tc.relname')} AS table, tc.oid::int AS table_oid,
      pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    WHERE ${USER_SCHEMA} AND tc.relkind IN ('r', 'p', 'm', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
      AND ${NOT_FROM_EXTENSION('pg_class', 'ic.oid')}`);

  const viewsQuery = rows<{ name: string; kind: string; definition: string }>(`
    SELECT ${QUALIFIED('n.nspname', 'c.relname')} AS name, c.relkind::text AS kind, pg_get_viewdef(c.oid, true) AS definition
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('v', 'm') AND ${USER_SCHEMA} AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}`);

  const functionsQuery = rows<{ name: string; kind: string; definition: string }>(`
    SELECT ${QUALIFIED('n.nspname', 'p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name,
      p.prokind::text AS kind, pg_get_functiondef(p.oid) AS definition
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p') AND ${USER_SCHEMA} AND ${NOT_FROM_EXTENSION('pg_proc', 'p.oid')}`);

  const triggersQuery = rows<{ name: string; table: string; table_oid: number; definition: string }>(`
    SELECT ${QUALIFIED('n.nspname', 'c.relname')} || '.' || t.tgname AS name, ${QUALIFIED('n.nspname', 'c.relname')} AS table, c.oid::int AS table_oid,
      pg_get_triggerdef(t.oid) AS definition
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT t.tgisinternal AND ${USER_SCHEMA}`);

  results = prepare ? await runPrepared(client, statements) : asResults(await client.query(statements.join(';\n')));
  const schemas = schemaRows().map((r) => r.name);
  const extensions = extensionsQuery();
  const enums = enumsQuery();
  const domains = domainsQuery();
  const sequences = sequencesQuery();
  const tables = tablesQuery();
  const columns = columnsQuery();
  const constraints = constraintsQuery();
  const indexes = indexesQuery();
  const views = viewsQuery();
  const functions = functionsQuery();
  const triggers = triggersQuery();
  const keptTables = tables.filter((t) => !excluded.has(t.relname) && !excluded.has(t.name));
  const excludedOids = new Set(tables.filter((t) => !keptTables.includes(t)).map((t) => t.oid));
  const tableByOid = new Map<number, TableSnapshot>();
  const tableSnapshots: Record<string, TableSnapshot> = {};
  for (const table of keptTables) {
    const snapshot: TableSnapshot = {
      kind: TABLE_KINDS[table.kind] ?? 'table',
      comment: table.comment,
      columns: {},
      constraints: {},
    };
    tableByOid.set(table.oid, snapshot);
    tableSnapshots[table.name] = snapshot;
  }
  for (const column of columns) {
    const table = tableByOid.get(column.table_oid);
    if (!table) continue;
    const isGenerated = column.generated === 's';
    const value: ColumnSnapshot = {
      type: shortTypeName(column.type),
      nullable: !column.not_null,
      default: isGenerated ? null : column.default,
      identity: column.identity === 'a' ? 'always' : column.identity === 'd' ? 'by default' : null,
      generated: isGenerated ? column.default : null,
      collation: column.collation,
      comment: column.comment,
    };
    table.columns[column.name] = value;
  }
  for (const constraint of constraints) {
    const table = tableByOid.get(constraint.table_oid);
    const type = CONSTRAINT_TYPES[constraint.type];
    if (!table || !type) continue;
    table.constraints[constraint.name] = { type, definition: constraint.definition };
  }

  return {
    schemas: [...schemas].sort(),
    extensions: sortedRecord(extensions.map((e) => [e.name, { schema: e.schema, version: e.version }])),
    enums: sortedRecord(enums.map((e) => [e.name, e.labels])),
    domains: sortedRecord(domains.map((d) => [d.name, d.definition])),
    sequences: sortedRecord(
      sequences.map((s) => [
        s.name,
        {
          type: s.type,
          start: s.start,
          increment: s.increment,
          min: s.min,
          max: s.max,
          cycle: s.cycle,
          ownedBy: s.owned_by,
        },
      ]),
    ),
    tables: sortedRecord(
      Object.entries(tableSnapshots).map(([name, t]) => [
        name,
        {
          ...t,
          columns: sortedRecord(Object.entries(t.columns)),
          constraints: sortedRecord(Object.entries(t.constraints)),
        },
      ]),
    ),
    indexes: sortedRecord(
      indexes
        .filter((i) => !excludedOids.has(i.table_oid))
        .map((i) => [i.name, { table: i.table, definition: i.definition }]),
    ),
    views: sortedRecord(
      views.map((v) => [
        v.name,
        { kind: v.kind === 'm' ? 'materialized view' : 'view', definition: v.definition.trim() },
      ]),
    ),
    functions: sortedRecord(
      functions.map((f) => [
        f.name,
        { kind: f.kind === 'p' ? 'procedure' : 'function', definition: f.definition.trim() },
      ]),
    ),
    triggers: sortedRecord(
      triggers
        .filter((t) => !excludedOids.has(t.table_oid))
        .map((t) => [t.name, { table: t.table, definition: t.definition }]),
    ),
  };
}

/**
 * Runs the catalog queries in one round trip as prepared statements of the client's session
 * (PREPARE once per connection, then one simple-protocol batch of EXECUTEs): planning the twelve
 * queries again cost half of every snapshot, and a round trip takes three snapshots a revision.
 * The statements live in verify's own session only; the project's connections never see them.
 */
async function runPrepared(client: Client, statements: string[]): Promise<Array<{ rows: unknown[] }>> {
  const text = statements.join(';\n');
  const before = preparedOn.get(client);
  if (before?.text !== text) {
    if (before !== undefined) {
      await client.query(
        Array.from({ length: before.count }, (_, index) => `DEALLOCATE ${PREPARED_PREFIX}${index}`).join(';'),
      );
    }
    preparedOn.delete(client);
    await client.query(statements.map((sql, index) => `PREPARE ${PREPARED_PREFIX}${index} AS ${sql}`).join(';\n'));
    preparedOn.set(client, { text, count: statements.length });
  }
  try {
    return asResults(await client.query(statements.map((_, index) => `EXECUTE ${PREPARED_PREFIX}${index}`).join(';')));
  } catch (error) {
    // Gone from the session (a DISCARD ALL, a pooler between us and the server): plain queries.
    if ((error as { code?: string }).code !== INVALID_STATEMENT_NAME) throw error;
    preparedOn.delete(client);
    return asResults(await client.query(text));
  }
}

function asResults(response: unknown): Array<{ rows: unknown[] }> {
  return (Array.isArray(response) ? response : [response]) as Array<{ rows: unknown[] }>;
}

const PREPARED_PREFIX = 'schema_warden_snapshot_';
const INVALID_STATEMENT_NAME = '26000';
/** What each client's session has prepared: the statements' text and how many. */
const preparedOn = new WeakMap<Client, { text: string; count: number }>();

const TABLE_KINDS: Record<string, TableSnapshot['kind']> = { r: 'table', p: 'partitioned table', f: 'foreign table' };
const CONSTRAINT_TYPES: Record<string, ConstraintSnapshot['type']> = {
  p: 'primary key',
  u: 'unique',
  f: 'foreign key',
  c: 'check',
  x: 'exclusion',
  t: 'constraint trigger',
};

/** The short spellings people write in migrations ("varchar(20)" rather than "character varying(20)"). */
export function shortTypeName(type: string): string {
  return type
    .replace(/^character varying/, 'varchar')
    .replace(/^character\b/, 'char')
    .replace(/^timestamp(\(\d+\))? with time zone/, 'timestamptz$1')
    .replace(/^timestamp(\(\d+\))? without time zone/, 'timestamp$1')
    .replace(/^time(\(\d+\))? with time zone/, 'timetz$1')
    .replace(/^time(\(\d+\))? without time zone/, 'time$1');
}

function sortedRecord<T>(entries: Array<[string, T]>): Record<string, T> {
  const record: Record<string, T> = {};
  for (const [key, value] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) record[key] = value;
  return record;
}
