import type { MigrationModel, SqlStatement } from '../../model/migration';
import { callKeyword } from '../../model/migration';
import { entityViewCall, viewFromEntity } from '../../model/schema/entities';
import type { Span } from '../../model/source';
import { qualifiedName, viewDefinitionOf } from '../../parse/facts/views';
import { nameSpan } from './sqlNames';
import { upgradeOperations } from './revisionTables';

/** A view or materialized view an upgrade defines, from SQL or from alembic_utils' PGView / PGMaterializedView. */
export interface DefinedView {
  key: string;
  name: string;
  materialized: boolean;
  orReplace: boolean;
  /** Relations the definition reads; undefined when the definition is not a literal. */
  reads?: string[];
  columns?: string[];
  /** The view's name in the source. */
  span: Span;
  statement?: SqlStatement;
}

export function viewsDefinedIn(migration: MigrationModel): DefinedView[] {
  const out: DefinedView[] = [];
  for (const op of upgradeOperations(migration)) {
    if (op.name === 'create_entity' || op.name === 'replace_entity') {
      const call = entityViewCall(op, migration);
      if (!call) continue;
      const view = viewFromEntity(op, migration, (span) => ({ path: migration.path, span }));
      const definition = callKeyword(call, 'definition') ?? call.args[2];
      const literal = definition?.kind === 'string' && definition.string.analysable;
      if (view)
        out.push({
          key: view.key,
          name: view.name,
          materialized: view.materialized,
          orReplace: op.name === 'replace_entity',
          reads: literal ? view.reads : undefined,
          columns: view.columns,
          span: view.origin.span,
        });
      continue;
    }
    for (const statement of op.sql?.statements ?? []) {
      const fact = viewDefinitionOf(statement.kind, statement.parsed.node);
      if (!fact) continue;
      const offset = fact.view.schema ? fact.view.schema.length + 1 : 0;
      out.push({
        key: qualifiedName(fact.view),
        name: fact.view.name,
        materialized: fact.materialized,
        orReplace: fact.orReplace,
        reads: fact.reads.map(qualifiedName),
        columns: fact.columns,
        span: nameSpan(statement, fact.view.location + offset, fact.view.name),
        statement,
      });
    }
  }
  return out;
}
