import { typeOf } from '../model/buildMigration';
import type { MigrationModel, Operation, PyValue } from '../model/migration';
import { callKeyword } from '../model/migration';
import type { ProjectModel } from '../model/project';
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
  const from = existing ?? previousType(migration, project, op, op.table, column);
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
    previousType(migration, project, op, table, column),
    type ? typeFromSql(type) : undefined,
    'history',
    'it is not in the revision history',
  );
}

function previousType(
  migration: MigrationModel,
  project: ProjectModel | undefined,
  op: Operation,
  table: string | undefined,
  column: string | undefined,
): ColumnType | undefined {
  if (!table || !column) return undefined;
  const definition = columnDefinition(historyBefore(project, migration, op), table, column);
  return definition.known && definition.value.type ? typeFromSqlAlchemy(definition.value.type) : undefined;
}

function describe(
  from: ColumnType | undefined,
  to: ColumnType | undefined,
  fromSource: ColumnTypeChange['fromSource'],
  unknownHint: string,
): ColumnTypeChange {
  if (!to)
    return { from, to, change: { verdict: 'unknown', reason: 'the new type is not a literal SQLAlchemy or SQL type' } };
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
