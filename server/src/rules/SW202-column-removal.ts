import {
  columnNameOf,
  createdEarlier,
  isNewInRevision,
  sqlChangesOf,
  sqlFragmentSpan,
  sqlName,
} from '../analysis/opFacts';
import { defineRule } from './types';

const HELP =
  'Record the deprecation window and the data-handling plan in a decision record ' +
  '(docs/decisions/), then waive with # schema-warden: allow SW202 decision=NNNN.';

export default defineRule({
  meta: {
    id: 'SW202',
    name: 'column-removal',
    severity: 'error',
    scope: 'revision',
    policySection: 'Schema Evolution Boundaries',
    policyClause:
      'Columns, constraints, and indexes must include rationale in migration descriptions; ' +
      'removal of columns requires a deprecation window and explicit data handling plan.',
    docs: {
      summary:
        'Removing a column in an upgrade needs a deprecation window and a data-handling plan, recorded in a decision record.',
      whatItDoes:
        'Reports `op.drop_column(...)`, `batch_op.drop_column(...)` and SQL `ALTER TABLE … DROP ' +
        'COLUMN` in `upgrade()`. A column added earlier in the same upgrade, or a column of a table ' +
        'created in it, holds no data yet and is not reported; nor is anything in `downgrade()`, ' +
        "where dropping a column usually undoes the upgrade's `add_column`.",
      whyBad:
        'The running application may still read or write the column until the deploy completes, and ' +
        'its values are gone for good once it is dropped. The policy asks for a deprecation window ' +
        '(the application stops using the column in an earlier release) and an explicit plan for ' +
        'the data (archive, migrate, or accept the loss).',
      bad: 'def upgrade():\n    op.drop_column("account", "legacy_code")',
      good:
        'def upgrade():\n    # Decision 0007: legacy_code unused since release 4.2; values archived ' +
        'to account_legacy_code.\n    # schema-warden: allow SW202 ' +
        'decision=0007\n    op.drop_column("account", "legacy_code")',
      howToFix:
        `Stop reading and writing the column in a release first, decide what happens to its data, ` +
        `write that down as a decision record (\`schema-warden decision new --rule SW202\`), and ` +
        `waive the finding with \`# schema-warden: allow SW202 decision=NNNN\` on or above the ` +
        `line.`,
      fixSafety: 'none',
      notes:
        'SW202 owns every column removal (`drop_column`, SQL `DROP COLUMN`); SW104 ' +
        'destructive-operation owns the other destructive changes (`drop_table`, `DROP TABLE`/`DROP ' +
        'SCHEMA`, `TRUNCATE`, `DELETE` without `WHERE`, lossy type changes), so one drop is never ' +
        'reported twice.',
    },
  },
  check({ migration, report }) {
    for (const op of migration.operations) {
      if (op.section !== 'upgrade') continue;
      if (op.isAlembicOp && op.name === 'drop_column') {
        const column = columnNameOf(op);
        if (isNewInRevision(createdEarlier(migration, op), op.table, column)) continue;
        const where = op.table && column ? `"${op.table}.${column}"` : 'a column';
        const argument = op.args.column_name ?? op.call.args[0];
        report({
          message: `Dropping column ${where} destroys its data, which needs a deprecation window and a data-handling plan.`,
          help: HELP,
          span: argument?.span ?? op.call.calleeSpan,
        });
      }
      for (const { change, span, statement } of sqlChangesOf(op, migration.source)) {
        if (change.action !== 'drop' || change.kind !== 'column') continue;
        if (isNewInRevision(createdEarlier(migration, op), change.table, change.name)) continue;
        report({
          message:
            `DROP COLUMN ${change.table ? `"${change.table}.${change.name}"` : `"${change.name}"`} ` +
            `destroys its data, which needs a deprecation window and a data-handling plan.`,
          help: HELP,
          span:
            sqlFragmentSpan(
              migration,
              op,
              statement,
              new RegExp(`DROP\\s+(COLUMN\\s+)?(IF\\s+EXISTS\\s+)?${sqlName(change.name)}`, 'i'),
            ) ?? span,
        });
      }
    }
  },
});
