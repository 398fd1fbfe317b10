import type { PyNode as SyntaxNode } from '../parse/pyTree';
import { decodeStringNode } from '../parse/strings';
import type { Span } from './source';

/**
 * Code that never runs on PostgreSQL: the branch of a test of the database dialect that another
 * dialect takes (`if bind.engine.name == "mysql":`, `elif str(bind.url).startswith("sqlite"):`,
 * the `else` of `if is_postgres():`), and what follows `if dialect == "postgresql": return`.
 *
 * The test is evaluated, not matched against spellings: each condition is read as a value on a
 * PostgreSQL connection (the dialect name is "postgresql", the URL starts with "postgresql",
 * a backend name is "postgresql"), through comparisons, `in`, `startswith`, `not`/`and`/`or`,
 * variables and module-level flags assigned such values, and helper functions of the file whose
 * body returns such a test. Whatever cannot be evaluated (an imported helper, a setting) is
 * unknown, and both of its branches stay analysed.
 */

type Value =
  { kind: 'bool'; value: boolean } | { kind: 'str'; value: string } | { kind: 'strs'; value: string[] } | undefined;

/** What a PostgreSQL connection answers. */
const POSTGRES_NAME = 'postgresql';
const POSTGRES_URL = 'postgresql://';
const POSTGRES_DRIVER = 'postgresql+psycopg2';
const MAX_DEPTH = 8;

/** Where an expression is read: its function (for local variables) and its offset. */
interface Where {
  fn?: SyntaxNode;
  before: number;
}

/** An `if` statement with what encloses it (the syntax copy has no parent links). */
export interface PlacedStatement {
  node: SyntaxNode;
  /** The block or module holding the statement. */
  parent?: SyntaxNode;
  /** The innermost function definition around it. */
  fn?: SyntaxNode;
}

export interface GuardScope {
  /** Module-level functions by name. */
  functions: ReadonlyMap<string, SyntaxNode>;
  /** Module-level `name = value` assignments: the right-hand side. */
  assignments: ReadonlyMap<string, SyntaxNode>;
  /** A name imported from another module (the application's helpers and flags), when it can be read. */
  resolveImport?: (name: string) => { module: GuardModule; name: string } | undefined;
}

/** Another module's functions and assignments, with its source. */
export interface GuardModule extends GuardScope {
  source: string;
}

/** The spans of `ifStatements`' branches (and of the code after them) that PostgreSQL never runs, in source order. */
export function nonPostgresSpans(ifStatements: readonly PlacedStatement[], scope: GuardScope, source: string): Span[] {
  const evaluator = new GuardEvaluator(scope, source);
  const spans: Span[] = [];
  for (const placed of ifStatements) {
    const statement = placed.node;
    const where: Where = { fn: placed.fn, before: statement.startIndex };
    const clauses = [
      { condition: statement.childForFieldName('condition'), body: statement.childForFieldName('consequence') },
      ...statement.childrenForFieldName('alternative').map((clause) => ({
        condition: clause.type === 'elif_clause' ? clause.childForFieldName('condition') : null,
        body:
          clause.type === 'elif_clause' ? clause.childForFieldName('consequence') : clause.childForFieldName('body'),
        clause,
      })),
    ];
    let reachable = true;
    let exitsOnPostgres = false;
    for (const [i, { condition, body }] of clauses.entries()) {
      const clause = i === 0 ? undefined : (clauses[i] as { clause?: SyntaxNode }).clause;
      if (!reachable) {
        const node = clause ?? body;
        if (node) spans.push({ start: node.startIndex, end: node.endIndex });
        continue;
      }
      if (!condition) continue; // else: reachable, runs
      const value = truth(evaluator.evaluate(condition, where, 0));
      if (value === false && body) spans.push({ start: body.startIndex, end: body.endIndex });
      if (value === true) {
        reachable = false;
        if (body && alwaysLeaves(body) && clauses.length === 1) exitsOnPostgres = true;
      }
    }
    // `if dialect == "postgresql": return` — the rest of the block is for the other databases.
    if (exitsOnPostgres) {
      const block = placed.parent;
      if (block && (block.type === 'block' || block.type === 'module'))
        spans.push({ start: statement.endIndex, end: block.endIndex });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** Is `at` inside one of `spans` (sorted by start)? */
export function insideAny(spans: readonly Span[], at: Span): boolean {
  for (const span of spans) {
    if (span.start > at.start) return false;
    if (at.end <= span.end) return true;
  }
  return false;
}

function truth(value: Value): boolean | undefined {
  return value?.kind === 'bool' ? value.value : undefined;
}

function alwaysLeaves(block: SyntaxNode): boolean {
  const last = block.namedChildren.filter((n) => n.type !== 'comment').pop();
  return last?.type === 'return_statement' || last?.type === 'raise_statement';
}

class GuardEvaluator {
  constructor(
    private readonly scope: GuardScope,
    private readonly source: string,
  ) {}

  evaluate(node: SyntaxNode, at: Where, depth: number): Value {
    if (depth > MAX_DEPTH) return undefined;
    const next = depth + 1;
    switch (node.type) {
      case 'parenthesized_expression': {
        const inner = node.namedChildren.find((n) => n.type !== 'comment');
        return inner ? this.evaluate(inner, at, next) : undefined;
      }
      case 'true':
        return { kind: 'bool', value: true };
      case 'false':
        return { kind: 'bool', value: false };
      case 'string': {
        const decoded = decodeStringNode(node, this.source);
        return decoded?.analysable ? { kind: 'str', value: decoded.value } : undefined;
      }
      case 'tuple':
      case 'list':
      case 'set': {
        const items = node.namedChildren.filter((n) => n.type !== 'comment').map((n) => this.evaluate(n, at, next));
        return items.every((i) => i?.kind === 'str')
          ? { kind: 'strs', value: items.map((i) => (i as { value: string }).value) }
          : undefined;
      }
      case 'not_operator': {
        const argument = node.childForFieldName('argument');
        const value = argument ? truth(this.evaluate(argument, at, next)) : undefined;
        return value === undefined ? undefined : { kind: 'bool', value: !value };
      }
      case 'boolean_operator':
        return this.booleanOperator(node, at, next);
      case 'comparison_operator':
        return this.comparison(node, at, next);
      case 'attribute':
        return this.attribute(node, at, next);
      case 'call':
        return this.call(node, at, next);
      case 'identifier':
        return this.variable(node.text, at, next);
      default:
        return undefined;
    }
  }

  private booleanOperator(node: SyntaxNode, at: Where, depth: number): Value {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return undefined;
    const operator = this.source.slice(left.endIndex, right.startIndex).replace(/[()\s\\]/g, '');
    const a = truth(this.evaluate(left, at, depth));
    const b = truth(this.evaluate(right, at, depth));
    if (operator === 'and') {
      if (a === false || b === false) return { kind: 'bool', value: false };
      return a === true && b === true ? { kind: 'bool', value: true } : undefined;
    }
    if (operator === 'or') {
      if (a === true || b === true) return { kind: 'bool', value: true };
      return a === false && b === false ? { kind: 'bool', value: false } : undefined;
    }
    return undefined;
  }

  private comparison(node: SyntaxNode, at: Where, depth: number): Value {
    const operands = node.namedChildren.filter((n) => n.type !== 'comment');
    if (operands.length !== 2) return undefined;
    const [left, right] = operands;
    const operator = this.source
      .slice(left.endIndex, right.startIndex)
      .replace(/[()\\]/g, ' ')
      .trim()
      .replace(/\s+/g, ' ');
    const a = this.evaluate(left, at, depth);
    const b = this.evaluate(right, at, depth);
    if (!a || !b) return undefined;
    const bool = (value: boolean): Value => ({ kind: 'bool', value });
    const same = (x: NonNullable<Value>, y: NonNullable<Value>): boolean | undefined =>
      x.kind === 'str' && y.kind === 'str'
        ? x.value === y.value
        : x.kind === 'bool' && y.kind === 'bool'
          ? x.value === y.value
          : undefined;
    switch (operator) {
      case '==':
      case 'is': {
        const equal = same(a, b);
        return equal === undefined ? undefined : bool(equal);
      }
      case '!=':
      case 'is not': {
        const equal = same(a, b);
        return equal === undefined ? undefined : bool(!equal);
      }
      case 'in':
      case 'not in': {
        let found: boolean | undefined;
        if (a.kind === 'str' && b.kind === 'strs') found = b.value.includes(a.value);
        else if (a.kind === 'str' && b.kind === 'str') found = b.value.includes(a.value);
        return found === undefined ? undefined : bool(operator === 'in' ? found : !found);
      }
      default:
        return undefined;
    }
  }

  /** `bind.engine.name`, `op.get_bind().dialect.name`, `bind.url`, `engine.url.drivername`. */
  private attribute(node: SyntaxNode, at: Where, depth: number): Value {
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute')?.text;
    if (!object || !attribute) return undefined;
    const owner = lastSegment(object);
    if (attribute === 'name' && (owner === 'dialect' || owner === 'engine' || /_?(dialect|engine)$/.test(owner)))
      return { kind: 'str', value: POSTGRES_NAME };
    if (attribute === 'url' && /(bind|engine|conn|connection)$/.test(owner))
      return { kind: 'str', value: POSTGRES_URL };
    if (attribute === 'drivername' && owner === 'url') return { kind: 'str', value: POSTGRES_DRIVER };
    // A module-level flag read through its module is unknown; a local one is handled by `variable`.
    void at;
    void depth;
    return undefined;
  }

  private call(node: SyntaxNode, at: Where, depth: number): Value {
    const fn = node.childForFieldName('function');
    const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((n) => n.type !== 'comment');
    if (!fn) return undefined;
    if (fn.type === 'identifier') {
      if (fn.text === 'str' && args.length === 1) return this.evaluate(args[0], at, depth);
      const helper = this.scope.functions.get(fn.text);
      if (helper) return this.helperResult(helper, depth);
      const imported = this.scope.resolveImport?.(fn.text);
      const foreign = imported?.module.functions.get(imported.name);
      return imported && foreign
        ? new GuardEvaluator(imported.module, imported.module.source).helperResult(foreign, depth)
        : undefined;
    }
    if (fn.type !== 'attribute') return undefined;
    const method = fn.childForFieldName('attribute')?.text;
    const object = fn.childForFieldName('object');
    if (!object || !method) return undefined;
    if (method === 'get_backend_name') return { kind: 'str', value: POSTGRES_NAME };
    if (method === 'get_main_option' && args[0] && /sqlalchemy\.url/.test(args[0].text))
      return { kind: 'str', value: POSTGRES_URL };
    const receiver = this.evaluate(object, at, depth);
    if (receiver?.kind !== 'str') return undefined;
    if (method === 'lower' || method === 'strip') return receiver;
    if ((method === 'startswith' || method === 'endswith') && args.length === 1) {
      const prefix = this.evaluate(args[0], at, depth);
      const test = (p: string): boolean =>
        method === 'startswith' ? receiver.value.startsWith(p) : receiver.value.endsWith(p);
      if (prefix?.kind === 'str') return { kind: 'bool', value: test(prefix.value) };
      if (prefix?.kind === 'strs') return { kind: 'bool', value: prefix.value.some(test) };
    }
    return undefined;
  }

  /** `def is_sqlite(): return op.get_bind().dialect.name == "sqlite"` (locals assigned before the return allowed). */
  helperResult(helper: SyntaxNode, depth: number): Value {
    const body = (helper.childForFieldName('body')?.namedChildren ?? []).filter(
      (n) => n.type !== 'comment' && !(n.type === 'expression_statement' && n.namedChild(0)?.type === 'string'),
    );
    const last = body[body.length - 1];
    if (last?.type !== 'return_statement') return undefined;
    const returnsBefore = body.slice(0, -1).some((n) => n.descendantsOfType('return_statement').length > 0);
    if (returnsBefore) return undefined;
    const value = last.namedChild(0);
    return value ? this.evaluate(value, { fn: helper, before: last.startIndex }, depth) : undefined;
  }

  /** A local assigned before `at` in its function, else a module-level assignment. */
  private variable(name: string, at: Where, depth: number): Value {
    const fn = at.fn;
    if (fn) {
      let found: SyntaxNode | undefined;
      for (const assignment of fn.descendantsOfType('assignment')) {
        if (assignment.startIndex >= at.before) break;
        const left = assignment.childForFieldName('left');
        if (left?.type === 'identifier' && left.text === name)
          found = assignment.childForFieldName('right') ?? undefined;
      }
      if (found) return this.evaluate(found, { fn, before: found.startIndex }, depth);
      const parameters = fn.childForFieldName('parameters')?.namedChildren ?? [];
      if (parameters.some((p) => p.text === name || p.childForFieldName('name')?.text === name)) return undefined;
    }
    const moduleValue = this.scope.assignments.get(name);
    if (moduleValue) return this.evaluate(moduleValue, { before: moduleValue.startIndex }, depth);
    const imported = this.scope.resolveImport?.(name);
    const flag = imported?.module.assignments.get(imported.name);
    return imported && flag
      ? new GuardEvaluator(imported.module, imported.module.source).evaluate(flag, { before: flag.startIndex }, depth)
      : undefined;
  }
}

function lastSegment(node: SyntaxNode): string {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text ?? '';
  // `op.get_bind()` is a connection; `context.get_context()` / `op.get_context()` a migration context.
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    const method = fn ? lastSegment(fn) : '';
    if (method === 'get_bind' || method === 'connect') return 'bind';
    if (method === 'get_context') return 'context';
    if (method === 'create_engine' || method === 'engine_from_config') return 'engine';
    return method;
  }
  return '';
}
