import type { PyNode as SyntaxNode } from '../parse/pyTree';
import type { PlacedStatement } from './dialectGuards';
import type { Span } from './source';

/**
 * Code that runs only after the revision has looked at the database's catalogue: an `if` whose
 * test reads it (`if "ix_t_a" in [i["name"] for i in insp.get_indexes("t")]:`, `if not
 * insp.has_table("t"):`, a query of `pg_indexes` / `information_schema`, or a variable assigned
 * from one of these), and a `for` over what the catalogue lists. Such code checks that the object
 * is (or is not) there before creating or dropping it, so it is re-runnable as it stands.
 */

/** SQLAlchemy Inspector methods (and the connection's / dialect's `has_*`) that read the catalogue. */
const CATALOGUE_METHODS = new Set([
  'get_indexes',
  'get_table_names',
  'get_view_names',
  'get_materialized_view_names',
  'get_sequence_names',
  'get_schema_names',
  'get_columns',
  'get_unique_constraints',
  'get_foreign_keys',
  'get_check_constraints',
  'get_pk_constraint',
  'get_enums',
  'has_table',
  'has_index',
  'has_sequence',
  'has_schema',
]);

/** Catalogue relations a query may read to test that an object exists. */
const CATALOGUE_SQL =
  /\b(pg_indexes|pg_class|pg_index|pg_constraint|pg_tables|pg_views|pg_matviews|pg_type|pg_enum|pg_extension|pg_namespace|pg_attribute|information_schema|to_regclass)\b/i;

const MAX_DEPTH = 4;

/** The revision's module-level functions and `name = value` assignments, by name. */
export interface ModuleScope {
  functions: ReadonlyMap<string, SyntaxNode>;
  assignments: ReadonlyMap<string, SyntaxNode>;
}

/**
 * The spans of `if` statements whose test reads the catalogue (all their branches) and of `for`
 * loops over it, sorted by start.
 */
export function catalogueGuardedSpans(
  ifStatements: readonly PlacedStatement[],
  forStatements: readonly PlacedStatement[],
  module: ModuleScope,
): Span[] {
  const spans: Span[] = [];
  const reads = (node: SyntaxNode | null, placed: PlacedStatement): boolean =>
    !!node && readsCatalogue(node, placed.fn, placed.node.startIndex, module, 0);
  for (const placed of ifStatements) {
    const conditions = [
      placed.node.childForFieldName('condition'),
      ...placed.node
        .childrenForFieldName('alternative')
        .map((clause) => (clause.type === 'elif_clause' ? clause.childForFieldName('condition') : null)),
    ];
    if (conditions.some((condition) => reads(condition, placed)))
      spans.push({ start: placed.node.startIndex, end: placed.node.endIndex });
  }
  for (const placed of forStatements) {
    if (reads(placed.node.childForFieldName('right'), placed))
      spans.push({ start: placed.node.startIndex, end: placed.node.endIndex });
  }
  return spans.sort((a, b) => a.start - b.start);
}

function readsCatalogue(
  node: SyntaxNode,
  fn: SyntaxNode | undefined,
  before: number,
  module: ModuleScope,
  depth: number,
): boolean {
  if (depth > MAX_DEPTH) return false;
  for (const call of node.descendantsOfType('call')) {
    const callee = call.childForFieldName('function');
    const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
    if (method && CATALOGUE_METHODS.has(method)) return true;
    // A helper of the revision that reads it (`present = _index_names("t")`).
    const helper = callee?.type === 'identifier' ? module.functions.get(callee.text) : undefined;
    const body = helper?.childForFieldName('body');
    if (helper && body && readsCatalogue(body, helper, body.endIndex, module, depth + 1)) return true;
  }
  if (node.descendantsOfType('string').some((text) => CATALOGUE_SQL.test(text.text))) return true;
  // A name assigned from such a read earlier in the function (or at module level).
  const names = new Set(node.descendantsOfType('identifier').map((n) => n.text));
  for (const name of names) {
    const value = (fn ? lastAssignment(fn, name, before) : undefined) ?? module.assignments.get(name);
    if (value && value !== node && readsCatalogue(value, fn, value.startIndex, module, depth + 1)) return true;
  }
  return false;
}

/** The right-hand side of the last `name = …` in `fn` before `before`. */
function lastAssignment(fn: SyntaxNode, name: string, before: number): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  for (const assignment of fn.descendantsOfType('assignment')) {
    if (assignment.startIndex >= before) continue;
    const left = assignment.childForFieldName('left');
    if (left?.type === 'identifier' && left.text === name) found = assignment.childForFieldName('right') ?? undefined;
  }
  return found;
}
