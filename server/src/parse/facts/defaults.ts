import { libpgQueryAnalyzer } from '../sql';
import type { SqlNode } from '../sql';
import {
  constantString,
  expressionFacts,
  nameParts,
  relationOf,
  typeOf,
  type ExpressionFacts,
  type RelationRef,
  type SqlTypeFact,
} from '../sqlFacts';

/**
 * Facts about column DEFAULT expressions in SQL, beyond sqlFacts' flat lists: the shape of a time
 * default (is the whole expression `now()`, or `timezone(zone, now())`?) and where the DEFAULT
 * keyword stands, so that rules can tell `now()` from `now() + interval '1 day'`.
 */

/** Functions that read the current time (Postgres' SQLValueFunctions as upper-case op names). */
export const NOW_FUNCTIONS = new Set(['now', 'transaction_timestamp', 'statement_timestamp', 'clock_timestamp']);
export const NOW_VALUE_FUNCTIONS = new Set([
  'CURRENT_TIMESTAMP',
  'CURRENT_TIMESTAMP_N',
  'LOCALTIMESTAMP',
  'LOCALTIMESTAMP_N',
]);
/** These yield a timestamp WITHOUT time zone in the session's zone. */
export const LOCAL_VALUE_FUNCTIONS = new Set(['LOCALTIMESTAMP', 'LOCALTIMESTAMP_N']);

export type TimeShape =
  /** The whole default is one call reading the current time. */
  | { kind: 'now'; name: string; local: boolean; location: number }
  /** The whole default is `timezone(zone, <time>)` / `<time> AT TIME ZONE zone`. */
  | { kind: 'zoned'; zone: string | undefined; innerIsNow: boolean; location: number }
  | { kind: 'other' };

export interface DefaultExprFacts {
  facts: ExpressionFacts;
  shape: TimeShape;
}

export function defaultExprFacts(expr: unknown): DefaultExprFacts {
  return { facts: expressionFacts(expr), shape: timeShapeOf(expr) };
}

function unwrapCasts(node: unknown): unknown {
  let n = node as { TypeCast?: { arg?: unknown } } | undefined;
  while (n?.TypeCast) n = n.TypeCast.arg as typeof n;
  return n;
}

export function timeShapeOf(expr: unknown): TimeShape {
  const node = unwrapCasts(expr) as { FuncCall?: SqlNode; SQLValueFunction?: SqlNode } | undefined;
  if (node?.SQLValueFunction) {
    const name = String(node.SQLValueFunction.op ?? '').replace(/^SVFOP_/, '');
    if (NOW_VALUE_FUNCTIONS.has(name))
      return {
        kind: 'now',
        name: name.replace(/_N$/, ''),
        local: LOCAL_VALUE_FUNCTIONS.has(name),
        location: (node.SQLValueFunction.location as number | undefined) ?? -1,
      };
  }
  if (node?.FuncCall) {
    const parts = nameParts(node.FuncCall.funcname);
    const name = (parts[parts.length - 1] ?? '').toLowerCase();
    const args = (Array.isArray(node.FuncCall.args) ? node.FuncCall.args : []) as unknown[];
    const location = (node.FuncCall.location as number | undefined) ?? -1;
    if (NOW_FUNCTIONS.has(name) && args.length === 0) return { kind: 'now', name: `${name}()`, local: false, location };
    if (name === 'timezone' && args.length === 2) {
      return {
        kind: 'zoned',
        zone: constantString(args[0]),
        innerIsNow: timeShapeOf(args[1]).kind === 'now',
        location,
      };
    }
  }
  return { kind: 'other' };
}

export interface ColumnDefaultFact {
  via: 'create-table' | 'add-column' | 'set-default';
  table?: RelationRef;
  column: string;
  /** Undefined for SET DEFAULT, which does not restate the type. */
  type?: SqlTypeFact;
  default: DefaultExprFacts;
  /** Location of the DEFAULT keyword (CREATE/ADD) or of the expression (SET DEFAULT). */
  location: number;
  /** Location of the column definition (its name), -1 for SET DEFAULT. */
  columnLocation: number;
}

/** Column defaults a statement sets: CREATE TABLE, ALTER TABLE ADD COLUMN and ALTER COLUMN SET DEFAULT. */
export function columnDefaultFacts(kind: string, stmt: SqlNode): ColumnDefaultFact[] {
  const out: ColumnDefaultFact[] = [];
  const table = relationOf(stmt.relation);
  const fromColumnDef = (def: SqlNode, via: 'create-table' | 'add-column'): void => {
    for (const c of (def.constraints as unknown[]) ?? []) {
      const constraint = (c as { Constraint?: SqlNode }).Constraint;
      if (constraint?.contype !== 'CONSTR_DEFAULT') continue;
      out.push({
        via,
        table,
        column: String(def.colname ?? ''),
        type: typeOf(def.typeName),
        default: defaultExprFacts(constraint.raw_expr),
        location: (constraint.location as number | undefined) ?? -1,
        columnLocation: (def.location as number | undefined) ?? -1,
      });
    }
  };
  if (kind === 'CreateStmt') {
    for (const elt of (stmt.tableElts as unknown[]) ?? []) {
      const def = (elt as { ColumnDef?: SqlNode }).ColumnDef;
      if (def) fromColumnDef(def, 'create-table');
    }
  } else if (kind === 'AlterTableStmt') {
    for (const item of (stmt.cmds as unknown[]) ?? []) {
      const cmd = (item as { AlterTableCmd?: SqlNode }).AlterTableCmd;
      if (!cmd) continue;
      const def = (cmd.def as { ColumnDef?: SqlNode } | undefined)?.ColumnDef;
      if (cmd.subtype === 'AT_AddColumn' && def) fromColumnDef(def, 'add-column');
      else if (cmd.subtype === 'AT_ColumnDefault' && cmd.def) {
        const facts = defaultExprFacts(cmd.def);
        out.push({
          via: 'set-default',
          table,
          column: String(cmd.name ?? ''),
          default: facts,
          location: facts.facts.location,
          columnLocation: -1,
        });
      }
    }
  }
  return out;
}

export interface ParsedExpression extends DefaultExprFacts {
  /** Maps a libpg-query location inside the expression to an index in the expression's text. */
  indexOf(location: number): number;
}

const PREFIX = 'SELECT ';

/** Parses a SQL expression on its own (e.g. the text of `sa.text("now()")`); undefined when it is not one. */
export function parseSqlExpression(text: string): ParsedExpression | undefined {
  const parsed = libpgQueryAnalyzer.parse(PREFIX + text);
  const statement = parsed.statements[0];
  if (parsed.error || parsed.statements.length !== 1 || statement.kind !== 'SelectStmt') return undefined;
  const targets = statement.node.targetList as Array<{ ResTarget?: { val?: unknown; name?: string } }> | undefined;
  if (!targets || targets.length !== 1 || targets[0].ResTarget?.name || statement.node.fromClause) return undefined;
  const expr = targets[0].ResTarget?.val;
  return { ...defaultExprFacts(expr), indexOf: (location) => statement.locate(location) - PREFIX.length };
}

/** The smallest location anywhere below `node` (-1 when none): where an expression starts in the text. */
export function minLocation(node: unknown): number {
  let min = -1;
  const visit = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    const loc = (n as { location?: unknown }).location;
    if (typeof loc === 'number' && loc >= 0 && (min < 0 || loc < min)) min = loc;
    for (const v of Object.values(n as Record<string, unknown>)) visit(v);
  };
  visit(node);
  return min;
}
