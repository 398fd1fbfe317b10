import { boolValue, callKeyword, type MigrationModel, type Operation, type SqlStatement } from '../../model/migration';
import type { Span } from '../../model/source';
import { domainLockOf, reindexOf } from '../../parse/facts/locking';
import { ddlFactOf } from '../../parse/facts/schemaDdl';
import type { SqlNode } from '../../parse/sql';
import { nameParts } from '../../parse/sqlFacts';
import { qualifiedName } from '../../parse/facts/views';
import { lockInfo } from './locks';
import { operationTable, statementTables, type RevisionTables } from './revisionTables';
import { keywordSpan } from './sqlNames';
import { ObjectMemo } from '../../model/objectMemo';

/**
 * What an upgrade operation locks among the tables that already hold data (SW603): the table (or
 * the domain, schema or database whose tables it locks), what does it, and whether the statement
 * also reads the whole table while holding the lock (a validation, an index build, a rewrite):
 * such a statement can hold its lock for minutes, which `statement_timeout` bounds.
 */
export interface ExistingTableLock {
  /** For a person: `existing table "invoice"`, `every table using domain "positive_amount"`, … */
  target: string;
  /** The table's key when the target is one table. */
  table?: string;
  /** The operation or the statement's first words: `add_column`, `ALTER TABLE`, `REINDEX`, … */
  what: string;
  scansWholeTable: boolean;
  span: Span;
}

/** Alembic operations that lock an existing table (creating a table or a view locks nothing others use). */
const LOCKING_OPS = new Set([
  'drop_table',
  'rename_table',
  'add_column',
  'drop_column',
  'alter_column',
  'create_index',
  'drop_index',
  'create_foreign_key',
  'create_unique_constraint',
  'create_primary_key',
  'create_check_constraint',
  'create_exclude_constraint',
  'drop_constraint',
]);

/** ALTER TABLE sub-commands that read every row while the lock is held. */
function alterCommandScans(command: ReturnType<typeof alterCommandsOf>[number]): boolean {
  switch (command.subtype) {
    case 'ValidateConstraint':
    case 'SetNotNull':
      return true;
    case 'AddConstraint': {
      const c = command.constraint;
      if (!c) return false;
      if (c.type === 'FOREIGN' || c.type === 'CHECK') return !c.notValid;
      return (c.type === 'UNIQUE' || c.type === 'PRIMARY' || c.type === 'EXCLUSION') && !c.usingIndex;
    }
    default:
      return false;
  }
}

function alterCommandsOf(statement: SqlStatement) {
  const fact = ddlFactOf(statement.kind, statement.parsed.node);
  return fact.kind === 'alter-table' ? fact.commands : [];
}

/** The first existing table (or group of tables) an upgrade operation locks; undefined when none. */
export function existingTableLock(
  migration: MigrationModel,
  op: Operation,
  tables: RevisionTables,
  pgVersion: number,
): ExistingTableLock | undefined {
  if (concurrentInAutocommit(op)) return undefined;
  if (op.isAlembicOp && LOCKING_OPS.has(op.name)) {
    let table = operationTable(op);
    if (!table && op.name === 'drop_index') {
      const name = op.args.index_name;
      table = name?.kind === 'string' ? tables.schema.before.indexes.get(name.value)?.table : undefined;
    }
    if (!table || !tables.isExisting(table)) return undefined;
    return {
      target: `existing table "${table}"`,
      table,
      what: op.name,
      scansWholeTable: operationScans(op, pgVersion),
      span: op.call.calleeSpan,
    };
  }
  const created = createdDomains(migration);
  for (const statement of op.sql?.statements ?? []) {
    const found = statementLock(migration, statement, tables, created, pgVersion);
    if (found) return found;
  }
  return undefined;
}

/** Every existing-table lock of an upgrade operation's statements (an Alembic op has at most one). */
export function existingTableLocks(
  migration: MigrationModel,
  op: Operation,
  tables: RevisionTables,
  pgVersion: number,
): ExistingTableLock[] {
  if ((op.isAlembicOp && LOCKING_OPS.has(op.name)) || concurrentInAutocommit(op)) {
    const one = existingTableLock(migration, op, tables, pgVersion);
    return one ? [one] : [];
  }
  const created = createdDomains(migration);
  return (op.sql?.statements ?? [])
    .map((s) => statementLock(migration, s, tables, created, pgVersion))
    .filter((l): l is ExistingTableLock => l !== undefined);
}

function operationScans(op: Operation, pgVersion: number): boolean {
  const notValid = boolValue(callKeyword(op.call, 'postgresql_not_valid')) === true;
  switch (op.name) {
    case 'create_index':
      return boolValue(callKeyword(op.call, 'postgresql_concurrently')) !== true;
    case 'create_unique_constraint':
    case 'create_primary_key':
    case 'create_exclude_constraint':
      return true;
    case 'create_foreign_key':
    case 'create_check_constraint':
      return !notValid;
    case 'alter_column':
      return boolValue(op.args.nullable) === false || lockInfo(op, pgVersion)?.rewrites === true;
    case 'add_column':
      return lockInfo(op, pgVersion)?.rewrites === true;
    default:
      return false;
  }
}

function statementLock(
  migration: MigrationModel,
  statement: SqlStatement,
  tables: RevisionTables,
  createdDomainNames: ReadonlySet<string>,
  pgVersion: number,
): ExistingTableLock | undefined {
  const { kind, node } = statement.parsed;
  const span = keywordSpan(migration.source, statement, /^\w+(\s+\w+)?/);
  const words = (n: number): string =>
    statement.text
      .replace(/\(.*?\)/, ' ')
      .trim()
      .split(/\s+/)
      .slice(0, n)
      .join(' ')
      .toUpperCase();
  const table = statementTables(statement).find(tables.isExisting);
  if (table) {
    const fact = ddlFactOf(kind, node);
    const scans =
      (fact.kind === 'create-index' && !fact.concurrent) ||
      alterCommandsOf(statement).some(alterCommandScans) ||
      lockInfo(statement, pgVersion)?.rewrites === true;
    return { target: `existing table "${table}"`, table, what: words(2), scansWholeTable: scans, span };
  }
  const fact = ddlFactOf(kind, node);
  if (fact.kind === 'drop' && fact.objectType === 'INDEX' && !fact.concurrent) {
    for (const name of fact.names.map(qualifiedName)) {
      const known = indexTable(tables, name);
      if (known === null) continue; // created by this revision
      if (known && !tables.isExisting(known)) continue;
      return known
        ? { target: `existing table "${known}"`, table: known, what: 'DROP INDEX', scansWholeTable: false, span }
        : { target: `the existing table of index "${name}"`, what: 'DROP INDEX', scansWholeTable: false, span };
    }
    return undefined;
  }
  const reindex = reindexOf(kind, node);
  if (reindex) {
    if (reindex.concurrent || !reindex.name) return undefined;
    if (reindex.target === 'INDEX') {
      const known = indexTable(tables, reindex.name);
      if (known === null || (known && !tables.isExisting(known))) return undefined;
      return known
        ? { target: `existing table "${known}"`, table: known, what: 'REINDEX', scansWholeTable: true, span }
        : { target: `the existing table of index "${reindex.name}"`, what: 'REINDEX', scansWholeTable: true, span };
    }
    if (reindex.target === 'TABLE')
      return tables.isExisting(reindex.name)
        ? {
            target: `existing table "${reindex.name}"`,
            table: reindex.name,
            what: 'REINDEX',
            scansWholeTable: true,
            span,
          }
        : undefined;
    return {
      target: `every table of ${reindex.target.toLowerCase()} "${reindex.name}"`,
      what: 'REINDEX',
      scansWholeTable: true,
      span,
    };
  }
  if (kind === 'VacuumStmt' || kind === 'ClusterStmt') {
    const full = kind === 'ClusterStmt' || JSON.stringify(node.options ?? []).includes('"full"');
    if (!full) return undefined; // plain VACUUM: SHARE UPDATE EXCLUSIVE, reads and writes go on
    const what = kind === 'ClusterStmt' ? 'CLUSTER' : 'VACUUM FULL';
    const named = relationsOf(kind, node);
    if (named.length === 0)
      return {
        target: kind === 'ClusterStmt' ? 'every table clustered before' : 'every table of the database',
        what,
        scansWholeTable: true,
        span,
      };
    const existing = named.find(tables.isExisting);
    return existing
      ? { target: `existing table "${existing}"`, table: existing, what, scansWholeTable: true, span }
      : undefined;
  }
  const domain = domainLockOf(kind, node);
  if (domain && !createdDomainNames.has(domain))
    return { target: `every table using domain "${domain}"`, what: 'ALTER DOMAIN', scansWholeTable: true, span };
  return undefined;
}

/** The table of an index: its key, `undefined` when unknown, `null` when this revision creates it. */
function indexTable(tables: RevisionTables, name: string): string | undefined | null {
  if (tables.schema.created.indexes.has(name)) return null;
  return tables.schema.before.indexes.get(name)?.table;
}

function relationsOf(kind: string, node: SqlNode): string[] {
  const relations: Array<{ relname?: string; schemaname?: string }> =
    kind === 'ClusterStmt'
      ? node.relation
        ? [node.relation as { relname?: string }]
        : []
      : ((node.rels as Array<{ VacuumRelation?: { relation?: { relname?: string } } }> | undefined) ?? []).map(
          (r) => r.VacuumRelation?.relation ?? {},
        );
  return relations
    .filter((r) => r.relname)
    .map((r) => (r.schemaname && r.schemaname !== 'public' ? `${r.schemaname}.${r.relname}` : r.relname!));
}

const domainCache = new ObjectMemo<MigrationModel, Set<string>>('domainCache');

/** Domains the revision's upgrade creates: altering them locks no table that holds data. */
export function createdDomains(migration: MigrationModel): Set<string> {
  let names = domainCache.get(migration);
  if (names) return names;
  names = new Set();
  for (const op of migration.operations)
    if (op.section === 'upgrade')
      for (const s of op.sql?.statements ?? [])
        if (s.kind === 'CreateDomainStmt') names.add(nameParts(s.parsed.node.domainname).join('.'));
  domainCache.set(migration, names);
  return names;
}

/**
 * A CONCURRENTLY index build, drop or reindex in an autocommit block takes SHARE UPDATE
 * EXCLUSIVE, which neither blocks reads and writes nor queues them behind it while it waits.
 */
export function concurrentInAutocommit(op: Operation): boolean {
  if (!op.inAutocommitBlock) return false;
  // `op.execute(…)` is an Alembic operation too: its SQL says what it does.
  if (!op.sql)
    return (
      op.isAlembicOp &&
      (op.name === 'create_index' || op.name === 'drop_index') &&
      boolValue(callKeyword(op.call, 'postgresql_concurrently')) === true
    );
  const statements = op.sql.statements;
  return (
    statements.length > 0 &&
    statements.every((s) => {
      if (reindexOf(s.kind, s.parsed.node)?.concurrent) return true;
      const fact = ddlFactOf(s.kind, s.parsed.node);
      return (fact.kind === 'create-index' || (fact.kind === 'drop' && fact.objectType === 'INDEX')) && fact.concurrent;
    })
  );
}
