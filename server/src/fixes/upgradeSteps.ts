import type { MigrationModel, Operation } from '../model/migration';
import type { Span } from '../model/source';
import { calleeText } from '../model/pyValues';
import type { SyntaxNode } from '../parse/python';

/**
 * The upgrade as a straight sequence of Alembic operations, for the "Add downgrade" fix, read
 * from the syntax tree because order and nesting matter: an operation inside `if`/`for`, reached
 * through a helper function, used inside an expression, or next to code that is not an Alembic
 * operation cannot be reversed mechanically. Those are reported as the blocker, by op and line.
 */

/** A `with` block the operation runs in: its header is copied to the downgrade. */
export interface StepBlock {
  kind: 'batch' | 'autocommit';
  header: string;
  alias?: string;
  start: number;
}

export interface Step {
  op: Operation;
  block?: StepBlock;
}

export interface Blocker {
  span: Span;
  description: string;
}

export type UpgradeSteps = { ok: true; steps: Step[] } | { ok: false; blocker: Blocker };

const LOGGING_ROOTS = /^_?(log|logger|logging|LOG|LOGGER)$/;
const COMPOUND_NAMES: Record<string, string> = {
  if_statement: 'an `if` statement',
  for_statement: 'a `for` loop',
  while_statement: 'a `while` loop',
  try_statement: 'a `try` block',
  with_statement: 'a `with` block',
  function_definition: 'a nested function',
  class_definition: 'a class',
  match_statement: 'a `match` statement',
  decorated_definition: 'a nested function',
};

export function upgradeSteps(migration: MigrationModel, upgradeNode: SyntaxNode): UpgradeSteps {
  return new StepReader(migration).read(upgradeNode);
}

class StepReader {
  private readonly ops: Operation[];
  private readonly helperOps = new Map<string, Operation>();
  private readonly steps: Step[] = [];

  constructor(private readonly migration: MigrationModel) {
    this.ops = migration.operations.filter((o) => o.section === 'upgrade');
    for (const op of this.ops)
      if (op.viaHelper && !this.helperOps.has(op.viaHelper)) this.helperOps.set(op.viaHelper, op);
  }

  read(fn: SyntaxNode): UpgradeSteps {
    const body = fn.childForFieldName('body');
    if (!body) return { ok: true, steps: [] };
    const blocker = this.readBlock(body, undefined);
    if (blocker) return { ok: false, blocker };
    const covered = new Set(this.steps.map((s) => s.op));
    const missed = this.ops.find((o) => !covered.has(o));
    if (missed)
      return {
        ok: false,
        blocker: this.opBlocker(
          missed,
          missed.viaHelper
            ? `runs inside the helper \`${missed.viaHelper}()\``
            : 'is not a plain statement of upgrade()',
        ),
      };
    return { ok: true, steps: this.steps };
  }

  private readBlock(block: SyntaxNode, context: StepBlock | undefined): Blocker | undefined {
    for (const statement of block.namedChildren) {
      if (!statement || statement.type === 'comment' || statement.type === 'pass_statement') continue;
      const blocker = this.readStatement(statement, context);
      if (blocker) return blocker;
    }
    return undefined;
  }

  private readStatement(statement: SyntaxNode, context: StepBlock | undefined): Blocker | undefined {
    const helperBlocker = this.helperCallIn(statement);
    if (helperBlocker) return helperBlocker;
    const inside = this.opsWithin(statement);
    if (statement.type === 'with_statement') {
      const block = this.withBlock(statement);
      if (block && !context) {
        const body = statement.childForFieldName('body');
        return body ? this.readBlock(body, block) : undefined;
      }
    }
    if (statement.type === 'expression_statement') {
      const expression = statement.namedChild(0);
      if (
        !expression ||
        expression.type === 'string' ||
        expression.type === 'concatenated_string' ||
        expression.type === 'ellipsis'
      )
        return undefined;
      const value = expression.type === 'assignment' ? expression.childForFieldName('right') : expression;
      const op =
        inside.length === 1 &&
        value &&
        inside[0].span.start === value.startIndex &&
        inside[0].span.end === value.endIndex
          ? inside[0]
          : undefined;
      if (op) {
        this.steps.push({ op, block: context });
        return undefined;
      }
      if (inside.length > 0) return this.opBlocker(inside[0], 'is used inside an expression');
      return this.foreignCallIn(statement, expression.type === 'assignment');
    }
    const compound = COMPOUND_NAMES[statement.type];
    if (compound) {
      if (inside.length > 0) return this.opBlocker(inside[0], `is inside ${compound}`);
      const foreign = this.foreignCallIn(statement, false);
      return foreign
        ? {
            span: foreign.span,
            description: `${compound} at line ${this.line(statement.startIndex)} runs code that is not an Alembic operation`,
          }
        : undefined;
    }
    if (statement.type === 'return_statement' || statement.type === 'raise_statement') {
      return {
        span: spanOf(statement),
        description:
          `the \`${statement.type === 'return_statement' ? 'return' : 'raise'}\` at line ${this.line(statement.startIndex)} ` +
          `makes the upgrade conditional`,
      };
    }
    if (inside.length > 0) return this.opBlocker(inside[0], 'is not a plain statement of upgrade()');
    return this.foreignCallIn(statement, false);
  }

  /** `with op.batch_alter_table(...) as batch_op:` or `with op.get_context().autocommit_block():`. */
  private withBlock(statement: SyntaxNode): StepBlock | undefined {
    const items = statement
      .descendantsOfType('with_item')
      .filter((i): i is SyntaxNode => i !== null && i.parent?.parent?.id === statement.id);
    if (items.length !== 1) return undefined;
    const value = items[0].childForFieldName('value');
    const call = value?.type === 'as_pattern' ? value.namedChild(0) : value;
    const alias =
      value?.type === 'as_pattern'
        ? (value.childForFieldName('alias')?.text ?? value.namedChild(1)?.text)?.replace(/^as\s+/, '')
        : undefined;
    const callee = call?.type === 'call' ? (call.childForFieldName('function')?.text ?? '') : '';
    const body = statement.childForFieldName('body');
    const header = this.migration.source.slice(statement.startIndex, body?.startIndex ?? statement.endIndex).trimEnd();
    if (/(^|\.)batch_alter_table$/.test(callee) && alias)
      return { kind: 'batch', header, alias, start: statement.startIndex };
    if (/\.autocommit_block$/.test(callee) && !alias)
      return { kind: 'autocommit', header, start: statement.startIndex };
    return undefined;
  }

  private opsWithin(node: SyntaxNode): Operation[] {
    return this.ops.filter((o) => !o.viaHelper && o.span.start >= node.startIndex && o.span.end <= node.endIndex);
  }

  private helperCallIn(node: SyntaxNode): Blocker | undefined {
    if (this.helperOps.size === 0) return undefined;
    for (const call of node.descendantsOfType('call')) {
      const name = call?.childForFieldName('function');
      const op = name?.type === 'identifier' ? this.helperOps.get(name.text) : undefined;
      if (op)
        return this.opBlocker(
          op,
          `runs inside the helper \`${op.viaHelper}()\` (called at line ${this.line(call?.startIndex ?? 0)})`,
        );
    }
    return undefined;
  }

  /** A call that may change the database but is not an Alembic operation (logging is fine). */
  private foreignCallIn(node: SyntaxNode, inAssignment: boolean): Blocker | undefined {
    for (const call of node.descendantsOfType('call')) {
      if (!call) continue;
      const fn = call.childForFieldName('function');
      const callee = fn?.text.replace(/\s+/g, '') ?? '';
      const root = /^[A-Za-z_]\w*/.exec(callee)?.[0] ?? '';
      if (LOGGING_ROOTS.test(root) || callee === 'print') continue;
      // Plumbing: `bind = op.get_bind()`, `op.get_context()`, `op.f("…")`.
      if (/^op\.(get_bind|get_context|f|inline_literal)$/.test(callee)) continue;
      // Building SQLAlchemy objects (`t = sa.table(...)`) changes nothing by itself.
      if (inAssignment && /^(sa|sqlalchemy|postgresql)\.[\w.]+$/.test(callee)) continue;
      if (this.ops.some((o) => o.span.start === call.startIndex)) continue;
      return {
        span: { start: call.startIndex, end: fn?.endIndex ?? call.endIndex },
        // Shown as written, with inner arguments collapsed (`sa.text().bindparams(…)`), never the
        // text with its white space squeezed out.
        description:
          `\`${fn ? calleeText(fn as unknown as Parameters<typeof calleeText>[0]) : callee}(…)\` at ` +
          `line ${this.line(call.startIndex)} is not an Alembic operation`,
      };
    }
    return undefined;
  }

  private opBlocker(op: Operation, why: string): Blocker {
    return { span: op.call.calleeSpan, description: `\`${op.call.callee}\` at line ${op.range.start.line + 1} ${why}` };
  }

  private line(offset: number): number {
    return this.migration.lines.positionAt(offset).line + 1;
  }
}

function spanOf(node: SyntaxNode): Span {
  return { start: node.startIndex, end: node.endIndex };
}
