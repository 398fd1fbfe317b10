import { insideAny } from '../model/dialectGuards';
import type { MigrationModel, SqlStatement } from '../model/migration';
import type { Span } from '../model/source';
import {
  alterTableRelationLocation,
  guardedTables,
  missingGuards,
  temporaryTableCreated,
  type MissingGuard,
} from '../parse/facts/idempotency';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { tokenizeSql, type SqlToken } from '../parse/facts/sqlTokens';
import {
  indexOfLocation,
  insertionPointAfter,
  spanOfRange,
  sqlBlockText,
  statementHeadSpan,
  type SourceText,
} from '../analysis/sqlSource';
import { defineRule, type Fix } from './types';

export default defineRule({
  meta: {
    id: 'SW103',
    name: 'idempotent-sql',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Migrations must be idempotent within their revision scope and avoid destructive operations without explicit safeguards.',
    docs: {
      summary: 'Raw DDL must use `IF [NOT] EXISTS` (or `OR REPLACE`) where Postgres allows it.',
      whatItDoes:
        'Reads the SQL of `op.execute(…)` (and `bind.execute(text(…))`) in the upgrade and the ' +
        'downgrade and reports DDL written without the guard Postgres offers: CREATE TABLE / INDEX ' +
        '(named) / SCHEMA / SEQUENCE / EXTENSION / MATERIALIZED VIEW and CREATE TABLE AS without ' +
        '`IF NOT EXISTS`; DROP TABLE / INDEX / VIEW / MATERIALIZED VIEW / SEQUENCE / SCHEMA / TYPE ' +
        '/ DOMAIN / EXTENSION / FUNCTION / PROCEDURE / TRIGGER / POLICY / RULE without `IF EXISTS`; ' +
        'ALTER TABLE … ADD COLUMN without `IF NOT EXISTS`, DROP COLUMN / DROP CONSTRAINT without ' +
        '`IF EXISTS`; ALTER TYPE … ADD VALUE without `IF NOT EXISTS`; CREATE VIEW without `OR ' +
        'REPLACE`.',
      whyBad:
        'A revision that fails half-way (a lock timeout, a deploy killed mid-run, a statement run ' +
        'outside a transaction in an autocommit block) must be re-runnable. Unguarded DDL fails on ' +
        'the second run because the first already created or dropped the object, and the database ' +
        'is left needing manual edits, which the policy prohibits.',
      bad:
        'def upgrade():\n    with op.get_context().autocommit_block():\n        op.execute("CREATE ' +
        'INDEX CONCURRENTLY ix_invoice_paid_at ON invoice (paid_at)")',
      good:
        'def upgrade():\n    with op.get_context().autocommit_block():\n        op.execute("CREATE ' +
        'INDEX CONCURRENTLY IF NOT EXISTS ix_invoice_paid_at ON invoice (paid_at)")',
      howToFix:
        'Add the guard at its place in the statement. The quick fix inserts `IF NOT EXISTS` / `IF ' +
        'EXISTS` / `OR REPLACE` right after the keyword where Postgres expects it, in the keyword ' +
        'case of the statement, when that keyword is written literally in the Python string.',
      fixSafety: 'unsafe',
      notes:
        'Statements without an idempotent form are never reported: CREATE TYPE, ADD CONSTRAINT, ' +
        'CREATE TRIGGER, RENAME, and CREATE INDEX without a name (IF NOT EXISTS needs one) Nor is ' +
        'SQL that runs only after the revision looked at the catalogue: inside an `if` whose test ' +
        "reads it (an inspector's `get_indexes` / `has_table`, a query of `pg_indexes` or " +
        '`information_schema`, directly, through a variable or a helper of the revision) or a loop ' +
        'over what it lists; nor a CREATE that follows a `DROP … IF EXISTS` of the same name in the ' +
        'same function (a second run drops what the first created). `IF NOT EXISTS` keeps an ' +
        'existing object as it is even when its definition differs, which is why the fix is offered ' +
        'in the editor and not applied by `--fix`: check that a half-applied object cannot have a ' +
        'different shape. `OR REPLACE` on a view can change its columns only by appending (Postgres ' +
        'refuses the rest). Alembic operations (`op.create_table`, …) are not checked: Alembic has ' +
        'no guard for them; write SQL or check the catalogue when a revision must tolerate a ' +
        'half-applied state.',
    },
  },
  check({ migration, report }) {
    // Temporary tables of each function: created, indexed and dropped within one session, they
    // never outlive a failed run, so their DDL needs no guard.
    const temporary: Record<string, Set<string>> = { upgrade: new Set(), downgrade: new Set() };
    // Objects dropped with IF EXISTS earlier in the same function (`DROP INDEX IF EXISTS ix;
    // CREATE INDEX ix …`): a second run drops what the first created, so the CREATE cannot fail.
    const droppedFirst: Record<string, Set<string>> = { upgrade: new Set(), downgrade: new Set() };
    for (const op of migration.operations) {
      if (!op.sql) continue;
      // Run only after a look at the catalogue (`if "ix" in insp.get_indexes(…)` names): the
      // revision itself checks that the object is there, or not, so a second run does no harm.
      const checkedFirst = insideAny(migration.catalogueGuardedSpans, op.span);
      const text = sqlBlockText(migration, op.sql);
      for (const statement of op.sql.statements) {
        const { kind, node } = statement.parsed;
        const fact = ddlFactOf(kind, node);
        if (fact.kind === 'drop' && fact.ifExists)
          for (const dropped of fact.names) droppedFirst[op.section].add(objectKey(fact.objectType, dropped.name));
        const temp = temporaryTableCreated(kind, node);
        if (temp) temporary[op.section].add(temp);
        const tables = guardedTables(kind, node);
        if (checkedFirst || temp || (tables.length > 0 && tables.every((t) => temporary[op.section].has(t)))) continue;
        for (const missing of missingGuards(statement.kind, statement.parsed.node)) {
          if (missing.object && droppedFirst[op.section].has(objectKey(createdType(missing.action), missing.object)))
            continue;
          const place = text ? guardPlace(statement, text, missing) : undefined;
          const span = place
            ? spanOfRange(text as SourceText, place.first.start, place.anchor.end)
            : statementHeadSpan(migration, statement);
          const fix = place ? guardFix(migration, text as SourceText, place.anchor, missing) : undefined;
          report({
            message: `${describe(missing)} is not idempotent: re-running the revision after a failure half-way fails here.`,
            help: `Write ${missing.guard === 'OR REPLACE' ? 'CREATE OR REPLACE VIEW' : `${missing.action.replace(/^ALTER TYPE … /, '')} ${missing.guard}`}.`,
            span,
            fixes: fix ? [fix] : [],
          });
        }
      }
    }
  },
});

function objectKey(objectType: string, name: string): string {
  const parts = name.split('.');
  return `${objectType}:${(parts[parts.length - 1] ?? '').replace(/"/g, '').toLowerCase()}`;
}

/** `CREATE MATERIALIZED VIEW` → `MATVIEW`, `CREATE UNIQUE INDEX` → `INDEX`: DROP's object type for what a CREATE makes. */
function createdType(action: string): string {
  const what = action.replace(/^CREATE\s+/, '').replace(/^UNIQUE\s+/, '');
  return what === 'MATERIALIZED VIEW' ? 'MATVIEW' : what;
}

function describe(missing: MissingGuard): string {
  return `${missing.action}${missing.object ? ` ${missing.object}` : ''}`;
}

/** The leading keyword tokens where the guard goes: the first one and the anchor it follows. */
function guardPlace(
  statement: SqlStatement,
  text: SourceText,
  missing: MissingGuard,
): { first: SqlToken; anchor: SqlToken } | undefined {
  let tokens = tokenizeSql(text.value, statement.parsed.start, statement.parsed.end);
  if (missing.command !== undefined) {
    const commands = alterTableCommands(statement, tokens);
    tokens = commands?.[missing.command] ?? [];
  } else if (missing.action.startsWith('ALTER TYPE')) {
    const add = tokens.findIndex((t) => t.upper === 'ADD');
    tokens = add >= 0 ? tokens.slice(add) : [];
  }
  let k = 0;
  while (k < tokens.length && tokens[k].type === 'word' && missing.prefix.has(tokens[k].upper)) k++;
  const anchor = tokens[k - 1];
  return k > 0 && missing.anchor.has(anchor.upper) ? { first: tokens[0], anchor } : undefined;
}

/** The tokens of each command of an ALTER TABLE, split at top-level commas after the table name. */
function alterTableCommands(statement: SqlStatement, tokens: SqlToken[]): SqlToken[][] | undefined {
  const relationAt = indexOfLocation(statement, alterTableRelationLocation(statement.parsed.node));
  let k = tokens.findIndex((t) => t.start >= relationAt);
  if (k < 0) return undefined;
  // schema.table, then an optional `*` (inheritance)
  while (tokens[k + 1]?.text === '.' && tokens[k + 2]) k += 2;
  k++;
  if (tokens[k]?.text === '*') k++;
  const commands: SqlToken[][] = [[]];
  let depth = 0;
  for (; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (t.text === ',' && depth === 0) {
      commands.push([]);
      continue;
    } else if (t.text === ';' && depth === 0) break;
    commands[commands.length - 1].push(t);
  }
  return commands;
}

function guardFix(
  migration: MigrationModel,
  text: SourceText,
  anchor: SqlToken,
  missing: MissingGuard,
): Fix | undefined {
  const at = insertionPointAfter(migration.source, text, anchor.end);
  if (at === undefined) return undefined;
  const guard = anchor.text === anchor.text.toLowerCase() ? missing.guard.toLowerCase() : missing.guard;
  const span: Span = { start: at, end: at };
  return { title: `Add ${missing.guard}`, edits: [{ span, newText: ` ${guard}` }], safe: false };
}
