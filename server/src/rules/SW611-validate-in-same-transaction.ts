import { boolValue, stringValue } from '../model/migration';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { findInStatement } from '../analysis/statements';
import { upgradeTransactions } from './util/transactions';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW611',
    name: 'validate-in-same-transaction',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'A constraint added NOT VALID is validated after a commit, not in the same transaction.',
      whatItDoes:
        'Reports `ALTER TABLE … VALIDATE CONSTRAINT c` when the same transaction added `c` NOT ' +
        'VALID (`postgresql_not_valid=True`, or SQL `NOT VALID`): the same upgrade with no ' +
        '`autocommit_block()` or COMMIT between them.',
      whyBad:
        'NOT VALID exists so that the strong lock of ADD CONSTRAINT (ACCESS EXCLUSIVE for a CHECK, ' +
        'SHARE ROW EXCLUSIVE on both tables for a foreign key) is held only for a moment, and the ' +
        'long scan runs later under a weaker lock. Locks last until the transaction commits: ' +
        'validating in the same transaction scans the whole table while the strong lock is still ' +
        'held, which is what NOT VALID was meant to avoid.',
      bad:
        'def upgrade():\n    op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ' +
        '["customer_id"], ["id"], postgresql_not_valid=True)\n    op.execute("ALTER TABLE invoice ' +
        'VALIDATE CONSTRAINT fk_invoice_customer")',
      good:
        'def upgrade():\n    op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ' +
        '["customer_id"], ["id"], postgresql_not_valid=True)\n    with ' +
        'op.get_context().autocommit_block():\n        op.execute("ALTER TABLE invoice VALIDATE ' +
        'CONSTRAINT fk_invoice_customer")',
      howToFix:
        'Move the VALIDATE CONSTRAINT to a later revision, or into `with op.get_context().autocommit_block():`, which commits the ADD first.',
      fixSafety: 'none',
      notes:
        'Constraints on tables created in the same revision need neither NOT VALID nor a separate ' +
        'validation. SW602 asks for the NOT VALID and the validation; this rule asks that they are ' +
        'not in one transaction.',
    },
  },
  check({ migration, report }) {
    let transaction = -1;
    let addedNotValid = new Map<string, number>();
    for (const step of upgradeTransactions(migration)) {
      if (step.transaction !== transaction) {
        transaction = step.transaction;
        addedNotValid = new Map();
      }
      const { op, statement } = step;
      const line = migration.lines.positionAt(step.span.start).line + 1;
      if (!statement) {
        const name = stringValue(op.args.constraint_name);
        if (name && boolValue(op.args.postgresql_not_valid) === true) addedNotValid.set(name, line);
        continue;
      }
      const fact = ddlFactOf(statement.kind, statement.parsed.node);
      if (fact.kind !== 'alter-table') continue;
      for (const command of fact.commands) {
        const c = command.constraint;
        if (command.subtype === 'AddConstraint' && c?.notValid && c.name) addedNotValid.set(c.name, line);
        if (command.subtype !== 'ValidateConstraint' || !command.name) continue;
        const added = addedNotValid.get(command.name);
        if (added === undefined) continue;
        report({
          message:
            `Constraint "${command.name}" is validated in the same transaction that added it NOT VALID ` +
            `(line ${added}), so its scan runs while the ADD's strong lock is still held.`,
          help: `Validate it after a commit: in a later revision or an autocommit_block().`,
          span: findInStatement(migration, statement, /VALIDATE\s+CONSTRAINT/i) ?? step.span,
        });
      }
    }
  },
});
