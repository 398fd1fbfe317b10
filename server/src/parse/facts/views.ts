import type { SqlNode } from '../sql';
import { nameParts, relationOf, walkSql, type RelationRef } from '../sqlFacts';

/**
 * Facts about views from libpg-query trees: what a view definition reads, which columns it
 * outputs, and the constructs that make a view more than a read-only projection (CHECK OPTION,
 * rules, INSTEAD OF triggers).
 */

export interface ViewDefinitionFact {
  view: RelationRef;
  materialized: boolean;
  orReplace: boolean;
  /** Relations the query reads (FROM, JOIN, subqueries, CTE bodies), CTE names excluded, first occurrence each. */
  reads: RelationRef[];
  /** Output column names in order; undefined when the query selects `*` (not knowable statically). */
  columns?: string[];
  checkOption?: 'LOCAL' | 'CASCADED';
}

const viewFacts = new WeakMap<SqlNode, ViewDefinitionFact | null>();

/** CREATE [OR REPLACE] VIEW and CREATE MATERIALIZED VIEW. Memoized per tree: several rules ask. */
export function viewDefinitionOf(kind: string, node: SqlNode): ViewDefinitionFact | undefined {
  if (kind !== 'ViewStmt' && kind !== 'CreateTableAsStmt') return undefined;
  let fact = viewFacts.get(node);
  if (fact === undefined) {
    fact = computeViewDefinition(kind, node) ?? null;
    viewFacts.set(node, fact);
  }
  return fact ?? undefined;
}

function computeViewDefinition(kind: string, node: SqlNode): ViewDefinitionFact | undefined {
  if (kind === 'ViewStmt') {
    const view = relationOf(node.view);
    if (!view) return undefined;
    const option = String(node.withCheckOption ?? 'NO_CHECK_OPTION');
    const checkFromOptions = checkOptionInOptions(node.options);
    return {
      view,
      materialized: false,
      orReplace: node.replace === true,
      reads: relationsRead(node.query),
      columns: outputColumns(node.query, nameParts(node.aliases)),
      checkOption: option.startsWith('LOCAL') ? 'LOCAL' : option.startsWith('CASCADED') ? 'CASCADED' : checkFromOptions,
    };
  }
  if (kind === 'CreateTableAsStmt' && node.objtype === 'OBJECT_MATVIEW') {
    const into = node.into as { rel?: unknown; colNames?: unknown } | undefined;
    const view = relationOf(into?.rel);
    if (!view) return undefined;
    return {
      view,
      materialized: true,
      orReplace: false,
      reads: relationsRead(node.query),
      columns: outputColumns(node.query, nameParts(into?.colNames)),
    };
  }
  return undefined;
}

/** A bare SELECT (alembic_utils' PGView definition): what it reads and outputs. */
export function selectFacts(kind: string, node: SqlNode): { reads: RelationRef[]; columns?: string[] } | undefined {
  if (kind !== 'SelectStmt') return undefined;
  const query = { SelectStmt: node };
  return { reads: relationsRead(query), columns: outputColumns(query, []) };
}

/** `WITH (check_option = local)` as a view option, or `ALTER VIEW … SET (check_option = …)`. */
function checkOptionInOptions(options: unknown): 'LOCAL' | 'CASCADED' | undefined {
  let found: 'LOCAL' | 'CASCADED' | undefined;
  walkSql(options, (type, value) => {
    if (type !== 'DefElem' || value.defname !== 'check_option') return;
    let text = '';
    walkSql({ arg: value.arg }, (t, v) => {
      if (t === 'String' && typeof v.sval === 'string') text ||= v.sval;
      if (t === 'TypeName') text ||= nameParts(v.names).join('.');
    });
    found = text.toLowerCase() === 'cascaded' ? 'CASCADED' : 'LOCAL';
  });
  return found;
}

export interface CheckOptionFact {
  view: RelationRef;
  option: 'LOCAL' | 'CASCADED';
  location: number;
}

/** `ALTER VIEW v SET (check_option = …)` (parsed as an AlterTableStmt on a view). */
export function alterViewCheckOptionOf(kind: string, node: SqlNode): CheckOptionFact | undefined {
  if (kind !== 'AlterTableStmt' || node.objtype !== 'OBJECT_VIEW') return undefined;
  const view = relationOf(node.relation);
  const option = checkOptionInOptions(node.cmds);
  return view && option ? { view, option, location: view.location } : undefined;
}

/** Relations read by a query tree, excluding the names its CTEs define, in source order. */
export function relationsRead(query: unknown): RelationRef[] {
  const cteNames = new Set<string>();
  walkSql({ root: query }, (type, value) => {
    if (type === 'CommonTableExpr' && typeof value.ctename === 'string') cteNames.add(value.ctename);
  });
  const seen = new Set<string>();
  const out: RelationRef[] = [];
  walkSql({ root: query }, (type, value) => {
    if (type !== 'RangeVar') return;
    const relation = relationOf(value);
    if (!relation) return;
    if (!relation.schema && cteNames.has(relation.name)) return;
    const key = qualifiedName(relation);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(relation);
  });
  // In the order they are written, not the order of the tree's fields (a WITH clause comes last there).
  return out.sort((x, y) => x.location - y.location);
}

/** `schema.name`, or `name` for the default schema. */
export function qualifiedName(relation: { name: string; schema?: string }): string {
  return relation.schema && relation.schema !== 'public' ? `${relation.schema}.${relation.name}` : relation.name;
}

/**
 * The names Postgres gives a SELECT's output columns: the alias, else the column's own name,
 * else the function's name, else `?column?`. Explicit view column aliases win.
 */
export function outputColumns(query: unknown, aliases: string[]): string[] | undefined {
  let select = (query as { SelectStmt?: SqlNode } | undefined)?.SelectStmt;
  // UNION / INTERSECT / EXCEPT take their names from the left-most branch.
  while (select && select.op && select.op !== 'SETOP_NONE') select = select.larg as SqlNode | undefined;
  const targets = (select?.targetList as unknown[] | undefined) ?? [];
  if (!select || (targets.length === 0 && !select.valuesLists)) return aliases.length ? aliases : undefined;
  const names: string[] = [];
  for (const item of targets) {
    const target = (item as { ResTarget?: SqlNode }).ResTarget;
    if (!target) return undefined;
    if (typeof target.name === 'string') {
      names.push(target.name);
      continue;
    }
    const name = implicitName(target.val);
    if (name === undefined) return undefined; // `*` or `t.*`
    names.push(name);
  }
  return names.map((n, i) => aliases[i] ?? n);
}

function implicitName(value: unknown): string | undefined {
  const node = value as Record<string, SqlNode> | undefined;
  if (!node) return '?column?';
  if (node.ColumnRef) {
    const fields = (node.ColumnRef.fields as unknown[]) ?? [];
    const last = fields[fields.length - 1] as { String?: { sval?: string }; A_Star?: unknown } | undefined;
    if (!last || last.A_Star) return undefined;
    return last.String?.sval ?? '?column?';
  }
  if (node.FuncCall) {
    const parts = nameParts(node.FuncCall.funcname);
    return parts[parts.length - 1] ?? '?column?';
  }
  if (node.TypeCast) {
    const inner = implicitName(node.TypeCast.arg);
    if (inner !== '?column?') return inner;
    const typeParts = nameParts((node.TypeCast.typeName as SqlNode | undefined)?.names);
    return typeParts[typeParts.length - 1] ?? '?column?';
  }
  if (node.CoalesceExpr) return 'coalesce';
  if (node.CaseExpr) return 'case';
  return '?column?';
}

export interface ViewRuleFact {
  relation: RelationRef;
  rule: string;
  event: string;
  instead: boolean;
  location: number;
}

/** CREATE RULE … ON <event> TO <relation>. Whether the relation is a view needs the schema. */
export function ruleOf(kind: string, node: SqlNode): ViewRuleFact | undefined {
  if (kind !== 'RuleStmt') return undefined;
  const relation = relationOf(node.relation);
  if (!relation) return undefined;
  return {
    relation,
    rule: String(node.rulename ?? ''),
    event: String(node.event ?? '').replace(/^CMD_/, ''),
    instead: node.instead === true,
    location: relation.location,
  };
}

/** Postgres' TRIGGER_TYPE_INSTEAD bit in CreateTrigStmt.timing. */
const TRIGGER_TYPE_INSTEAD = 64;

/** CREATE TRIGGER … INSTEAD OF … ON <relation>: only views can have these. */
export function insteadOfTriggerOf(
  kind: string,
  node: SqlNode,
): { relation: RelationRef; trigger: string } | undefined {
  if (kind !== 'CreateTrigStmt') return undefined;
  const timing = typeof node.timing === 'number' ? node.timing : 0;
  if ((timing & TRIGGER_TYPE_INSTEAD) === 0) return undefined;
  const relation = relationOf(node.relation);
  return relation ? { relation, trigger: String(node.trigname ?? '') } : undefined;
}
