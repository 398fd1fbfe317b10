import type { MigrationModel, Operation, SqlStatement } from '../../model/migration';
import type { ProjectModel } from '../../model/project';
import { revisionSchema, tableKey, type RevisionSchema } from '../../model/schema';
import { ddlFactOf } from '../../parse/facts/schemaDdl';
import { qualifiedName } from '../../parse/facts/views';

/**
 * "Existing" tables for the production-safety rules: a table is existing in a revision unless the
 * same revision's upgrade creates it. A table the replayed history does not know (created before
 * the history was squashed, or by hand) is existing too: only a table created right here is
 * known to be empty and unused.
 */
export interface RevisionTables {
  schema: RevisionSchema;
  isExisting(table: string): boolean;
}

export function revisionTables(project: ProjectModel, migration: MigrationModel): RevisionTables {
  const schema = revisionSchema(project, migration);
  return { schema, isExisting: (table) => !schema.created.tables.has(table) && !schema.created.views.has(table) };
}

export function upgradeOperations(migration: MigrationModel): Operation[] {
  return migration.operations.filter((op) => op.section === 'upgrade');
}

/** The schema key of the table an Alembic operation acts on. */
export function operationTable(op: Operation): string | undefined {
  return op.table !== undefined ? tableKey(op.table, op.schema) : undefined;
}

/** The tables a SQL statement alters, indexes, drops or renames (not creates). */
export function statementTables(statement: SqlStatement): string[] {
  const fact = ddlFactOf(statement.kind, statement.parsed.node);
  switch (fact.kind) {
    case 'alter-table':
      return [qualifiedName(fact.table)];
    case 'create-index':
      return [qualifiedName(fact.table)];
    case 'drop':
      return fact.objectType === 'TABLE' ? fact.names.map(qualifiedName) : [];
    case 'rename':
      return fact.table && (fact.objectType === 'TABLE' || fact.objectType === 'COLUMN')
        ? [qualifiedName(fact.table)]
        : [];
    case 'truncate':
      return fact.tables.map(qualifiedName);
    default:
      return [];
  }
}
