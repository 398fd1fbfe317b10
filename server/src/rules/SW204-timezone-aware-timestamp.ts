import type { MigrationModel, PyValue, SqlStatement, TypeRef } from '../model/migration';
import type { Span } from '../model/source';
import { columnDefaultFacts } from '../parse/facts/defaults';
import { columnFacts, type ColumnFact } from '../parse/sqlFacts';
import { isUtcZone, pyTimestampZone, pyTypeRef, sqlTimestampZone, upgradeOps } from './util/columnTypes';
import { analysePyDefault, sqlDefaultExpressionSpan } from './util/defaultExpr';
import { addKeywordArgument } from './util/pythonEdits';
import { exactSpan, indexOfLocation, spanOfRange, sqlBlockText, type SourceText } from '../analysis/sqlSource';
import { defineRule, type Fix, type TextEdit } from './types';

const FIX_TITLE = 'Make the column timezone-aware (timestamptz)';
const FIX_TITLE_WITH_DEFAULT = 'Make the column timezone-aware (timestamptz) and default to now()';

export default defineRule({
  meta: {
    id: 'SW204',
    name: 'timezone-aware-timestamp',
    severity: 'error',
    scope: 'revision',
    policySection: 'Schema Evolution Boundaries',
    policyClause:
      'Default values must be deterministic and avoid server-side randomization; timezone handling must remain explicit (UTC only).',
    docs: {
      summary: 'Timestamp columns must be `timestamptz` (`timezone=True`).',
      whatItDoes:
        'Reports timestamp columns created or retyped by the upgrade without a time zone: ' +
        '`sa.DateTime()`, `sa.DateTime`, `sa.TIMESTAMP()`, `postgresql.TIMESTAMP()` without ' +
        '`timezone=True` (or with `timezone=False`) in `create_table`, `add_column` and ' +
        '`alter_column(type_=…)`, also inside `batch_alter_table` and helper functions; and SQL ' +
        '`timestamp` / `timestamp without time zone` in CREATE TABLE, ALTER TABLE ADD COLUMN and ' +
        'ALTER COLUMN … TYPE.',
      whyBad:
        'A `timestamp without time zone` stores a wall-clock reading with no zone: what instant it ' +
        "means depends on whoever wrote it and on the session's `TimeZone`. The policy asks for " +
        'explicit time-zone handling, UTC only; `timestamptz` stores an absolute instant (kept as ' +
        'UTC) whatever the session zone.',
      bad:
        'def upgrade():\n    op.add_column("invoice", sa.Column("paid_at", sa.DateTime(), ' +
        'nullable=True, comment="when payment cleared"))\n    op.execute("ALTER TABLE invoice ADD ' +
        'COLUMN sent_at timestamp(3)")',
      good:
        'def upgrade():\n    op.add_column("invoice", sa.Column("paid_at", ' +
        'sa.DateTime(timezone=True), nullable=True, comment="when payment ' +
        'cleared"))\n    op.execute("ALTER TABLE invoice ADD COLUMN sent_at timestamptz(3)")',
      howToFix:
        'Write `timezone=True` on the SQLAlchemy type, or `timestamptz` in SQL (precision kept: ' +
        "`timestamp(3)` becomes `timestamptz(3)`). The quick fix does either. If the column's " +
        "default is `timezone('utc', now())` (a UTC wall-clock reading, right for a naive column), " +
        'the fix also changes it to `now()`: on a `timestamptz` column the naive UTC reading would ' +
        'be reinterpreted in the session zone (see SW205).',
      fixSafety: 'unsafe',
      notes:
        'Only the upgrade is checked: a downgrade that restores a naive column undoes this revision ' +
        'and is expected. `existing_type=` describes the column as it is and is not reported. SQL ' +
        'is fixed only where the type is written literally in the Python string (no escape or ' +
        'string boundary inside it); otherwise the finding comes without a fix rather than with a ' +
        'wrong one. The fix changes the schema the revision creates, so it is offered in the editor ' +
        'only and not applied by `--fix`.',
    },
  },
  check({ migration, report }) {
    for (const op of upgradeOps(migration)) {
      for (const column of op.columns) {
        if (column.type && pyTimestampZone(column.type) === 'naive')
          reportPython(migration, column.type, column.name, column.serverDefault, report);
      }
      if (op.name === 'alter_column') {
        const type = pyTypeRef(op.args.type_);
        const name = op.args.column_name;
        if (type && pyTimestampZone(type) === 'naive')
          reportPython(
            migration,
            type,
            name?.kind === 'string' ? name.value : undefined,
            op.args.server_default,
            report,
          );
      }
      const text = op.sql ? sqlBlockText(migration, op.sql) : undefined;
      for (const statement of op.sql?.statements ?? []) {
        for (const fact of columnFacts(statement.kind, statement.parsed.node)) {
          if (fact.via !== 'create-table' && fact.via !== 'add-column' && fact.via !== 'alter-type') continue;
          if (sqlTimestampZone(fact.type) !== 'naive' || !fact.type) continue;
          reportSql(migration, statement, text, fact, report);
        }
      }
    }
  },
});

type Report = (finding: { message: string; help?: string; span: Span; fixes?: Fix[] }) => void;

function reportPython(
  migration: MigrationModel,
  type: TypeRef,
  column: string | undefined,
  serverDefault: PyValue | undefined,
  report: Report,
): void {
  const edits: TextEdit[] = [timezoneEdit(type)];
  const defaultEdit = serverDefault ? utcDefaultToNow(serverDefault) : undefined;
  if (defaultEdit) edits.push(defaultEdit);
  const what = column ? `Column "${column}"` : 'This column';
  report({
    message:
      `${what} is ${shortText(migration.source.slice(type.span.start, type.span.end))} without a ` +
      `time zone, so it stores wall-clock readings, not instants; the policy allows UTC-explicit ` +
      `time handling only.`,
    help: 'Write timezone=True (timestamptz) and keep now() as its default.',
    span: type.span,
    fixes: [{ title: defaultEdit ? FIX_TITLE_WITH_DEFAULT : FIX_TITLE, edits, safe: false }],
  });
}

function shortText(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 40 ? `${flat.slice(0, 37)}…` : flat;
}

/** `sa.DateTime` → `sa.DateTime(timezone=True)`, `timezone=False` → `timezone=True`, `DateTime(False)` → `DateTime(True)`. */
function timezoneEdit(type: TypeRef): TextEdit {
  const call = type.call;
  if (!call) return { span: { start: type.span.end, end: type.span.end }, newText: '(timezone=True)' };
  const keyword = call.keywords.find((k) => k.name === 'timezone');
  if (keyword) return { span: keyword.value.span, newText: 'True' };
  if (call.args[0]?.kind === 'bool') return { span: call.args[0].span, newText: 'True' };
  return addKeywordArgument(call, 'timezone', 'True');
}

/** A default of `timezone('utc', now())` rewritten to `now()`, in the style it was written in. */
function utcDefaultToNow(value: PyValue): TextEdit | undefined {
  const analysis = analysePyDefault(value);
  if (
    !analysis ||
    analysis.shape.kind !== 'zoned' ||
    !analysis.shape.innerIsNow ||
    !isUtcZone(analysis.shape.zone) ||
    value.kind !== 'call'
  )
    return undefined;
  const { call } = value;
  if (/(^|\.)func\.timezone$/.test(call.callee)) return { span: value.span, newText: `${call.receiver}.now()` };
  const arg = call.args[0];
  return arg?.kind === 'string' ? { span: arg.span, newText: '"now()"' } : undefined;
}

const SQL_TIMESTAMP = /^(?:pg_catalog\.)?(timestamp)(\s*\(\s*(\d+)\s*\))?(\s+without\s+time\s+zone)?(?![\w$])/i;

function reportSql(
  migration: MigrationModel,
  statement: SqlStatement,
  text: SourceText | undefined,
  fact: ColumnFact,
  report: Report,
): void {
  const type = fact.type as NonNullable<ColumnFact['type']>;
  const start = indexOfLocation(statement, type.location);
  const match = text ? SQL_TIMESTAMP.exec(text.value.slice(start)) : null;
  const span = text && match ? spanOfRange(text, start, start + match[0].length) : statement.locate(type.location);
  const fix = text && match ? sqlFix(migration, statement, text, fact, start, match) : undefined;
  report({
    message:
      `Column "${fact.column}" is timestamp (without time zone), so it stores wall-clock ` +
      `readings, not instants; the policy allows UTC-explicit time handling only.`,
    help: 'Write timestamptz and keep now() as its default.',
    span,
    fixes: fix ? [fix] : [],
  });
}

function sqlFix(
  migration: MigrationModel,
  statement: SqlStatement,
  text: SourceText,
  fact: ColumnFact,
  start: number,
  match: RegExpExecArray,
): Fix | undefined {
  const typeSpan = exactSpan(migration.source, text, start, start + match[0].length);
  if (!typeSpan) return undefined;
  const upper = match[1] === match[1].toUpperCase();
  const edits: TextEdit[] = [
    { span: typeSpan, newText: `${upper ? 'TIMESTAMPTZ' : 'timestamptz'}${match[3] ? `(${match[3]})` : ''}` },
  ];
  // A UTC wall-clock default would be reinterpreted in the session zone once the column has a zone.
  const defaults = columnDefaultFacts(statement.kind, statement.parsed.node).filter(
    (d) => d.column === fact.column && d.via !== 'set-default',
  );
  const shape = defaults[0]?.default.shape;
  if (shape?.kind === 'zoned' && shape.innerIsNow && isUtcZone(shape.zone)) {
    const exprSpan = sqlDefaultExpressionSpan(migration.source, statement, text, defaults[0].location);
    if (!exprSpan) return undefined;
    edits.push({ span: exprSpan, newText: 'now()' });
    return { title: FIX_TITLE_WITH_DEFAULT, edits, safe: false };
  }
  return { title: FIX_TITLE, edits, safe: false };
}
