import type { SqlStatement } from '../model/migration';
import type { Span } from '../model/source';
import {
  alterViewCheckOptionOf,
  insteadOfTriggerOf,
  qualifiedName,
  ruleOf,
  viewDefinitionOf,
} from '../parse/facts/views';
import { nameSpan } from './util/sqlNames';
import { revisionTables, upgradeOperations } from './util/revisionTables';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW402',
    name: 'read-only-view',
    severity: 'error',
    scope: 'revision',
    policySection: 'Tables vs Views Policy',
    policyClause: 'Views must not hide business logic or enforce validation; they expose derived projections only.',
    docs: {
      summary: 'Views stay read-only projections: no CHECK OPTION, no rules, no INSTEAD OF triggers.',
      whatItDoes:
        'Reports `CREATE VIEW … WITH [LOCAL | CASCADED] CHECK OPTION` (and `WITH (check_option = ' +
        '…)`, `ALTER VIEW … SET (check_option = …)`), `CREATE RULE` on a view (a view the replayed ' +
        'schema knows, created earlier or in the same revision), and `CREATE TRIGGER … INSTEAD OF` ' +
        '(which PostgreSQL allows on views only).',
      whyBad:
        'A CHECK OPTION makes the view validate the rows written through it; a rule or an INSTEAD ' +
        'OF trigger turns writes to the view into hidden writes elsewhere. Either way the view ' +
        'enforces or hides business logic in the database, which the policy forbids: views are ' +
        'derived, read-only projections for reporting or API optimisation.',
      bad: 'def upgrade():\n    op.execute("CREATE VIEW open_invoice AS SELECT * FROM invoice WHERE status = \'open\' WITH CHECK OPTION")',
      good: 'def upgrade():\n    op.execute("CREATE VIEW open_invoice AS SELECT id, number, total FROM invoice WHERE status = \'open\'")',
      howToFix:
        'Drop the CHECK OPTION, rule or trigger. Validate in the application (or with a CHECK constraint on the base table) and write to base tables directly.',
      fixSafety: 'none',
      notes:
        "Rules on tables are SW301's (no-triggers) business. A simple view without these constructs " +
        'is still automatically updatable by PostgreSQL; revoke INSERT/UPDATE/DELETE on it if ' +
        'writes through it must be impossible.',
    },
  },
  check({ migration, project, report }) {
    const tables = revisionTables(project, migration);
    const isView = (key: string): boolean => tables.schema.before.views.has(key) || tables.schema.after.views.has(key);
    for (const op of upgradeOperations(migration)) {
      for (const statement of op.sql?.statements ?? []) {
        const { kind, node } = statement.parsed;
        const view = viewDefinitionOf(kind, node);
        if (view?.checkOption) {
          report({
            message:
              `View "${qualifiedName(view.view)}" is created WITH ${view.checkOption} CHECK OPTION: it ` +
              `validates writes through the view, which is business logic, and views must be read-only ` +
              `projections.`,
            help: 'Drop the CHECK OPTION and validate in the application or on the base table.',
            span: checkOptionSpan(migration.source, statement),
          });
          continue;
        }
        const altered = alterViewCheckOptionOf(kind, node);
        if (altered) {
          report({
            message:
              `ALTER VIEW "${qualifiedName(altered.view)}" sets check_option = ` +
              `${altered.option.toLowerCase()}: it validates writes through the view, and views must be ` +
              `read-only projections.`,
            help: 'Leave check_option unset and validate in the application or on the base table.',
            span: checkOptionSpan(migration.source, statement),
          });
          continue;
        }
        const rule = ruleOf(kind, node);
        if (rule && isView(qualifiedName(rule.relation))) {
          report({
            message:
              `Rule "${rule.rule}" on view "${qualifiedName(rule.relation)}" ${rule.instead ? 'replaces' : 'adds to'} ` +
              `${rule.event} on the view with hidden writes, and views must be read-only projections.`,
            help: 'Drop the rule and write to the base tables.',
            span: nameSpan(statement, rule.location, rule.relation.name),
          });
          continue;
        }
        const trigger = insteadOfTriggerOf(kind, node);
        if (trigger) {
          report({
            message:
              `INSTEAD OF trigger "${trigger.trigger}" makes view "${qualifiedName(trigger.relation)}" ` +
              `writable through hidden logic, and views must be read-only projections.`,
            help: 'Drop the trigger and write to the base tables.',
            span: insteadSpan(migration.source, statement),
          });
        }
      }
    }
  },
});

/** The `WITH … CHECK OPTION` / `check_option` words in the statement's source, else the statement. */
function checkOptionSpan(source: string, statement: SqlStatement): Span {
  return spanOfPattern(source, statement, /with\s+(local\s+|cascaded\s+)?check\s+option|check_option\s*=\s*\w+/i);
}

function insteadSpan(source: string, statement: SqlStatement): Span {
  return spanOfPattern(source, statement, /instead\s+of/i);
}

function spanOfPattern(source: string, statement: SqlStatement, pattern: RegExp): Span {
  const text = source.slice(statement.span.start, statement.span.end);
  const match = pattern.exec(text);
  return match
    ? { start: statement.span.start + match.index, end: statement.span.start + match.index + match[0].length }
    : statement.span;
}
