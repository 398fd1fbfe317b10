import { alterColumnTypeChange, sqlTypeChange } from '../analysis/columnTypeChanges';
import { createdEarlier, isNewInRevision, sqlChangesOf, sqlFragmentSpan, sqlName } from '../analysis/opFacts';
import { typeLabel } from '../model/schema/types';
import { callKeyword } from '../model/migration';
import { defineRule } from './types';

const REMEDY =
  'Add safeguards (a backup or archive, a checked row count), record the decision under ' +
  'docs/decisions/, and waive with # schema-warden: allow SW104 decision=NNNN.';

export default defineRule({
  meta: {
    id: 'SW104',
    name: 'destructive-operation',
    severity: 'error',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Migrations must be idempotent within their revision scope and avoid destructive operations without explicit safeguards.',
    docs: {
      summary:
        'An upgrade that destroys data (drops a table or schema, empties a table, narrows a column type) needs safeguards and a decision record.',
      whatItDoes:
        'Reports, in `upgrade()` only: `op.drop_table(...)`; SQL `DROP TABLE` and `DROP SCHEMA`; ' +
        '`TRUNCATE`; `DELETE` without `WHERE`; and column type changes that can lose data — ' +
        '`alter_column(type_=…)` and SQL `ALTER COLUMN … TYPE` to a shorter string, `text` to ' +
        '`varchar(n)`, a numeric to an integer, a bigger integer to a smaller one, fewer numeric ' +
        'digits, a timestamp to a date, text to anything else. The previous type is read from ' +
        '`existing_type=`, or from the revision history; when it is unknown the finding says so. A ' +
        'table created earlier in the same upgrade holds no data yet and is not reported.',
      whyBad:
        'Dropped or truncated data cannot be brought back by `downgrade()`, and a narrowing type ' +
        'change either fails on existing rows or silently truncates and rounds them. The policy ' +
        'asks for explicit safeguards and a documented decision before data is destroyed.',
      bad: 'def upgrade():\n    op.drop_table("legacy_invoice")\n    op.alter_column("account", "code", type_=sa.String(8), existing_type=sa.String(32))',
      good:
        'def upgrade():\n    log.info("archiving legacy_invoice before dropping it (decision ' +
        '0012)")\n    op.execute("CREATE TABLE archive.legacy_invoice AS TABLE ' +
        'legacy_invoice")\n    # schema-warden: allow SW104 ' +
        'decision=0012\n    op.drop_table("legacy_invoice")',
      howToFix:
        'Make the data loss deliberate: archive or back up what is destroyed, log what happens, and ' +
        'record the decision (`schema-warden decision new --rule SW104`); then waive the finding ' +
        'with `# schema-warden: allow SW104 decision=NNNN` on or above the line. For a type change, ' +
        'consider a new column and a backfill instead.',
      fixSafety: 'none',
      notes:
        "Drops in `downgrade()` are never reported: they undo what the same revision's upgrade " +
        'created. Column removal (`drop_column`, SQL `DROP COLUMN`) belongs to SW202 ' +
        'column-removal, so one drop is never reported by both rules. Lossless type changes the ' +
        'application may still notice (int → text, timestamp → timestamptz) are SW105 ' +
        "backward-compatible-change's.",
    },
  },
  check({ migration, project, report }) {
    for (const op of migration.operations) {
      if (op.section !== 'upgrade') continue;
      if (op.isAlembicOp && op.name === 'drop_table') {
        if (isNewInRevision(createdEarlier(migration, op), op.table)) continue;
        const what = op.table ? `table "${op.table}"` : 'the table';
        const oneLine = op.range.start.line === op.range.end.line;
        report({
          message: `${op.call.callee} destroys ${what} and all its rows, which downgrade() cannot bring back.`,
          help: REMEDY,
          span: oneLine ? op.call.span : op.call.calleeSpan,
        });
      }
      if (op.isAlembicOp && op.name === 'alter_column') {
        const typeChange = alterColumnTypeChange(migration, project, op);
        if (
          !typeChange ||
          typeChange.foreign ||
          typeChange.change.verdict === 'same' ||
          typeChange.change.verdict === 'widening' ||
          typeChange.change.verdict === 'conversion'
        )
          continue;
        const column =
          op.table && op.args.column_name?.kind === 'string'
            ? `"${op.table}.${op.args.column_name.value}"`
            : 'the column';
        const keyword = op.call.keywords.find((k) => k.name === 'type_');
        report({
          message: typeChangeMessage(
            column,
            typeChange.from ? typeLabel(typeChange.from) : undefined,
            typeChange.to ? typeLabel(typeChange.to) : callKeyword(op.call, 'type_')?.text,
            typeChange.change.verdict,
            typeChange.change.reason,
          ),
          help: TYPE_REMEDY,
          span: keyword?.span ?? op.call.calleeSpan,
        });
      }
      for (const { change, statement } of sqlChangesOf(op, migration.source)) {
        switch (change.action) {
          case 'drop':
            if (change.kind === 'table' && !isNewInRevision(createdEarlier(migration, op), change.name)) {
              report({
                message: `DROP TABLE "${change.name}" destroys the table and all its rows, which downgrade() cannot bring back.`,
                help: REMEDY,
                span: statement.span,
              });
            } else if (change.kind === 'schema') {
              report({
                message: `DROP SCHEMA "${change.name}" destroys the schema and every table in it.`,
                help: REMEDY,
                span: statement.span,
              });
            }
            break;
          case 'truncate':
            report({
              message: `TRUNCATE empties table "${change.table}", which downgrade() cannot undo.`,
              help: REMEDY,
              span: statement.span,
            });
            break;
          case 'delete-all':
            report({
              message: `DELETE without WHERE empties table "${change.table}", which downgrade() cannot undo.`,
              help: REMEDY,
              span: statement.span,
            });
            break;
          case 'alter-type': {
            if (isNewInRevision(createdEarlier(migration, op), change.table, change.column)) break;
            const typeChange = sqlTypeChange(migration, project, op, change.table, change.column, change.type);
            if (
              !typeChange.foreign &&
              (typeChange.change.verdict === 'narrowing' || typeChange.change.verdict === 'unknown')
            ) {
              const column = change.table ? `"${change.table}.${change.column}"` : `"${change.column}"`;
              const clause = sqlFragmentSpan(
                migration,
                op,
                statement,
                new RegExp(
                  `ALTER\\s+(COLUMN\\s+)?${sqlName(change.column)}\\s+(SET\\s+DATA\\s+)?TYPE\\s+[\\w.]+(\\s+(varying|precision))?(\\s*\\([\\d,\\s]*\\))?`,
                  'i',
                ),
              );
              report({
                message: typeChangeMessage(
                  column,
                  typeChange.from ? typeLabel(typeChange.from) : undefined,
                  typeChange.to ? typeLabel(typeChange.to) : undefined,
                  typeChange.change.verdict,
                  typeChange.change.reason,
                ),
                help: TYPE_REMEDY,
                span: clause ?? statement.span,
              });
            }
            break;
          }
          default:
            break;
        }
      }
    }
  },
});

const TYPE_REMEDY = `Prefer a new column and a backfill; if the loss is intended, ${REMEDY.charAt(0).toLowerCase()}${REMEDY.slice(1)}`;

function typeChangeMessage(
  column: string,
  from: string | undefined,
  to: string | undefined,
  verdict: string,
  reason: string,
): string {
  const change = `${from ?? 'its current type'} → ${to ?? 'a new type'}`;
  if (verdict === 'unknown') return `Changing the type of ${column} to ${to ?? 'a new type'} may lose data: ${reason}.`;
  return `Changing the type of ${column} (${change}) can lose data: ${reason}.`;
}
