import { boolValue, stringValue, type MigrationModel, type Operation, type SqlStatement } from '../model/migration';
import type { ProjectModel } from '../model/project';
import { tableKey } from '../model/schema';
import { historyBefore } from '../analysis/schemaHistory';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { qualifiedName } from '../parse/facts/views';
import { findInStatement } from '../analysis/statements';
import { operationTable, revisionTables, upgradeOperations } from './util/revisionTables';
import { defineRule } from './types';
import { ObjectMemo } from '../model/objectMemo';

export default defineRule({
  meta: {
    id: 'SW610',
    name: 'not-null-without-check',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'SET NOT NULL on an existing table follows a validated CHECK (col IS NOT NULL).',
      whatItDoes:
        'Reports `op.alter_column(…, nullable=False)` and SQL `ALTER TABLE … ALTER COLUMN … SET NOT ' +
        'NULL` on a table the revision did not create, unless the history (or this revision, ' +
        'earlier) adds a `CHECK (col IS NOT NULL)` constraint on that column and validates it. A ' +
        'column the history already made NOT NULL is not reported.',
      whyBad:
        'SET NOT NULL reads every row of the table to prove there is no NULL, while holding ACCESS ' +
        'EXCLUSIVE: no read or write of the table runs until the scan ends — also when the column ' +
        'has a default. Since PostgreSQL 12, a valid `CHECK (col IS NOT NULL)` constraint lets it ' +
        'skip the scan.',
      bad: 'def upgrade():\n    op.alter_column("account", "email", existing_type=sa.Text(), nullable=False)',
      good:
        'def upgrade():\n    op.execute("ALTER TABLE account ADD CONSTRAINT ' +
        'ck_account_email_not_null CHECK (email IS NOT NULL) NOT VALID")\n    with ' +
        'op.get_context().autocommit_block():\n        op.execute("ALTER TABLE account VALIDATE ' +
        'CONSTRAINT ck_account_email_not_null")\n    op.alter_column("account", "email", ' +
        'existing_type=sa.Text(), ' +
        'nullable=False)\n    op.drop_constraint("ck_account_email_not_null", "account", ' +
        'type_="check")',
      howToFix:
        'Add `CHECK (col IS NOT NULL) NOT VALID`, validate it after a commit (a later revision, or ' +
        'an `autocommit_block()`), then SET NOT NULL (no scan) and drop the CHECK.',
      fixSafety: 'none',
      notes:
        'Tables created by the same revision are empty: not reported. Before PostgreSQL 12 the ' +
        'CHECK does not help (`postgres-version`), and the rule reports every SET NOT NULL on an ' +
        'existing table.',
    },
  },
  check({ migration, project, config, report }) {
    const tables = revisionTables(project, migration);
    const alreadyNotNull = (table: string, column: string): boolean =>
      tables.schema.before.tables.get(table)?.columns.get(column)?.nullable === false;
    const checked = (op: Operation, table: string, column: string, statementsBefore: readonly SqlStatement[]) =>
      config.postgresVersion >= 12 &&
      validNotNullChecks(project, migration, op, statementsBefore).has(`${table}.${column}`);
    const message = (table: string, column: string): string =>
      `SET NOT NULL on "${table}.${column}" scans the whole existing table under ACCESS EXCLUSIVE, blocking every read and write.`;
    const help = (column: string): string =>
      `First add CHECK (${column} IS NOT NULL) NOT VALID and validate it after a commit; SET NOT NULL then skips the scan.`;
    for (const op of upgradeOperations(migration)) {
      if (op.isAlembicOp && op.name === 'alter_column' && boolValue(op.args.nullable) === false) {
        const table = operationTable(op);
        const column = stringValue(op.args.column_name);
        if (!table || !column || !tables.isExisting(table) || alreadyNotNull(table, column)) continue;
        if (checked(op, table, column, [])) continue;
        report({
          message: message(table, column),
          help: help(column),
          span: op.args.nullable?.span ?? op.call.calleeSpan,
        });
      }
      const statements = op.sql?.statements ?? [];
      statements.forEach((statement, index) => {
        const fact = ddlFactOf(statement.kind, statement.parsed.node);
        if (fact.kind !== 'alter-table' || fact.objectType !== 'TABLE') return;
        const table = qualifiedName(fact.table);
        if (!tables.isExisting(table)) return;
        for (const command of fact.commands) {
          const column = command.column;
          if (command.subtype !== 'SetNotNull' || !column || alreadyNotNull(table, column)) continue;
          if (checked(op, table, column, statements.slice(0, index + 1))) continue;
          report({
            message: message(table, column),
            help: help(column),
            span: findInStatement(migration, statement, /SET\s+NOT\s+NULL/i) ?? statement.span,
          });
        }
      });
    }
  },
});

/** What one operation adds to the picture: NOT NULL checks added (by name), constraints validated. */
export interface NotNullFacts {
  checks: ReadonlyArray<readonly [name: string, check: { key: string; valid: boolean }]>;
  validated: readonly string[];
}

/** The checks added and validated up to some point: name → check, and the names validated. */
interface CheckState {
  checks: Map<string, { key: string; valid: boolean }>;
  validated: Set<string>;
}

const NO_FACTS: NotNullFacts = { checks: [], validated: [] };
const factsOfOp = new ObjectMemo<Operation, NotNullFacts>('factsOfOp');

const factsOfRevision = new ObjectMemo<MigrationModel, readonly NotNullFacts[]>('factsOfRevision');

/**
 * What a revision's upgrade adds to the inherited checks, op by op (those that add anything). The
 * analysis cache keeps them beside each model (`rememberNotNullFacts`): the state a revision
 * inherits is then built without decoding its ancestors' models.
 */
export function revisionNotNullFacts(migration: MigrationModel): readonly NotNullFacts[] {
  let facts = factsOfRevision.get(migration);
  if (!facts) {
    facts = migration.operations
      .filter((op) => op.section === 'upgrade')
      .map(notNullFactsOf)
      .filter((f) => f !== NO_FACTS);
    factsOfRevision.set(migration, facts);
  }
  return facts;
}

/** The facts `revisionNotNullFacts` gives for a model, known without reading it (the analysis cache's index). */
export function rememberNotNullFacts(migration: MigrationModel, facts: readonly NotNullFacts[]): void {
  factsOfRevision.set(migration, facts);
}

function notNullFactsOf(op: Operation): NotNullFacts {
  let facts = factsOfOp.get(op);
  if (facts) return facts;
  const checks: Array<readonly [string, { key: string; valid: boolean }]> = [];
  const validated: string[] = [];
  if (op.isAlembicOp && op.name === 'create_check_constraint') {
    const table = op.table !== undefined ? tableKey(op.table, op.schema) : undefined;
    const column = notNullCondition(stringValue(op.args.condition));
    const name = stringValue(op.args.constraint_name);
    if (table && column)
      checks.push([
        name ?? `${table}.${column}`,
        { key: `${table}.${column}`, valid: boolValue(op.args.postgresql_not_valid) !== true },
      ]);
  }
  for (const statement of op.sql?.statements ?? []) readStatement(statement, checks, validated);
  facts = checks.length || validated.length ? { checks, validated } : NO_FACTS;
  factsOfOp.set(op, facts);
  return facts;
}

function readStatement(
  statement: SqlStatement,
  checks: Array<readonly [string, { key: string; valid: boolean }]>,
  validated: string[],
): void {
  const fact = ddlFactOf(statement.kind, statement.parsed.node);
  if (fact.kind !== 'alter-table') return;
  const table = qualifiedName(fact.table);
  for (const command of fact.commands) {
    const c = command.constraint;
    if (command.subtype === 'AddConstraint' && c?.notNullColumn)
      checks.push([
        c.name ?? `${table}.${c.notNullColumn}`,
        { key: `${table}.${c.notNullColumn}`, valid: !c.notValid },
      ]);
    if (command.subtype === 'ValidateConstraint' && command.name) validated.push(command.name);
  }
}

function apply(state: CheckState, facts: NotNullFacts): void {
  for (const [name, check] of facts.checks) state.checks.set(name, check);
  for (const name of facts.validated) state.validated.add(name);
}

/**
 * The checks every revision inherits from its ancestors, built once per graph in its order: each
 * revision's state is its parents' plus what their upgrades did, shared while nothing adds to it.
 * (Scanning the whole history again for every SET NOT NULL made this rule quadratic.)
 */
const statesBefore = new ObjectMemo<ProjectModel['graph'], Map<string, CheckState>>('statesBefore');

function stateBeforeRevision(project: ProjectModel, revision: string): CheckState | undefined {
  const graph = project.graph;
  let states = statesBefore.get(graph);
  if (!states) {
    states = new Map();
    const after = new Map<string, CheckState>();
    const empty: CheckState = { checks: new Map(), validated: new Set() };
    for (const id of graph.order) {
      const node = graph.nodes.get(id);
      if (!node) continue;
      const parents = node.parents.map((p) => after.get(p)).filter((st): st is CheckState => st !== undefined);
      let before = parents[0] ?? empty;
      if (parents.length > 1) {
        before = { checks: new Map(), validated: new Set() };
        for (const parent of parents) {
          for (const [name, check] of parent.checks) before.checks.set(name, check);
          for (const name of parent.validated) before.validated.add(name);
        }
      }
      states.set(id, before);
      const own = revisionNotNullFacts(node.migration);
      if (own.length === 0) after.set(id, before);
      else {
        const next: CheckState = { checks: new Map(before.checks), validated: new Set(before.validated) };
        for (const facts of own) apply(next, facts);
        after.set(id, next);
      }
    }
    statesBefore.set(graph, states);
  }
  return states.get(revision);
}

/** `table.column` of every `CHECK (column IS NOT NULL)` added and valid (or validated) before a point. */
function validNotNullChecks(
  project: ProjectModel | undefined,
  migration: MigrationModel,
  before: Operation,
  statementsBefore: readonly SqlStatement[],
): Set<string> {
  const inherited = project && migration.revision ? stateBeforeRevision(project, migration.revision) : undefined;
  const state: CheckState = { checks: new Map(), validated: new Set() };
  if (inherited) {
    for (const [name, check] of inherited.checks) state.checks.set(name, check);
    for (const name of inherited.validated) state.validated.add(name);
    for (const op of migration.operations) {
      if (op === before) break;
      if (op.section === 'upgrade') apply(state, notNullFactsOf(op));
    }
  } else {
    // Not in the graph (a cycle, an unsaved file): the history as the other rules read it.
    const history = historyBefore(project, migration, before);
    for (let i = 0; i < history.length; i++) apply(state, notNullFactsOf(history.at(i)!.op));
  }
  const checks: Array<readonly [string, { key: string; valid: boolean }]> = [];
  const validated: string[] = [];
  for (const statement of statementsBefore) readStatement(statement, checks, validated);
  apply(state, { checks, validated });
  const valid = new Set<string>();
  for (const [name, check] of state.checks) if (check.valid || state.validated.has(name)) valid.add(check.key);
  return valid;
}

/** The column of a condition written `col IS NOT NULL` (optionally quoted or parenthesised). */
function notNullCondition(condition: string | undefined): string | undefined {
  return condition ? /^\s*\(?\s*"?(\w+)"?\s+IS\s+NOT\s+NULL\s*\)?\s*$/i.exec(condition)?.[1] : undefined;
}
