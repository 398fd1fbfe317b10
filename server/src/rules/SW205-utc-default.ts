import type { MigrationModel, PyValue, SqlStatement, TypeRef } from '../model/migration';
import type { Span } from '../model/source';
import { columnDefaultFacts, type ColumnDefaultFact } from '../parse/facts/defaults';
import {
  isUtcZone,
  key,
  pyTimestampZone,
  pyTypeRef,
  revisionColumnTypes,
  sqlTimestampZone,
  upgradeOps,
  type KnownColumnType,
} from './util/columnTypes';
import {
  analysePyDefault,
  analyseSqlDefault,
  sqlDefaultExpressionSpan,
  within,
  type DefaultAnalysis,
} from './util/defaultExpr';
import { pythonString, sqlalchemyName } from './util/pythonEdits';
import { sqlBlockText, statementHeadSpan, type SourceText } from '../analysis/sqlSource';
import { defineRule, type Fix, type FindingInput } from './types';

const UTC_DEFAULT_SQL = "timezone('utc', now())";
type Zone = 'aware' | 'naive' | undefined;

/** Where a default is written, so that a fix can replace the whole expression in its own style. */
type DefaultSite =
  | { kind: 'python'; value: PyValue }
  | { kind: 'sql'; statement: SqlStatement; text: SourceText | undefined; fact: ColumnDefaultFact };

export default defineRule({
  meta: {
    id: 'SW205',
    name: 'utc-default',
    severity: 'error',
    scope: 'revision',
    policySection: 'Schema Evolution Boundaries',
    policyClause:
      'Default values must be deterministic and avoid server-side randomization; timezone handling must remain explicit (UTC only).',
    docs: {
      summary: 'Time defaults must not depend on the session time zone.',
      whatItDoes:
        'Checks the time defaults the upgrade sets (`server_default=` on `sa.Column` and ' +
        '`alter_column`, SQL `DEFAULT` in CREATE TABLE / ADD COLUMN, `ALTER COLUMN … SET DEFAULT`) ' +
        'against the type of their column. On a timestamp column WITHOUT time zone it reports ' +
        '`now()`, `CURRENT_TIMESTAMP`, `LOCALTIMESTAMP`, `transaction_timestamp()`, ' +
        '`statement_timestamp()`, `clock_timestamp()` and `func.now()`-style defaults. On a ' +
        "`timestamptz` column it reports `timezone('utc', now())` / `now() AT TIME ZONE 'utc'` and " +
        '`LOCALTIMESTAMP`. On any column it reports a conversion to a zone other than UTC (`AT TIME ' +
        "ZONE 'Europe/Paris'`, `timezone(current_setting('TimeZone'), …)`).",
      whyBad:
        "Casting the instant `now()` to a timestamp without time zone uses the session's `TimeZone` " +
        'setting: two application servers, a psql session and a cron job configured differently ' +
        'write different wall-clock values for the same instant. The policy asks for explicit ' +
        'time-zone handling, UTC only.',
      // A naive column with now() is SW204's finding when SW204 runs (one root cause, one finding).
      bad:
        'def upgrade():\n    op.add_column("invoice", sa.Column("created_at", ' +
        'sa.DateTime(timezone=True), server_default=sa.text("timezone(\'utc\', now())"), ' +
        'nullable=False, comment="row creation"))',
      good:
        'def upgrade():\n    # best: a timestamptz column (SW204), where now() is an absolute ' +
        'instant\n    op.add_column("invoice", sa.Column("created_at", sa.DateTime(timezone=True), ' +
        'server_default=sa.func.now(), nullable=False, comment="row creation"))\n    # or, when the ' +
        'column must stay naive, an explicit UTC reading\n    op.add_column("invoice", ' +
        'sa.Column("seen_at", sa.DateTime(), server_default=sa.text("timezone(\'utc\', now())"), ' +
        'comment="last seen (UTC)"))',
      howToFix:
        'Prefer making the column `timestamptz` (SW204) and keep `now()`. For a column that stays ' +
        'without time zone, the quick fix "Use UTC default" writes `sa.text("timezone(\'utc\', ' +
        'now())")` (or `timezone(\'utc\', now())` in SQL). On a `timestamptz` column the fix "Use ' +
        'now()" replaces a UTC wall-clock default with `now()`.',
      fixSafety: 'unsafe',
      notes:
        "The rule must know the column's type, because the right default depends on it. `now()` " +
        'returns a `timestamptz`: an absolute instant. Stored into a `timestamptz` column it stays ' +
        'that instant, whatever the session zone: correct, nothing to report. Stored into a ' +
        '`timestamp` (without time zone) column it is first converted to the wall-clock time of the ' +
        "session's `TimeZone`: session-dependent, reported. `timezone('utc', now())` (the same as " +
        "`now() AT TIME ZONE 'utc'`) returns a `timestamp` without time zone holding the UTC " +
        'wall-clock reading: exactly right for a naive column, and WRONG for a `timestamptz` ' +
        'column, where that naive value is reinterpreted in the session zone and shifted by its ' +
        'offset (12:00 UTC becomes 12:00+02 = 10:00 UTC in Europe/Berlin summer time). So the fix ' +
        "for a naive column is `timezone('utc', now())`, and on a `timestamptz` column the same " +
        'expression is reported with the fix `now()`.\n\nThe type comes from the same column ' +
        'definition, from `type_=`/`existing_type=` of `alter_column`, or from a column this ' +
        'revision created; for `ALTER COLUMN … SET DEFAULT` on a column of an earlier revision the ' +
        'type is unknown and only a non-UTC zone is reported. Zones accepted as UTC: `UTC`, ' +
        '`Etc/UTC` and the IANA aliases `UCT`, `Zulu`, `Universal` (any case). Offsets such as ' +
        "`+00` and GMT aliases are reported: write `UTC`. A compound default (`now() + interval '1 " +
        "day'`) is reported without a fix. This rule and SW204 may both report a naive column with " +
        'a `now()` default; their fixes edit different text and can be applied one after the other ' +
        'in either order: SW204 first leaves `now()` on a `timestamptz` column (correct, SW205 is ' +
        "then quiet); SW205 first writes the UTC default, and SW204's fix then turns it back into " +
        '`now()` together with the type. Only the upgrade is checked: a downgrade restores what was ' +
        'there. Fixes are offered in the editor only.',
    },
  },
  check({ migration, report, isEnabled }) {
    // A naive type declared in this revision is SW204's finding, and its fix (timestamptz, now())
    // settles the default too: one root cause, one finding, when SW204 runs.
    const sw204Runs = isEnabled?.('SW204') === true;
    const known = revisionColumnTypes(migration);
    const knownZone = (table: string | undefined, column: string | undefined): Zone => {
      const type = table && column ? known.get(key(table, column)) : undefined;
      return type ? zoneOfKnown(type) : undefined;
    };
    for (const op of upgradeOps(migration)) {
      for (const column of op.columns) {
        if (!column.serverDefault) continue;
        checkPython(migration, column.serverDefault, pyZone(column.type), column.name, report, sw204Runs);
      }
      if (op.name === 'alter_column' && op.args.server_default) {
        const name = op.args.column_name?.kind === 'string' ? op.args.column_name.value : undefined;
        const type = pyTypeRef(op.args.type_) ?? pyTypeRef(op.args.existing_type);
        checkPython(
          migration,
          op.args.server_default,
          type ? pyZone(type) : knownZone(op.table, name),
          name,
          report,
          sw204Runs && pyTypeRef(op.args.type_) !== undefined,
        );
      }
      const text = op.sql ? sqlBlockText(migration, op.sql) : undefined;
      for (const statement of op.sql?.statements ?? []) {
        for (const fact of columnDefaultFacts(statement.kind, statement.parsed.node)) {
          const zone = fact.type ? sqlTimestampZone(fact.type) : knownZone(fact.table?.name, fact.column);
          const whole =
            fact.via === 'set-default' ? statementHeadSpan(migration, statement) : statement.locate(fact.location);
          const analysis = analyseSqlDefault(fact.default, statement, text, whole);
          const declaredHere = sw204Runs && fact.type !== undefined && fact.via !== 'set-default';
          check(migration, analysis, zone, fact.column, { kind: 'sql', statement, text, fact }, report, declaredHere);
        }
      }
    }
  },
});

function pyZone(type: TypeRef | undefined): Zone {
  const zone = pyTimestampZone(type);
  return zone === 'aware' || zone === 'naive' ? zone : undefined;
}

function zoneOfKnown(type: KnownColumnType): Zone {
  if (type.py) return pyZone(type.py);
  return sqlTimestampZone(type.sql);
}

function checkPython(
  migration: MigrationModel,
  value: PyValue,
  zone: Zone,
  column: string | undefined,
  report: (f: FindingInput) => void,
  typeDeclaredHere: boolean,
): void {
  const analysis = analysePyDefault(value);
  if (analysis) check(migration, analysis, zone, column, { kind: 'python', value }, report, typeDeclaredHere);
}

function check(
  migration: MigrationModel,
  analysis: DefaultAnalysis,
  zone: Zone,
  column: string | undefined,
  site: DefaultSite,
  report: (f: FindingInput) => void,
  typeDeclaredHere: boolean,
): void {
  const name = column ? `"${column}"` : 'the column';
  const { shape } = analysis;
  const wholeIs = (span: Span): boolean =>
    shape.kind !== 'other' && shape.span.start === span.start && shape.span.end === span.end;
  for (const z of analysis.zones) {
    if (isUtcZone(z.zone)) continue;
    const what = z.zone === undefined ? 'a time zone computed at run time' : `the time zone '${z.zone}'`;
    const fix =
      wholeIs(z.span) && shape.kind === 'zoned' && shape.innerIsNow ? fixFor(migration, site, zone) : undefined;
    report({
      message: `This default converts the time to ${what}, and time handling must be explicit UTC only.`,
      help: zone === 'aware' ? 'On a timestamptz column use now().' : `Use ${UTC_DEFAULT_SQL}.`,
      span: z.span,
      fixes: fix ? [fix] : [],
    });
  }
  const utcZones = analysis.zones.filter((z) => isUtcZone(z.zone)).map((z) => z.span);
  const anyZones = analysis.zones.map((z) => z.span);
  if (zone === 'naive' && !typeDeclaredHere) {
    for (const now of analysis.nows) {
      if (anyZones.some((s) => within(now.span, s) && (s.start !== now.span.start || s.end !== now.span.end))) continue;
      const fix = wholeIs(now.span) && shape.kind === 'now' ? fixFor(migration, site, zone) : undefined;
      report({
        message: `${now.name} as the default of ${name}, a timestamp without time zone, is converted with the session's TimeZone setting.`,
        help: `Make the column timestamptz and keep now() (best), or use ${UTC_DEFAULT_SQL}.`,
        span: now.span,
        fixes: fix ? [fix] : [],
      });
    }
  } else if (zone === 'aware') {
    if (shape.kind === 'zoned' && shape.innerIsNow && isUtcZone(shape.zone)) {
      const fix = fixFor(migration, site, zone);
      report({
        message:
          `${UTC_DEFAULT_SQL} is a UTC wall-clock reading without time zone: stored in ${name}, a ` +
          `timestamptz column, it is reinterpreted in the session's TimeZone and shifted by its ` +
          `offset.`,
        help: 'Use now().',
        span: shape.span,
        fixes: fix ? [fix] : [],
      });
    }
    for (const now of analysis.nows) {
      if (!now.local || utcZones.some((s) => within(now.span, s))) continue;
      const fix = wholeIs(now.span) && shape.kind === 'now' ? fixFor(migration, site, zone) : undefined;
      report({
        message: `${now.name} is the session's local wall-clock time, not an instant, as the default of ${name}, a timestamptz column.`,
        help: 'Use now().',
        span: now.span,
        fixes: fix ? [fix] : [],
      });
    }
  }
}

/** Replaces the whole default: the UTC reading on a naive column, `now()` on a timestamptz column. */
function fixFor(migration: MigrationModel, site: DefaultSite, zone: Zone): Fix | undefined {
  if (zone === undefined) return undefined;
  const sql = zone === 'naive' ? UTC_DEFAULT_SQL : 'now()';
  const title = zone === 'naive' ? 'Use UTC default' : 'Use now()';
  if (site.kind === 'sql') {
    if (!site.text || site.fact.via === 'set-default') return undefined;
    const span = sqlDefaultExpressionSpan(migration.source, site.statement, site.text, site.fact.location);
    return span ? { title, edits: [{ span, newText: sql }], safe: false } : undefined;
  }
  const { value } = site;
  if (value.kind !== 'call') return undefined;
  const { call } = value;
  if (/(^|\.)(text|literal_column)$/.test(call.callee) && call.args[0]?.kind === 'string') {
    return { title, edits: [{ span: call.args[0].span, newText: pythonString(sql) }], safe: false };
  }
  if (zone === 'aware') return { title, edits: [{ span: value.span, newText: `${call.receiver}.now()` }], safe: false };
  const text = sqlalchemyName(migration, 'text');
  return text
    ? { title, edits: [{ span: value.span, newText: `${text}(${pythonString(sql)})` }], safe: false }
    : undefined;
}
