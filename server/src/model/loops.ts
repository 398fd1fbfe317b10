import type { PyNode as SyntaxNode } from '../parse/pyTree';
import type { StringValue } from '../parse/strings';
import type { PyCall, PyKeyword, PyValue } from './migration';
import type { PlacedNode } from './scan';
import type { Span } from './source';

/**
 * Loops over literal names, `for table in ("invoice", "payment"): op.add_column(table, …)`: the
 * operations in their body are unrolled, one per value, with the loop variable replaced by the
 * value (also inside simple f-strings, `f"ix_{table}_owner"`), so that rules see the tables and
 * columns by name (exemptions match them, messages name them).
 */

/** The loop variables' values of one iteration. */
export type LoopBinding = Readonly<Record<string, string>>;

export interface LiteralLoop {
  /** The loop's body: only calls inside it are unrolled. */
  body: Span;
  iterations: LoopBinding[];
}

/** More would make a model of a generated file explode; such loops stay as written. */
const MAX_ITERATIONS = 64;

/** Resolves a name used as the iterable: a local assigned before `before` in `fn`, else a module-level one. */
export type NameResolver = (name: string, fn: SyntaxNode | undefined, before: number) => PyValue | undefined;

export function literalLoops(
  forStatements: readonly PlacedNode[],
  toValue: (node: SyntaxNode) => PyValue,
  resolve: NameResolver,
): LiteralLoop[] {
  const loops: LiteralLoop[] = [];
  for (const { node, fn } of forStatements) {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const body = node.childForFieldName('body');
    if (!left || !right || !body || node.childForFieldName('alternative')) continue;
    const variables =
      left.type === 'identifier'
        ? [left.text]
        : left.type === 'pattern_list' || left.type === 'tuple_pattern'
          ? left.namedChildren.map((n) => (n.type === 'identifier' ? n.text : ''))
          : [];
    if (variables.length === 0 || variables.includes('')) continue;
    const items = literalItems(toValue(right), (name) => resolve(name, fn, node.startIndex), 0);
    if (!items || items.length === 0 || items.length > MAX_ITERATIONS) continue;
    const iterations: LoopBinding[] = [];
    for (const item of items) {
      if (item.length !== variables.length) break;
      iterations.push(Object.fromEntries(variables.map((v, i) => [v, item[i]])));
    }
    if (iterations.length === items.length)
      loops.push({ body: { start: body.startIndex, end: body.endIndex }, iterations });
  }
  return loops;
}

/**
 * The iterations of every literal loop around `at`, combined (outer loop first), with the start
 * of the outermost loop's body (the ops of one loop run iteration by iteration); undefined when none.
 */
export function iterationsAt(
  loops: readonly LiteralLoop[],
  at: Span,
): { iterations: LoopBinding[]; outermost: number } | undefined {
  let combined: LoopBinding[] | undefined;
  let outermost = Infinity;
  // `loops` are in source order: an outer loop comes before the loops inside it.
  for (const loop of loops) {
    if (!(loop.body.start <= at.start && at.end <= loop.body.end)) continue;
    outermost = Math.min(outermost, loop.body.start);
    combined = combined
      ? combined.flatMap((outer) => loop.iterations.map((inner) => ({ ...outer, ...inner })))
      : loop.iterations;
    if (combined.length > MAX_ITERATIONS) return undefined;
  }
  return combined ? { iterations: combined, outermost } : undefined;
}

/**
 * Puts the unrolled ops of each loop in the order they run: iteration by iteration, each in
 * source order (they were collected call by call). `order` gives each unrolled op its loop (the
 * outermost body's start) and iteration; other ops keep their place.
 */
export function runOrder<T>(ops: T[], order: ReadonlyMap<T, { loop: number; iteration: number }>): T[] {
  const out: T[] = [];
  for (let i = 0; i < ops.length;) {
    const first = order.get(ops[i]);
    if (!first) {
      out.push(ops[i++]);
      continue;
    }
    let j = i;
    while (j < ops.length && order.get(ops[j])?.loop === first.loop) j++;
    const run = ops
      .slice(i, j)
      .map((op, k) => ({ op, k, iteration: (order.get(op) as { iteration: number }).iteration }));
    run.sort((a, b) => a.iteration - b.iteration || a.k - b.k);
    out.push(...run.map((r) => r.op));
    i = j;
  }
  return out;
}

/** `("a", "b")`, `[("t", "c"), …]`, a name bound to one, `reversed(…)`/`sorted(…)`/`list(…)`/`tuple(…)` of one. */
function literalItems(
  value: PyValue,
  resolve: (name: string) => PyValue | undefined,
  depth: number,
): string[][] | undefined {
  if (depth > 4) return undefined;
  switch (value.kind) {
    case 'sequence': {
      const items: string[][] = [];
      for (const item of value.items) {
        if (item.kind === 'string' && item.string.analysable) items.push([item.value]);
        else if (item.kind === 'sequence' && item.items.every((i) => i.kind === 'string' && i.string.analysable))
          items.push(item.items.map((i) => (i as { value: string }).value));
        else return undefined;
      }
      return items;
    }
    case 'name': {
      const bound = value.name.includes('.') ? undefined : resolve(value.name);
      return bound ? literalItems(bound, resolve, depth + 1) : undefined;
    }
    case 'call': {
      const { call } = value;
      if (call.args.length !== 1 || call.keywords.length > 0 || call.receiver !== '') return undefined;
      const inner = literalItems(call.args[0], resolve, depth + 1);
      if (!inner) return undefined;
      if (call.method === 'reversed') return [...inner].reverse();
      if (call.method === 'sorted') return [...inner].sort((a, b) => (a.join('\0') < b.join('\0') ? -1 : 1));
      return call.method === 'list' || call.method === 'tuple' ? inner : undefined;
    }
    default:
      return undefined;
  }
}

/** The call as one iteration runs it: loop variables replaced by their values. */
export function bindCall(call: PyCall, binding: LoopBinding): PyCall {
  return {
    ...call,
    args: call.args.map((a) => bindValue(a, binding)),
    keywords: call.keywords.map((k): PyKeyword => ({ ...k, value: bindValue(k.value, binding) })),
    receiverCall: call.receiverCall ? bindCall(call.receiverCall, binding) : undefined,
  };
}

function bindValue(value: PyValue, binding: LoopBinding): PyValue {
  switch (value.kind) {
    case 'name':
      return value.name in binding ? literal(binding[value.name], value.span) : value;
    case 'string': {
      if (value.string.analysable) return value;
      const filled = fillFString(value.text, binding);
      return filled === undefined ? value : literal(filled, value.span);
    }
    case 'call': {
      const call = bindCall(value.call, binding);
      return { ...value, call };
    }
    case 'sequence':
      return { ...value, items: value.items.map((i) => bindValue(i, binding)) };
    case 'dict':
      return {
        ...value,
        entries: value.entries.map((e) => ({ key: bindValue(e.key, binding), value: bindValue(e.value, binding) })),
      };
    default:
      return value;
  }
}

/** `f"ix_{table}_owner"` with every `{…}` a bound variable → its text; anything else → undefined. */
function fillFString(text: string, binding: LoopBinding): string | undefined {
  const match = /^[fF]([rR]?)("|')([^"'\\]*)\2$/.exec(text) ?? /^[rR][fF]()("|')([^"'\\]*)\2$/.exec(text);
  if (!match) return undefined;
  let unbound = false;
  const filled = match[3].replace(/\{([^{}]*)\}/g, (_all, name: string) => {
    if (!(name in binding)) unbound = true;
    return binding[name] ?? '';
  });
  return unbound || /[{}]/.test(filled) ? undefined : filled;
}

/** A string value standing where the variable was written: every character maps to the variable's start. */
function literal(value: string, span: Span): PyValue {
  const string: StringValue = {
    value,
    offsets: Array.from({ length: value.length + 1 }, (_, i) => (i < value.length ? span.start : span.end)),
    analysable: true,
    isBytes: false,
  };
  return { kind: 'string', span, text: JSON.stringify(value), value, string };
}
