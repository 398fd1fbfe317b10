import { selectFacts, qualifiedName } from '../../parse/facts/views';
import { libpgQueryAnalyzer } from '../../parse/sql';
import { parseSqlString } from '../sqlBlocks';
import type { MigrationModel, Operation, PyCall } from '../migration';
import { callKeyword, stringValue } from '../migration';
import type { Origin, ViewModel } from './model';
import type { Span } from '../source';

const VIEW_ENTITIES = new Set(['PGView', 'PGMaterializedView']);

/** The alembic_utils view an `op.create_entity / replace_entity / drop_entity(PGView(...))` names. */
export function entityViewCall(op: Operation, migration: MigrationModel): PyCall | undefined {
  const arg = op.args.sqltext ?? op.call.args[0] ?? callKeyword(op.call, 'target');
  if (arg?.kind === 'call' && VIEW_ENTITIES.has(arg.call.method)) return arg.call;
  if (arg?.kind === 'name') {
    // `report_view = PGView(...)` at module level, then `op.create_entity(report_view)`.
    return migration.calls.find(
      (c) => VIEW_ENTITIES.has(c.method) && precedingAssignmentName(migration.source, c.span.start) === arg.name,
    );
  }
  return undefined;
}

function precedingAssignmentName(source: string, at: number): string | undefined {
  const lineStart = source.lastIndexOf('\n', at - 1) + 1;
  return /^\s*([A-Za-z_]\w*)\s*=\s*$/.exec(source.slice(lineStart, at))?.[1];
}

export function viewFromEntity(
  op: Operation,
  migration: MigrationModel,
  origin: (span: Span) => Origin,
): ViewModel | undefined {
  const call = entityViewCall(op, migration);
  if (!call) return undefined;
  const signatureValue = callKeyword(call, 'signature') ?? call.args[1];
  const signature = stringValue(signatureValue);
  if (!signature) return undefined;
  const schema = stringValue(callKeyword(call, 'schema') ?? call.args[0]);
  const name = signature.replace(/\(.*$/, '').trim();
  const definition = callKeyword(call, 'definition') ?? call.args[2];
  let reads: string[] = [];
  let columns: string[] | undefined;
  if (definition?.kind === 'string' && definition.string.analysable) {
    const block = parseSqlString(definition.string, definition.span, migration.lines, libpgQueryAnalyzer);
    const first = block.statements[0];
    const facts = first ? selectFacts(first.parsed.kind, first.parsed.node) : undefined;
    if (facts) {
      reads = facts.reads.map(qualifiedName);
      columns = facts.columns;
    }
  }
  return {
    key: qualifiedName({ name, schema }),
    name,
    materialized: call.method === 'PGMaterializedView',
    reads,
    columns,
    origin: origin(signatureValue?.span ?? call.span),
  };
}
