import { callKeyword, type MigrationModel, type Operation, type PyValue, type TypeRef } from '../../model/migration';
import { typeOf as pyTypeOf } from '../../model/buildMigration';
import { columnFacts, type SqlTypeFact } from '../../parse/sqlFacts';

/** What the rules need to know about column types: timestamps with or without a zone, UUIDs. */

const PY_TIMESTAMP_TYPES = new Set(['DateTime', 'TIMESTAMP']);

/**
 * For a SQLAlchemy timestamp type: 'aware' (timezone=True), 'naive' (no time zone), 'unknown'
 * (timezone= given as an expression); undefined when the type is not a timestamp.
 */
export function pyTimestampZone(type: TypeRef | undefined): 'aware' | 'naive' | 'unknown' | undefined {
  if (!type || !PY_TIMESTAMP_TYPES.has(type.name)) return undefined;
  const call = type.call;
  if (!call) return 'naive';
  const keyword = callKeyword(call, 'timezone');
  const flag = keyword ?? call.args[0];
  if (!flag) return 'naive';
  if (flag.kind === 'bool') return flag.value ? 'aware' : 'naive';
  return 'unknown';
}

export function sqlTimestampZone(type: SqlTypeFact | undefined): 'aware' | 'naive' | undefined {
  if (!type || type.isArray) return undefined;
  if (type.name === 'timestamp') return 'naive';
  if (type.name === 'timestamptz') return 'aware';
  return undefined;
}

/** The time-zone flag of a type written in Python: `type_=` value → TypeRef. */
export function pyTypeRef(value: PyValue | undefined): TypeRef | undefined {
  return value && (value.kind === 'call' || value.kind === 'name') ? pyTypeOf(value) : undefined;
}

/**
 * Zone names that mean UTC exactly: 'UTC' and its IANA aliases. Offsets ('+00', 'UTC+0') and GMT
 * aliases are not accepted: the policy asks for UTC spelled out, and POSIX offsets have an
 * inverted sign that makes any non-zero one a trap.
 */
const UTC_NAMES = new Set(['utc', 'etc/utc', 'uct', 'etc/uct', 'zulu', 'etc/zulu', 'universal', 'etc/universal']);
export function isUtcZone(zone: string | undefined): boolean {
  return zone !== undefined && UTC_NAMES.has(zone.trim().toLowerCase());
}

/** A column's type as this revision declares it, in Python or SQL. */
export interface KnownColumnType {
  py?: TypeRef;
  sql?: SqlTypeFact;
}

/**
 * The types of the columns this revision's upgrade creates (create_table, add_column, alter_column
 * type_=, SQL CREATE TABLE / ADD COLUMN / ALTER TYPE), keyed `table.column`, last write wins.
 * Enough to know the type behind a later `SET DEFAULT` or `create_primary_key` in the same revision.
 */
export function revisionColumnTypes(migration: MigrationModel): Map<string, KnownColumnType> {
  const types = new Map<string, KnownColumnType>();
  for (const op of migration.operations) {
    if (op.section !== 'upgrade') continue;
    for (const column of op.columns) {
      if (op.table && column.name && column.type) types.set(key(op.table, column.name), { py: column.type });
    }
    if (op.name === 'alter_column' && op.table) {
      const type = pyTypeRef(op.args.type_);
      const name = op.args.column_name;
      if (type && name?.kind === 'string') types.set(key(op.table, name.value), { py: type });
    }
    for (const statement of op.sql?.statements ?? []) {
      for (const fact of columnFacts(statement.kind, statement.parsed.node)) {
        if (
          fact.type &&
          fact.table &&
          (fact.via === 'create-table' || fact.via === 'add-column' || fact.via === 'alter-type')
        ) {
          types.set(key(fact.table.name, fact.column), { sql: fact.type });
        }
      }
    }
  }
  return types;
}

export function key(table: string, column: string): string {
  return `${table.toLowerCase()}.${column.toLowerCase()}`;
}

/** Upgrade operations only: a downgrade restores the schema as it was, which is not a new decision. */
export function upgradeOps(migration: MigrationModel): Operation[] {
  return migration.operations.filter((op) => op.section === 'upgrade');
}
