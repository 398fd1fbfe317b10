import { alterColumnTypeChange, sqlTypeChange } from '../analysis/columnTypeChanges';
import { createdEarlier, isNewInRevision, sqlChangesOf, sqlFragmentSpan, sqlName } from '../analysis/opFacts';
import { columnDefinition, historyBefore } from '../analysis/schemaHistory';
import { boolValue, callKeyword, stringValue, type MigrationModel, type Operation } from '../model/migration';
import type { ProjectModel } from '../model/project';
import { schemaBefore, tableKey } from '../model/schema';
import { typeLabel } from '../model/schema/types';
import type { ObjectChange } from '../parse/facts/objectChanges';
import { defineRule, type FindingInput } from './types';

const ROLLOUT =
  'Roll it out in stages (expand/contract: add the new shape, keep both working, switch the ' +
  'application, remove the old shape later), record the decision under docs/decisions/ and ' +
  'waive with # schema-warden: allow SW105 decision=NNNN.';
const DEFAULT_FIRST = `Backfill and give it a server default first. ${ROLLOUT}`;

/** "account.email", or "email" when the table is not known: never a placeholder. */
function columnLabel(table: string | undefined, column: string | undefined): string {
  if (!column) return table ? `a column of "${table}"` : 'the column';
  return table ? `"${table}.${column}"` : `"${column}"`;
}

export default defineRule({
  meta: {
    id: 'SW105',
    name: 'backward-compatible-change',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary:
        'Changes that break the application still running during the deploy need a staged (expand/contract) rollout and a decision record.',
      whatItDoes:
        'Reports, in `upgrade()`: renaming a table or column (`op.rename_table`, ' +
        '`alter_column(new_column_name=…)`, SQL `ALTER TABLE … RENAME`); making an existing column ' +
        'NOT NULL without a server default (`alter_column(nullable=False)`, SQL `SET NOT NULL`), or ' +
        'adding a NOT NULL column without one (`add_column`, SQL `ADD COLUMN … NOT NULL`); changing ' +
        "a column's type (`alter_column(type_=…)`, SQL `ALTER COLUMN … TYPE`); and dropping a " +
        'server default (`alter_column(server_default=None)`, SQL `DROP DEFAULT`). Tables and ' +
        'columns created earlier in the same upgrade are new to everyone and are not reported.',
      whyBad:
        'While a deploy is in progress, the old application version keeps running against the new ' +
        'schema: it still uses the old table and column names, still inserts rows without the newly ' +
        'required column, still relies on the default that was dropped, and still binds values of ' +
        'the old type. Each of these is an outage unless the change is rolled out in stages.',
      bad: 'def upgrade():\n    op.alter_column("account", "name", new_column_name="full_name")\n    op.alter_column("account", "email", nullable=False)',
      good:
        '# Expand: add the new column; the application writes both for one release.\ndef ' +
        'upgrade():\n    op.add_column("account", sa.Column("full_name", sa.Text(), nullable=True, ' +
        'comment="replaces name"))\n    op.alter_column("account", "email", nullable=False, ' +
        'server_default="")',
      howToFix:
        'Split the change: expand (add the new name or column, keep the old one working), migrate ' +
        'the application and backfill, then contract (remove the old shape) in a later revision. ' +
        'Record the plan as a decision (`schema-warden decision new --rule SW105`) and waive the ' +
        'finding with `# schema-warden: allow SW105 decision=NNNN`.',
      fixSafety: 'none',
      notes:
        "A type change that can lose data is SW104 destructive-operation's (an error), so it is not " +
        'reported here too; widening a type within its family (varchar(50) → varchar(255) or text, ' +
        'int4 → int8, more numeric digits) is invisible to the application and not reported. NOT ' +
        'NULL is fine when the column has a server default: given in the same `alter_column`, as ' +
        '`existing_server_default=`, or known from the revision history.',
    },
  },
  check({ migration, project, report }) {
    for (const op of migration.operations) {
      if (op.section !== 'upgrade') continue;
      const created = createdEarlier(migration, op);
      if (op.isAlembicOp) checkOperation(migration, project, op, created, report);
      for (const { change, span, statement } of sqlChangesOf(op, migration.source)) {
        const sameStatement = (): ObjectChange[] =>
          sqlChangesOf(op, migration.source)
            .filter((c) => c.statement === statement)
            .map((c) => c.change);
        const fragment = (pattern: string): typeof span =>
          sqlFragmentSpan(migration, op, statement, new RegExp(pattern, 'i')) ?? statement.span;
        switch (change.action) {
          case 'rename':
            if (
              change.kind === 'index' ||
              isNewInRevision(created, change.kind === 'table' ? change.from : change.table)
            )
              break;
            report({
              message:
                `Renaming ${change.kind} "${change.kind === 'column' && change.table ? `${change.table}.` : ''}` +
                `${change.from}" to "${change.to}" breaks the running application, which still uses "` +
                `${change.from}".`,
              help: ROLLOUT,
              span: fragment(`RENAME\\s+(COLUMN\\s+)?(${sqlName(change.from)}\\s+)?TO\\s+${sqlName(change.to)}`),
            });
            break;
          case 'set-not-null': {
            if (isNewInRevision(created, change.table, change.column)) break;
            if (alreadyNotNull(migration, project, change.table, change.column)) break;
            const defaulted =
              sameStatement().some((c) => c.action === 'set-default' && c.column === change.column) ||
              historyDefault(migration, project, op, change.table, change.column);
            if (!defaulted)
              report({
                message: notNullMessage(change.table, change.column),
                help: DEFAULT_FIRST,
                span: fragment(`ALTER\\s+(COLUMN\\s+)?${sqlName(change.column)}\\s+SET\\s+NOT\\s+NULL`),
              });
            break;
          }
          case 'add-column':
            if (change.notNull && !change.hasDefault && !isNewInRevision(created, change.table)) {
              report({
                message:
                  `Adding NOT NULL column ${columnLabel(change.table, change.column)} without a default ` +
                  `breaks inserts of the running application (and fails on a table with rows).`,
                help: `Add it nullable or with a server default first. ${ROLLOUT}`,
                span,
              });
            }
            break;
          case 'alter-type': {
            if (isNewInRevision(created, change.table, change.column)) break;
            const typeChange = sqlTypeChange(migration, project, op, change.table, change.column, change.type);
            if (typeChange.change.verdict === 'conversion' && typeChange.from && typeChange.to) {
              report({
                help: ROLLOUT,
                message: typeMessage(
                  change.table,
                  change.column,
                  typeLabel(typeChange.from),
                  typeLabel(typeChange.to),
                  typeChange.change.reason,
                ),
                span: fragment(
                  `ALTER\\s+(COLUMN\\s+)?${sqlName(change.column)}\\s+(SET\\s+DATA\\s+)?TYPE\\s+[\\w.]+(\\s+(varying|precision))?(\\s*\\([\\d,\\s]*\\))?`,
                ),
              });
            }
            break;
          }
          case 'drop-default':
            if (isNewInRevision(created, change.table, change.column)) break;
            report({
              message: dropDefaultMessage(change.table, change.column),
              help: ROLLOUT,
              span: fragment(`ALTER\\s+(COLUMN\\s+)?${sqlName(change.column)}\\s+DROP\\s+DEFAULT`),
            });
            break;
          default:
            break;
        }
      }
    }
  },
});

type Report = (finding: FindingInput) => void;

function checkOperation(
  migration: MigrationModel,
  project: ProjectModel,
  op: Operation,
  created: ReturnType<typeof createdEarlier>,
  report: Report,
): void {
  const keyword = (name: string) => op.call.keywords.find((k) => k.name === name);
  if (op.name === 'rename_table') {
    const from = stringValue(op.args.old_table_name);
    const newName = stringValue(op.args.new_table_name);
    if (isNewInRevision(created, from)) return;
    report({
      message: from
        ? `Renaming table "${from}"${newName ? ` to "${newName}"` : ''} breaks the running application, which still uses "${from}".`
        : 'Renaming a table breaks the running application, which still uses the old name.',
      help: ROLLOUT,
      span: op.range.start.line === op.range.end.line ? op.call.span : op.call.calleeSpan,
    });
    return;
  }
  if (op.name === 'add_column') {
    const column = op.columns[0];
    if (!column || column.nullable !== false || isNewInRevision(created, op.table) || column.primaryKey) return;
    const generated = column.call.args.some(
      (a) => a.kind === 'call' && /^(Identity|Computed|Sequence)$/.test(a.call.method),
    );
    if (hasDefault(column.serverDefault) || generated) return;
    const nullable = column.call.keywords.find((k) => k.name === 'nullable');
    report({
      message:
        `Adding NOT NULL column ${columnLabel(op.table, column.name)} without a server default ` +
        `breaks inserts of the running application (and fails on a table with rows).`,
      help: `Add it nullable or with server_default= first. ${ROLLOUT}`,
      span: nullable?.span ?? column.span,
    });
    return;
  }
  if (op.name !== 'alter_column') return;
  const column = stringValue(op.args.column_name);
  if (isNewInRevision(created, op.table, column)) return;
  const rename = keyword('new_column_name');
  if (rename) {
    report({
      message:
        `Renaming column ${columnLabel(op.table, column)}${stringValue(rename.value) ? ` to "${stringValue(rename.value)}"` : ''} ` +
        `breaks the running application, which still uses the old name.`,
      help: ROLLOUT,
      span: rename.span,
    });
  }
  const nullable = keyword('nullable');
  if (
    nullable &&
    boolValue(nullable.value) === false &&
    boolValue(callKeyword(op.call, 'existing_nullable')) !== false &&
    !alreadyNotNull(migration, project, op.table, column, op.schema)
  ) {
    const defaulted =
      hasDefault(callKeyword(op.call, 'server_default')) ||
      hasDefault(callKeyword(op.call, 'existing_server_default')) ||
      (callKeyword(op.call, 'existing_server_default') === undefined &&
        historyDefault(migration, project, op, op.table, column));
    if (!defaulted) report({ message: notNullMessage(op.table, column), help: DEFAULT_FIRST, span: nullable.span });
  }
  const typeKeyword = keyword('type_');
  if (typeKeyword) {
    const typeChange = alterColumnTypeChange(migration, project, op);
    if (typeChange?.change.verdict === 'conversion' && typeChange.from && typeChange.to) {
      report({
        help: ROLLOUT,
        message: typeMessage(
          op.table,
          column,
          typeLabel(typeChange.from),
          typeLabel(typeChange.to),
          typeChange.change.reason,
        ),
        span: typeKeyword.span,
      });
    }
  }
  const serverDefault = keyword('server_default');
  if (
    serverDefault &&
    serverDefault.value.kind === 'none' &&
    !(callKeyword(op.call, 'existing_server_default')?.kind === 'none')
  ) {
    report({ message: dropDefaultMessage(op.table, column), help: ROLLOUT, span: serverDefault.span });
  }
}

/**
 * Restated nullability: the history already made the column NOT NULL (declared so, a primary key,
 * or an earlier change), so `nullable=False` changes nothing the running application sees.
 */
function alreadyNotNull(
  migration: MigrationModel,
  project: ProjectModel,
  table: string | undefined,
  column: string | undefined,
  schema?: string,
): boolean {
  if (!table || !column) return false;
  const columns = schemaBefore(project, migration).tables.get(tableKey(table, schema))?.columns;
  const known = columns?.get(column) ?? columns?.get(column.toLowerCase());
  return known !== undefined && (known.nullable === false || known.primaryKey);
}

function hasDefault(value: ReturnType<typeof callKeyword>): boolean {
  return value !== undefined && value.kind !== 'none';
}

/** Does the column's definition in the history give it a server default? */
function historyDefault(
  migration: MigrationModel,
  project: ProjectModel,
  op: Operation,
  table: string | undefined,
  column: string | undefined,
): boolean {
  if (!table || !column) return false;
  const definition = columnDefinition(historyBefore(project, migration, op), table, column);
  return definition.known && hasDefault(definition.value.serverDefault);
}

function notNullMessage(table: string | undefined, column: string | undefined): string {
  return `Making ${columnLabel(table, column)} NOT NULL without a server default breaks the running application wherever it still inserts rows without it.`;
}

function typeMessage(
  table: string | undefined,
  column: string | undefined,
  from: string,
  to: string,
  reason: string,
): string {
  return `Changing the type of ${columnLabel(table, column)} (${from} → ${to}) changes what the running application reads and binds: ${reason}.`;
}

function dropDefaultMessage(table: string | undefined, column: string | undefined): string {
  return `Dropping the server default of ${columnLabel(table, column)} breaks the running application wherever it relies on the default when inserting.`;
}
