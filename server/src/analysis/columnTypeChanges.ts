import { typeOf } from '../model/buildMigration';
import type { MigrationModel, Operation, PyValue } from '../model/migration';
import { callKeyword } from '../model/migration';
import type { ProjectModel } from '../model/project';
import { schemaBefore, tableKey } from '../model/schema';
import { typeFromSql, typeFromSqlAlchemy, typeLabel, type ColumnType } from '../model/schema/types';
import type { SqlTypeWithModifiers } from '../parse/facts/schemaDdl';
import { columnDefinition, historyBefore } from './schemaHistory';
import { classifyTypeChange, type TypeChange } from './typeChange';

/**
 * A column type change, old type to new, in Postgres' vocabulary: from `alter_column(type_=…,
 * existing_type=…)` or SQL `ALTER COLUMN … TYPE`, with the old type read from the history when the
 * revision does not say it. SW104 reports the changes that can lose data (or cannot be judged),
 * SW105 the lossless ones the application can still notice.
 */
export interface ColumnTypeChange {
  from?: ColumnType;
  to?: ColumnType;
  change: TypeChange;
  /** Where the old type came from, for messages. */
  fromSource?: 'existing_type' | 'history';
  /**
   * One side is a project's own type or another dialect's (see ColumnType.foreign): which SQL
   * type it stands for is unknown, so the change is neither judged nor reported.
   */
  foreign?: boolean;
}

function pythonType(value: PyValue | undefined): ColumnType | undefined {
  const ref = value ? typeOf(value) : undefined;
  return ref ? typeFromSqlAlchemy(ref) : undefined;
}

/** The type change an `alter_column(type_=…)` makes, or undefined when it changes no type. */
export function alterColumnTypeChange(
  migration: MigrationModel,
  project: ProjectModel | undefined,
  op: Operation,
): ColumnTypeChange | undefined {
  const target = callKeyword(op.call, 'type_');
  if (!target) return undefined;
  const to = pythonType(target);
  const existing = pythonType(callKeyword(op.call, 'existing_type'));
  const column = op.args.column_name?.kind === 'string' ? op.args.column_name.value : undefined;
  const from = existing ?? previousColumnType(migration, project, op, op.table, column);
  return describe(from, to, existing ? 'existing_type' : 'history', 'give `existing_type=`');
}

/** The type change of SQL `ALTER TABLE t ALTER COLUMN c TYPE …`. */
export function sqlTypeChange(
  migration: MigrationModel,
  project: ProjectModel | undefined,
  op: Operation,
  table: string | undefined,
  column: string,
  type: SqlTypeWithModifiers | undefined,
): ColumnTypeChange {
  return describe(
    previousColumnType(migration, project, op, table, column),
    type ? typeFromSql(type) : undefined,
    'history',
    'it is not in the revision history',
  );
}

/**
 * The column's type just before `op`, from the one place every rule reads it: the column's
 * definition in the history when nothing changed it since, else the schema replayed up to this
 * revision (which follows later `alter_column(type_=…)`, SQL and everything the definition walk
 * gives up on). SW104, SW105 and SW604 all ask here, so they never disagree about it.
 */
export function previousColumnType(
  migration: MigrationModel,
  project: ProjectModel | undefined,
  op: Operation,
  table: string | undefined,
  column: string | undefined,
): ColumnType | undefined {
  if (!table || !column) return undefined;
  const definition = columnDefinition(historyBefore(project, migration, op), table, column);
  if (definition.known && definition.value.type) return typeFromSqlAlchemy(definition.value.type);
  if (!project) return undefined;
  const columns = schemaBefore(project, migration).tables.get(tableKey(table, op.schema))?.columns;
  return (columns?.get(column) ?? columns?.get(column.toLowerCase()))?.type;
}

function describe(
  from: ColumnType | undefined,
  to: ColumnType | undefined,
  fromSource: ColumnTypeChange['fromSource'],
  unknownHint: string,
): ColumnTypeChange {
  if (!to)
    return { from, to, change: { verdict: 'unknown', reason: 'the new type is not a literal SQLAlchemy or SQL type' } };
  if (to.foreign || from?.foreign)
    return {
      from,
      to,
      foreign: true,
      change: {
        verdict: 'unknown',
        reason: `${(to.foreign ? to : (from as ColumnType)).text} is not a PostgreSQL type`,
      },
    };
  // Every value of every type has a text form: a change to unbounded text keeps them all.
  if (!from && to.name === 'text' && !to.isArray && !to.modifiers.length)
    return { from, to, change: { verdict: 'conversion', reason: 'every value can be written as text' } };
  if (!from)
    return {
      from,
      to,
      change: {
        verdict: 'unknown',
        reason: `the previous type is unknown (${unknownHint}), so whether ${typeLabel(to)} keeps every value cannot be told`,
      },
    };
  return { from, to, change: classifyTypeChange(from, to), fromSource };
}
