import { boolValue, callKeyword, stringValue, type MigrationModel } from '../model/migration';
import type { ProjectModel } from '../model/project';
import type { Span } from '../model/source';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { qualifiedName } from '../parse/facts/views';
import { domainConstraintOf } from '../parse/facts/locking';
import { findInStatement } from '../analysis/statements';
import { addKeywordArgument } from './util/pythonEdits';
import { createdDomains } from './util/tableLocks';
import { operationTable, revisionTables, upgradeOperations } from './util/revisionTables';
import { defineRule } from './types';
import { ObjectMemo } from '../model/objectMemo';

export default defineRule({
  meta: {
    id: 'SW602',
    name: 'not-valid-constraint',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'Foreign keys and CHECK constraints on existing tables are added NOT VALID, then validated.',
      whatItDoes:
        'Reports `op.create_foreign_key` / `op.create_check_constraint` on a table the revision did ' +
        'not create unless they pass `postgresql_not_valid=True`, and SQL `ALTER TABLE … ADD ' +
        '[CONSTRAINT …] FOREIGN KEY / CHECK` without `NOT VALID`. Also `ALTER DOMAIN … ADD ' +
        'CONSTRAINT` without `NOT VALID` on a domain the revision did not create. A constraint ' +
        'added `NOT VALID` is reported when no `ALTER TABLE|DOMAIN … VALIDATE CONSTRAINT <name>` ' +
        'follows it (later in the same revision or in a later revision).',
      whyBad:
        'Adding a foreign key checks every existing row while holding a SHARE ROW EXCLUSIVE lock on ' +
        'the table and on the referenced table: writes to both stop for the whole scan. Adding a ' +
        'CHECK constraint scans the table under an ACCESS EXCLUSIVE lock, which blocks reads too. ' +
        'With `NOT VALID` the constraint is added at once (new rows are checked immediately) and ' +
        '`VALIDATE CONSTRAINT` later scans under a SHARE UPDATE EXCLUSIVE lock, which lets reads ' +
        'and writes continue. A constraint left NOT VALID is never trusted by the planner and hides ' +
        'old bad rows.',
      bad: 'def upgrade():\n    op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"])',
      good:
        'def upgrade():\n    op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ' +
        '["customer_id"], ["id"], postgresql_not_valid=True)\n    op.execute("ALTER TABLE invoice ' +
        'VALIDATE CONSTRAINT fk_invoice_customer")',
      howToFix:
        'Add `postgresql_not_valid=True` (SQL: `NOT VALID`), then validate with `op.execute("ALTER ' +
        'TABLE <table> VALIDATE CONSTRAINT <name>")` — best in a separate, later revision, so the ' +
        'brief lock and the long scan are not in one transaction. The quick fix adds ' +
        '`postgresql_not_valid=True`; the validation step is yours to place.',
      fixSafety: 'unsafe',
      notes:
        'Tables created by the same revision are empty: constraints on them are not reported. ' +
        '`postgresql_not_valid` is a SQLAlchemy PostgreSQL dialect option accepted by ' +
        "`CheckConstraint` and `ForeignKeyConstraint` (and so by Alembic's " +
        '`create_check_constraint` / `create_foreign_key`); on an older SQLAlchemy write the SQL ' +
        'form. UNIQUE and PRIMARY KEY constraints cannot be NOT VALID: build a unique index ' +
        'CONCURRENTLY and add the constraint `USING INDEX` (see SW601). `ALTER DOMAIN … ADD ' +
        'CONSTRAINT` belongs here rather than to SW613 (which asks for CONCURRENTLY, and domains ' +
        "have none): its remedy is this rule's, NOT VALID now and VALIDATE CONSTRAINT later. A " +
        'validated domain constraint reads every column of the domain in every table while holding ' +
        "SHARE on each table (blocks writes; traced on PostgreSQL 15). Unlike a table's, a domain's " +
        '`VALIDATE CONSTRAINT` takes that same SHARE lock: NOT VALID makes the new rule apply at ' +
        'once and moves the blocking scan to a revision of its own, to run at a quiet time with a ' +
        '`statement_timeout` (SW603); where that is not enough, put `CHECK … NOT VALID` constraints ' +
        'on the tables themselves instead. A domain created by the same revision is not reported.',
    },
  },
  check({ migration, project, report }) {
    const tables = revisionTables(project, migration);
    const validated = validatedConstraints(project);
    const ops = upgradeOperations(migration);
    const laterValidation = (name: string | undefined, afterOp: number): boolean => {
      if (!name) return false;
      // Later in this revision…
      for (let i = afterOp; i < ops.length; i++) if (validationsIn(ops[i].sql?.statements ?? []).has(name)) return true;
      // …or in a revision that runs after it.
      const order = migration.revision ? validated.orderOf.get(migration.revision) : undefined;
      return (validated.byName.get(name) ?? []).some((o) => order === undefined || o > order);
    };
    ops.forEach((op, index) => {
      if (op.isAlembicOp && (op.name === 'create_foreign_key' || op.name === 'create_check_constraint')) {
        const table = operationTable(op);
        if (!table || !tables.isExisting(table)) return;
        const notValidValue = callKeyword(op.call, 'postgresql_not_valid');
        const name = stringValue(op.args.constraint_name);
        const what = op.name === 'create_foreign_key' ? 'foreign key' : 'CHECK constraint';
        if (boolValue(notValidValue) === true) {
          if (!laterValidation(name, index + 1))
            report({
              message: `The ${what}${name ? ` "${name}"` : ''} is added NOT VALID but never validated, so existing rows are never checked.`,
              help: name
                ? `Add op.execute("ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}"), best in a later revision.`
                : 'Name the constraint, then VALIDATE CONSTRAINT it, best in a later revision.',
              span: notValidValue?.span ?? op.call.calleeSpan,
            });
          return;
        }
        if (notValidValue) return; // computed at run time
        const lock =
          op.name === 'create_foreign_key'
            ? `SHARE ROW EXCLUSIVE on "${table}" and "${stringValue(op.args.referent_table) ?? 'the referenced table'}" (blocks writes)`
            : `ACCESS EXCLUSIVE on "${table}" (blocks reads and writes)`;
        report({
          message: `${op.name} on existing table "${table}" checks every row while holding ${lock}.`,
          help: `Pass postgresql_not_valid=True, then VALIDATE CONSTRAINT${name ? ` ${name}` : ''} in a later step.`,
          span: op.call.calleeSpan,
          fixes: [
            {
              title: 'Add the constraint NOT VALID (postgresql_not_valid=True)',
              edits: [addKeywordArgument(op.call, 'postgresql_not_valid', 'True')],
              safe: false,
            },
          ],
        });
        return;
      }
      for (const statement of op.sql?.statements ?? []) {
        const domain = domainConstraintOf(statement.kind, statement.parsed.node);
        if (domain) {
          if (createdDomains(migration).has(domain.domain)) continue;
          const span = findInStatement(migration, statement, /\bADD\b/i) ?? statement.span;
          if (domain.notValid) {
            if (
              !laterValidation(domain.constraint, index + 1) &&
              !statementValidatesLater(op.sql?.statements ?? [], statement, domain.constraint)
            )
              report({
                message: domain.constraint
                  ? `Domain constraint "${domain.constraint}" is added NOT VALID but never validated, so ` +
                    `existing values of domain "${domain.domain}" are never checked.`
                  : `Domain constraint added NOT VALID without a name, so it cannot be validated.`,
                help: domain.constraint
                  ? `Add ALTER DOMAIN ${domain.domain} VALIDATE CONSTRAINT ${domain.constraint}, best in a later revision.`
                  : 'Name it (ADD CONSTRAINT name …) and VALIDATE CONSTRAINT it later.',
                span,
              });
            continue;
          }
          report({
            message:
              `ALTER DOMAIN ${domain.domain} ADD CONSTRAINT checks every value of every column using the ` +
              `domain while holding SHARE on each of their tables (blocks writes), all in this ` +
              `transaction.`,
            help:
              `Add it NOT VALID (new values are checked at once), then VALIDATE CONSTRAINT${domain.constraint ? ` ${domain.constraint}` : ''} ` +
              `in a later revision, at a quiet time.`,
            span,
          });
          continue;
        }
        const fact = ddlFactOf(statement.kind, statement.parsed.node);
        if (fact.kind !== 'alter-table') continue;
        const table = qualifiedName(fact.table);
        if (!tables.isExisting(table)) continue;
        for (const command of fact.commands) {
          const c = command.constraint;
          if (command.subtype !== 'AddConstraint' || !c || (c.type !== 'FOREIGN' && c.type !== 'CHECK')) continue;
          const span = wordSpan(migration, statement.locate(c.location));
          const what = c.type === 'FOREIGN' ? 'FOREIGN KEY' : 'CHECK';
          if (c.notValid) {
            const validatedHere = fact.commands.some((k) => k.subtype === 'ValidateConstraint' && k.name === c.name);
            if (
              !validatedHere &&
              !laterValidation(c.name, index + 1) &&
              !statementValidatesLater(op.sql?.statements ?? [], statement, c.name)
            ) {
              report({
                message: c.name
                  ? `${what} constraint "${c.name}" is added NOT VALID but never validated, so existing rows are never checked.`
                  : `${what} constraint added NOT VALID without a name, so it cannot be validated.`,
                help: c.name
                  ? `Add ALTER TABLE ${table} VALIDATE CONSTRAINT ${c.name}, best in a later revision.`
                  : 'Name it (ADD CONSTRAINT name …) and VALIDATE CONSTRAINT it later.',
                span,
              });
            }
            continue;
          }
          const lock =
            c.type === 'FOREIGN'
              ? `SHARE ROW EXCLUSIVE on "${table}" and "${c.references ? qualifiedName(c.references.table) : 'the referenced table'}" (blocks writes)`
              : `ACCESS EXCLUSIVE on "${table}" (blocks reads and writes)`;
          report({
            message: `ADD ${what} on existing table "${table}" checks every row while holding ${lock}.`,
            help: `Add it NOT VALID, then VALIDATE CONSTRAINT${c.name ? ` ${c.name}` : ''} in a later step.`,
            span,
          });
        }
      }
    });
  },
});

/** The word (or `FOREIGN KEY`) starting at a span, for highlighting a constraint's keyword. */
function wordSpan(migration: MigrationModel, at: Span): Span {
  const match = /^(?:FOREIGN\s+KEY|\w+)/i.exec(migration.source.slice(at.start, at.start + 40));
  return match ? { start: at.start, end: at.start + match[0].length } : at;
}

function validationsIn(
  statements: ReadonlyArray<{ kind: string; parsed: { node: Record<string, unknown> } }>,
): Set<string> {
  const names = new Set<string>();
  for (const statement of statements) {
    // ALTER DOMAIN … VALIDATE CONSTRAINT name
    if (statement.kind === 'AlterDomainStmt' && statement.parsed.node.subtype === 'V') {
      const name = statement.parsed.node.name;
      if (typeof name === 'string') names.add(name);
      continue;
    }
    const fact = ddlFactOf(statement.kind, statement.parsed.node);
    if (fact.kind !== 'alter-table') continue;
    for (const command of fact.commands)
      if (command.subtype === 'ValidateConstraint' && command.name) names.add(command.name);
  }
  return names;
}

function statementValidatesLater(
  statements: ReadonlyArray<{ kind: string; parsed: { node: Record<string, unknown> } }>,
  after: unknown,
  name: string | undefined,
): boolean {
  if (!name) return false;
  const index = statements.indexOf(after as (typeof statements)[number]);
  return validationsIn(statements.slice(index + 1)).has(name);
}

const namesByModel = new ObjectMemo<MigrationModel, readonly string[]>('namesByModel');

/**
 * The constraint names a revision's upgrade validates. The analysis cache keys SW602 by those of
 * later revisions and keeps them beside each model (`rememberValidatedNames`), so that reading
 * them does not decode a cached model.
 */
export function validatedNamesOf(migration: MigrationModel): readonly string[] {
  let known = namesByModel.get(migration);
  if (known) return known;
  const names = new Set<string>();
  for (const op of migration.operations) {
    if (op.section !== 'upgrade' || !op.sql) continue;
    for (const name of validationsIn(op.sql.statements)) names.add(name);
  }
  known = [...names].sort();
  namesByModel.set(migration, known);
  return known;
}

/** The names `validatedNamesOf` gives for a model, known without reading it (the analysis cache's index). */
export function rememberValidatedNames(migration: MigrationModel, names: readonly string[]): void {
  namesByModel.set(migration, names);
}

interface ValidationIndex {
  byName: Map<string, number[]>;
  orderOf: Map<string, number>;
}
const validationIndexes = new ObjectMemo<ProjectModel, ValidationIndex>('validationIndexes');

/** Every `VALIDATE CONSTRAINT` in the project's upgrades, by constraint name, with the revision's position in graph order. */
function validatedConstraints(project: ProjectModel): ValidationIndex {
  let index = validationIndexes.get(project);
  if (index) return index;
  index = { byName: new Map(), orderOf: new Map(project.graph.order.map((id, i) => [id, i])) };
  for (const [id, order] of index.orderOf) {
    const migration = project.graph.nodes.get(id)?.migration;
    if (!migration) continue;
    for (const name of validatedNamesOf(migration)) index.byName.set(name, [...(index.byName.get(name) ?? []), order]);
  }
  validationIndexes.set(project, index);
  return index;
}
