import { ddlFactOf, type SqlColumnFact } from '../../parse/facts/schemaDdl';
import { qualifiedName, viewDefinitionOf, alterViewCheckOptionOf } from '../../parse/facts/views';
import type { ConstraintFact } from '../../parse/sqlFacts';
import type { SqlStatement } from '../migration';
import type { ColumnModel, ConstraintModel, Origin } from './model';
import type { Span } from '../source';
import type { SchemaBuilder } from './builder';
import { defaultFromSqlFacts, typeFromSql } from './types';

/** Applies one SQL statement (from `op.execute`) to the schema being replayed. */
export function applyStatement(builder: SchemaBuilder, statement: SqlStatement, origin: (span: Span) => Origin): void {
  const { kind, node } = statement.parsed;
  const at = (location: number): Origin => origin(statement.locate(location));
  // A name's whole span (libpg-query gives only where it starts), when it was written plainly.
  const atName = (location: number, name: string, schema?: string): Origin => {
    const start = location + (schema ? schema.length + 1 : 0);
    const first = statement.locate(start);
    const last = statement.locate(start + Math.max(0, name.length - 1));
    return origin(
      last.end > first.start && last.end - first.start === name.length ? { start: first.start, end: last.end } : first,
    );
  };
  const view = viewDefinitionOf(kind, node);
  if (view) {
    const key = qualifiedName(view.view);
    builder.createView({
      key,
      name: view.view.name,
      materialized: view.materialized,
      reads: view.reads.map(qualifiedName),
      columns: view.columns,
      checkOption: view.checkOption,
      origin: at(view.view.location),
    });
    return;
  }
  const checkOption = alterViewCheckOptionOf(kind, node);
  if (checkOption) {
    builder.updateView(qualifiedName(checkOption.view), (v) => ({ ...v, checkOption: checkOption.option }));
    return;
  }
  const fact = ddlFactOf(kind, node);
  switch (fact.kind) {
    case 'create-table': {
      const key = qualifiedName(fact.table);
      const parent = fact.partitionOf ? builder.table(qualifiedName(fact.partitionOf)) : undefined;
      const columns = new Map<string, ColumnModel>(parent?.columns ?? []);
      for (const column of fact.columns)
        columns.set(
          column.name,
          columnFromSql(column, (l) => atName(l, column.name)),
        );
      const constraints: ConstraintModel[] = [];
      for (const constraint of [
        ...fact.constraints,
        ...fact.columns.flatMap((c) =>
          c.constraints.map((k) => ({ ...k, columns: k.columns.length ? k.columns : [c.name] })),
        ),
      ]) {
        const model = constraintFromSql(constraint, at);
        if (!model) continue;
        if (model.kind === 'primary')
          for (const name of model.columns) {
            const c = columns.get(name);
            if (c) columns.set(name, { ...c, primaryKey: true, nullable: false });
          }
        constraints.push(model);
      }
      builder.createTable(
        {
          key,
          name: fact.table.name,
          schema: fact.table.schema,
          columns,
          constraints,
          partitionOf: fact.partitionOf ? qualifiedName(fact.partitionOf) : undefined,
          ...(fact.temporary ? { temporary: true } : {}),
          origin: atName(fact.table.location, fact.table.name, fact.table.schema),
        },
        fact.ifNotExists,
      );
      return;
    }
    case 'alter-table': {
      const key = qualifiedName(fact.table);
      for (const command of fact.commands) {
        builder.updateTable(key, (t) => {
          const column = command.column ? t.columns.get(command.column) : undefined;
          const setColumn = (next: ColumnModel): typeof t => ({
            ...t,
            columns: new Map(t.columns).set(next.name, next),
          });
          switch (command.subtype) {
            case 'AddColumn':
              return command.newColumn
                ? setColumn(columnFromSql(command.newColumn, (l) => atName(l, command.newColumn?.name ?? '')))
                : t;
            case 'DropColumn': {
              if (!command.column) return t;
              const columns = new Map(t.columns);
              columns.delete(command.column);
              return { ...t, columns };
            }
            case 'AlterColumnType':
              return column && command.type ? setColumn({ ...column, type: typeFromSql(command.type) }) : t;
            case 'ColumnDefault':
              return column
                ? setColumn({ ...column, default: command.default ? defaultFromSqlFacts(command.default) : undefined })
                : t;
            case 'SetNotNull':
              return column ? setColumn({ ...column, nullable: false }) : t;
            case 'DropNotNull':
              return column ? setColumn({ ...column, nullable: true }) : t;
            case 'AddConstraint': {
              const model = command.constraint ? constraintFromSql(command.constraint, at) : undefined;
              return model ? { ...t, constraints: [...t.constraints, model] } : t;
            }
            case 'DropConstraint':
              return { ...t, constraints: t.constraints.filter((c) => c.name !== command.name) };
            case 'ValidateConstraint':
              return {
                ...t,
                constraints: t.constraints.map((c) => (c.name === command.name ? { ...c, notValid: false } : c)),
              };
            default:
              return t;
          }
        });
      }
      return;
    }
    case 'drop':
      for (const name of fact.names) {
        const key = qualifiedName(name);
        if (fact.objectType === 'TABLE') builder.dropTable(key);
        else if (fact.objectType === 'VIEW' || fact.objectType === 'MATVIEW') builder.dropView(key);
        else if (fact.objectType === 'INDEX') builder.dropIndex(name.name);
        else if (fact.objectType === 'TYPE') builder.dropEnum(name.name);
      }
      return;
    case 'create-index': {
      const table = qualifiedName(fact.table);
      const name = fact.name ?? `${fact.table.name}_${fact.columns.join('_')}_idx`;
      if (fact.ifNotExists && builder.hasIndex(name)) return;
      builder.createIndex({ name, table, columns: fact.columns, unique: fact.unique, origin: at(fact.table.location) });
      return;
    }
    case 'rename': {
      if (!fact.table && fact.objectType !== 'TYPE') return;
      const key = fact.table ? qualifiedName(fact.table) : '';
      if (fact.objectType === 'TABLE' || fact.objectType === 'VIEW' || fact.objectType === 'MATVIEW') {
        builder.renameTable(key, qualifiedName({ name: fact.newName, schema: fact.table?.schema }), fact.newName);
      } else if (fact.objectType === 'COLUMN' && fact.subname) {
        const from = fact.subname;
        builder.updateTable(key, (t) => {
          const column = t.columns.get(from);
          if (!column) return t;
          const columns = new Map(t.columns);
          columns.delete(from);
          columns.set(fact.newName, { ...column, name: fact.newName });
          return { ...t, columns };
        });
      } else if (fact.objectType === 'INDEX' && fact.table) {
        builder.renameIndex(fact.table.name, fact.newName);
      }
      return;
    }
    case 'create-enum':
      builder.createEnum({ name: fact.name, values: fact.values, origin: origin(statement.span) });
      return;
    case 'alter-enum':
      if (fact.newValue)
        builder.updateEnum(fact.name, (e) => ({ ...e, values: [...e.values, fact.newValue as string] }));
      return;
    default:
      return;
  }
}

function columnFromSql(column: SqlColumnFact, at: (location: number) => Origin): ColumnModel {
  const serial = column.type && /^(small|big)?serial[48]?$/.test(column.type.name);
  return {
    name: column.name,
    type: column.type ? typeFromSql(column.type) : undefined,
    nullable: !column.notNull && !serial,
    default: column.default
      ? defaultFromSqlFacts(column.default)
      : serial
        ? {
            text: 'nextval()',
            functions: ['nextval'],
            literal: false,
            quotedString: false,
            convertsTimeZone: false,
            opaque: false,
          }
        : undefined,
    primaryKey: column.primaryKey,
    generated: column.generated,
    origin: at(column.location),
  };
}

const SQL_CONSTRAINT_KINDS: Record<string, ConstraintModel['kind'] | undefined> = {
  PRIMARY: 'primary',
  FOREIGN: 'foreign',
  UNIQUE: 'unique',
  CHECK: 'check',
  EXCLUSION: 'exclude',
};

function constraintFromSql(constraint: ConstraintFact, at: (location: number) => Origin): ConstraintModel | undefined {
  const kind = SQL_CONSTRAINT_KINDS[constraint.type];
  if (!kind) return undefined;
  return {
    kind,
    name: constraint.name,
    columns: constraint.columns,
    references: constraint.references ? qualifiedName(constraint.references.table) : undefined,
    notValid: constraint.notValid,
    origin: at(constraint.location),
  };
}
