import type { MigrationModel, Operation, PyCall } from '../model/migration';
import type { Span } from '../model/source';
import { everyCall } from './calls';

/**
 * Database objects created from Python rather than SQL text: alembic_utils' replaceable entities
 * (`PGTrigger`, `PGFunction`, `PGExtension`, created by `op.create_entity`/`op.replace_entity`) and
 * SQLAlchemy DDL event listeners (`event.listen(table, "after_create", …)`).
 */

const CREATING_OPS = new Set(['create_entity', 'replace_entity', 'create_or_replace_entity']);
const ENTITY_OPS = new Set([...CREATING_OPS, 'drop_entity']);
const CREATE_SQL_METHODS = new Set(['to_sql_statement_create', 'to_sql_statement_create_or_replace']);

export interface EntityCreation {
  /** The entity's constructor call, e.g. `PGTrigger(schema=…, signature=…)`. */
  construct: PyCall;
  /** Where it is created: the argument of `op.create_entity(...)`, or the constructor when no op uses it. */
  span: Span;
  /** The `signature=` literal, e.g. `audit_account` or `to_upper(some_text text)`. */
  signature?: string;
  /** How it is created, for the message: `op.create_entity`, `op.replace_entity`, … */
  via?: string;
}

/** The variable a call is assigned to on its own line: `x = PGTrigger(` → `x`. */
function assignedName(migration: MigrationModel, call: PyCall): string | undefined {
  const lineStart = migration.lines.lineStart(migration.lines.positionAt(call.span.start).line);
  return /(\w+)\s*(?::[^=]*)?=\s*$/.exec(migration.source.slice(lineStart, call.span.start))?.[1];
}

const inside = (outer: Span | undefined, inner: Span): boolean =>
  outer !== undefined && outer.start <= inner.start && inner.end <= outer.end;

/**
 * Creations of alembic_utils entities of the given classes in the upgrade (or in code not known to
 * be downgrade-only). Entities built only to be dropped (`op.drop_entity`) or in the downgrade are
 * not creations.
 */
export function entityCreations(migration: MigrationModel, classNames: ReadonlySet<string>): EntityCreation[] {
  const out: EntityCreation[] = [];
  const entityOps = migration.operations.filter((o) => o.isAlembicOp && ENTITY_OPS.has(o.name));
  const inDowngrade = (span: Span): boolean => inside(migration.downgrade?.span, span);
  const inUpgrade = (span: Span): boolean => inside(migration.upgrade?.span, span);
  // Autogenerate defines the same variable in upgrade() and downgrade(): a name refers to the
  // construct of its own function, or to a module-level one.
  const sameScope = (construct: Span, use: Span): boolean =>
    (!inUpgrade(construct) && !inDowngrade(construct)) ||
    (inUpgrade(construct) === inUpgrade(use) && inDowngrade(construct) === inDowngrade(use));
  for (const construct of everyCall(migration)) {
    if (!classNames.has(construct.method)) continue;
    const signatureArg = construct.keywords.find((k) => k.name === 'signature')?.value;
    const signature = signatureArg?.kind === 'string' ? signatureArg.value : undefined;
    const name = assignedName(migration, construct);
    const uses: Array<{ op?: Operation; span: Span; creates: boolean; via: string }> = [];
    for (const op of entityOps) {
      for (const arg of [...op.call.args, ...op.call.keywords.map((k) => k.value)]) {
        const direct = arg.kind === 'call' && arg.span.start === construct.span.start;
        const byName =
          name !== undefined && arg.kind === 'name' && arg.name === name && sameScope(construct.span, op.span);
        if (direct || byName)
          uses.push({
            op,
            span: arg.span,
            creates: CREATING_OPS.has(op.name) && op.section === 'upgrade',
            via: `op.${op.name}`,
          });
      }
    }
    for (const call of everyCall(migration)) {
      if (
        name !== undefined &&
        call.receiver === name &&
        CREATE_SQL_METHODS.has(call.method) &&
        sameScope(construct.span, call.span)
      ) {
        uses.push({ span: call.span, creates: !inDowngrade(call.span), via: `${name}.${call.method}()` });
      }
    }
    if (uses.length === 0) {
      if (!inDowngrade(construct.span)) out.push({ construct, span: construct.calleeSpan, signature });
      continue;
    }
    for (const use of uses) if (use.creates) out.push({ construct, span: use.span, signature, via: use.via });
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}

/** SQLAlchemy's DDL events: listeners on them run SQL (or any code) whenever tables are created or dropped. */
const DDL_EVENTS = new Set(['before_create', 'after_create', 'before_drop', 'after_drop']);

export interface DdlListener {
  call: PyCall;
  event: string;
  eventSpan: Span;
  /** The listener is a `DDL("…")` literal: its SQL is analysed like any other statement. */
  literalDdl: boolean;
}

/** `event.listen(target, "after_create", fn)` and `@event.listens_for(target, "after_create")`. */
export function ddlListeners(migration: MigrationModel): DdlListener[] {
  const out: DdlListener[] = [];
  for (const call of everyCall(migration)) {
    if (call.method !== 'listen' && call.method !== 'listens_for') continue;
    if (!/(^|\.)event$/.test(call.receiver) && !(call.receiver === '' && importsFromEvent(migration, call.method)))
      continue;
    const eventArg = call.args[1] ?? call.keywords.find((k) => k.name === 'identifier')?.value;
    if (eventArg?.kind !== 'string' || !DDL_EVENTS.has(eventArg.value)) continue;
    const listener = call.args[2];
    const literalDdl =
      call.method === 'listen' &&
      listener?.kind === 'call' &&
      listener.call.method === 'DDL' &&
      listener.call.args[0]?.kind === 'string' &&
      listener.call.args[0].string.analysable;
    out.push({ call, event: eventArg.value, eventSpan: eventArg.span, literalDdl });
  }
  return out;
}

function importsFromEvent(migration: MigrationModel, name: string): boolean {
  return (
    migration.imports.some((i) => i.module === 'sqlalchemy.event' && i.alias === name) ||
    migration.imports.some((i) => i.module === 'sqlalchemy' && i.name === 'event' && i.alias === name)
  );
}
