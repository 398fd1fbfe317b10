import { columnDefaultFacts } from '../parse/facts/defaults';
import { upgradeOps } from './util/columnTypes';
import { analysePyDefault, analyseSqlDefault, type DefaultAnalysis } from './util/defaultExpr';
import { sqlBlockText, statementHeadSpan } from '../analysis/sqlSource';
import { defineRule, type FindingInput } from './types';

/**
 * Functions whose result is random on every call. `uuid_generate_v3/v5` are name-based (the same
 * input gives the same UUID) and sequences (`nextval`) are not random: neither is listed.
 */
const RANDOM_FUNCTIONS = new Set([
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'uuid_generate_v7',
  'random',
  'random_normal',
  'gen_random_bytes',
  'gen_salt',
]);

export default defineRule({
  meta: {
    id: 'SW203',
    name: 'deterministic-default',
    severity: 'error',
    scope: 'revision',
    policySection: 'Schema Evolution Boundaries',
    policyClause:
      'Default values must be deterministic and avoid server-side randomization; timezone handling must remain explicit (UTC only).',
    docs: {
      summary: 'Column defaults must not be generated randomly by the database.',
      whatItDoes:
        'Reports random functions (`gen_random_uuid()`, `uuid_generate_v1()`, ' +
        '`uuid_generate_v1mc()`, `uuid_generate_v4()`, `uuidv4()`, `uuidv7()`, `random()`, ' +
        '`random_normal()`, `gen_random_bytes()`, `gen_salt()`) in the column defaults an upgrade ' +
        'sets: `server_default=` of `sa.Column` and `alter_column` (as `sa.text("…")`, ' +
        '`sa.literal_column("…")` or `sa.func.…()`), and SQL `DEFAULT` in CREATE TABLE, ALTER TABLE ' +
        'ADD COLUMN and ALTER COLUMN … SET DEFAULT. The finding is on the function call itself, ' +
        'wherever it sits in the expression.',
      whyBad:
        'A default the database draws at random makes rows impossible to reproduce: a backfill, a ' +
        'replayed fixture or a test run writes different values every time, and the value is ' +
        'unknown to the application until it reads the row back. The policy asks for deterministic ' +
        'defaults and no server-side randomization.',
      bad:
        'def upgrade():\n    op.add_column("invoice", sa.Column("public_id", sa.Uuid(), ' +
        'server_default=sa.text("gen_random_uuid()"), nullable=False, comment="id shown to ' +
        'customers"))',
      good:
        'def upgrade():\n    # the application assigns uuid.uuid4() when it creates the ' +
        'row\n    op.add_column("invoice", sa.Column("public_id", sa.Uuid(), nullable=False, ' +
        'comment="id shown to customers"))',
      howToFix:
        'Generate the value in the application (for example `uuid.uuid4()` in the repository that ' +
        'inserts the row) and drop the server default. To fill existing rows, write an explicit, ' +
        'logged backfill (see SW106). If the database really must generate it, record a DECISION ' +
        'under docs/decisions/ and waive the finding.',
      fixSafety: 'none',
      notes:
        '`clock_timestamp()`, `now()` and the other time functions are not randomness: they are ' +
        'time defaults, checked by SW205 (which requires them to be UTC-explicit). ' +
        '`uuid_generate_v3()`/`uuid_generate_v5()` derive the UUID from their arguments and are ' +
        'deterministic. A plain string `server_default="gen_random_uuid()"` is a quoted constant, ' +
        'not a call, and is not reported. `default=` (a Python-side default) is not DDL and is not ' +
        'checked. Only the upgrade is checked: a downgrade that restores an earlier default undoes ' +
        'this revision.',
    },
  },
  check({ migration, report }) {
    const reportRandom = (analysis: DefaultAnalysis, column: string | undefined): void => {
      for (const call of analysis.calls) {
        if (!RANDOM_FUNCTIONS.has(call.name)) continue;
        const finding: FindingInput = {
          message:
            `${call.name}() in the default of ${column ? `"${column}"` : 'this column'} is server-side ` +
            `randomization, and defaults must be deterministic.`,
          help: 'Generate the value in the application (e.g. uuid.uuid4()) and drop the server default, or record a decision and waive.',
          span: call.span,
        };
        report(finding);
      }
    };
    for (const op of upgradeOps(migration)) {
      for (const column of op.columns) {
        const analysis = column.serverDefault && analysePyDefault(column.serverDefault);
        if (analysis) reportRandom(analysis, column.name);
      }
      if (op.name === 'alter_column' && op.args.server_default) {
        const analysis = analysePyDefault(op.args.server_default);
        if (analysis)
          reportRandom(analysis, op.args.column_name?.kind === 'string' ? op.args.column_name.value : undefined);
      }
      const text = op.sql ? sqlBlockText(migration, op.sql) : undefined;
      for (const statement of op.sql?.statements ?? []) {
        for (const fact of columnDefaultFacts(statement.kind, statement.parsed.node)) {
          reportRandom(
            analyseSqlDefault(fact.default, statement, text, statementHeadSpan(migration, statement)),
            fact.column,
          );
        }
      }
    }
  },
});
