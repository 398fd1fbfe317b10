import { ddlFactOf } from '../parse/facts/schemaDdl';
import { qualifiedName } from '../parse/facts/views';
import { findInStatement } from '../analysis/statements';
import { operationTable, revisionTables, upgradeOperations } from './util/revisionTables';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW612',
    name: 'add-column-with-check',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'A column added to an existing table does not carry its CHECK constraint inline.',
      whatItDoes:
        'Reports SQL `ALTER TABLE … ADD COLUMN … CHECK (…)` and `op.add_column` with an ' +
        '`sa.CheckConstraint(…)` in the column, on a table the revision did not create.',
      whyBad:
        'The inline CHECK is validated against every existing row while ADD COLUMN holds ACCESS ' +
        'EXCLUSIVE: no read or write of the table runs until the scan ends. An inline constraint ' +
        'cannot be added NOT VALID.',
      bad: 'def upgrade():\n    op.execute("ALTER TABLE invoice ADD COLUMN discount integer CHECK (discount >= 0)")',
      good:
        'def upgrade():\n    op.execute("ALTER TABLE invoice ADD COLUMN discount ' +
        'integer")\n    op.execute("ALTER TABLE invoice ADD CONSTRAINT ck_invoice_discount CHECK ' +
        '(discount >= 0) NOT VALID")\n    # later revision: ALTER TABLE invoice VALIDATE CONSTRAINT ' +
        'ck_invoice_discount',
      howToFix:
        'Add the column without the CHECK, then add the constraint NOT VALID as its own statement and VALIDATE CONSTRAINT it after a commit.',
      fixSafety: 'none',
      notes: 'Tables created by the same revision are empty: not reported.',
    },
  },
  check({ migration, project, report }) {
    const tables = revisionTables(project, migration);
    const message = (table: string, column: string | undefined): string =>
      `ADD COLUMN${column ? ` "${column}"` : ''} with an inline CHECK on existing table "` +
      `${table}" validates every row under ACCESS EXCLUSIVE, blocking reads and writes.`;
    const help = 'Add the column alone, then add the CHECK NOT VALID and validate it after a commit.';
    for (const op of upgradeOperations(migration)) {
      if (op.isAlembicOp && op.name === 'add_column') {
        const table = operationTable(op);
        const column = op.columns[0];
        const check = column?.call.args.find((a) => a.kind === 'call' && a.call.method === 'CheckConstraint');
        if (table && column && check && tables.isExisting(table))
          report({ message: message(table, column.name), help, span: check.span });
      }
      for (const statement of op.sql?.statements ?? []) {
        const fact = ddlFactOf(statement.kind, statement.parsed.node);
        if (fact.kind !== 'alter-table' || fact.objectType !== 'TABLE') continue;
        const table = qualifiedName(fact.table);
        if (!tables.isExisting(table)) continue;
        for (const command of fact.commands) {
          if (command.subtype !== 'AddColumn' || !command.newColumn?.constraints.some((c) => c.type === 'CHECK'))
            continue;
          report({
            message: message(table, command.newColumn.name),
            help,
            span: findInStatement(migration, statement, /\bCHECK\b/i) ?? statement.span,
          });
        }
      }
    }
  },
});
