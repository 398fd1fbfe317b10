import { callKeyword, type PyCall, type PyValue } from '../model/migration';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { stringConstants } from '../parse/sqlFacts';
import { upgradeTransactions } from './util/transactions';
import { keywordSpan } from './util/sqlNames';
import { defineRule } from './types';

/** Operations of the alembic-postgresql-enum plugin that re-create an enum type in place. */
const ENUM_SYNC_OPS = new Set(['sync_enum_values']);

export default defineRule({
  meta: {
    id: 'SW608',
    name: 'enum-value-in-transaction',
    severity: 'error',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'A value added to an enum is not used before the transaction that added it commits.',
      whatItDoes:
        'Reports a statement that uses a value (as a string constant, in SQL or in an Alembic ' +
        'operation’s arguments) after `ALTER TYPE … ADD VALUE` added it in the same transaction; on ' +
        'PostgreSQL before 12, the `ADD VALUE` itself outside an `autocommit_block()`. Also reports ' +
        '`op.sync_enum_values(…)` (alembic-postgresql-enum), which re-creates the type and converts ' +
        'every column that uses it.',
      whyBad:
        'PostgreSQL refuses to use an enum value added in the same transaction (“unsafe use of new ' +
        'value”), so the migration fails at run time — and before PostgreSQL 12 `ALTER TYPE … ADD ' +
        'VALUE` cannot run in a transaction block at all. Re-creating a type rewrites every table ' +
        'with a column of that type under ACCESS EXCLUSIVE.',
      bad:
        'def upgrade():\n    op.execute("ALTER TYPE ticket_state ADD VALUE ' +
        "'escalated'\")\n    op.execute(\"UPDATE ticket SET state = 'escalated' WHERE priority = " +
        '1")',
      good:
        'def upgrade():\n    with op.get_context().autocommit_block():\n        op.execute("ALTER ' +
        'TYPE ticket_state ADD VALUE \'escalated\'")\n    op.execute("UPDATE ticket SET state = ' +
        "'escalated' WHERE priority = 1\")",
      howToFix:
        'Run `ALTER TYPE … ADD VALUE` in `with op.get_context().autocommit_block():` so it commits ' +
        'before the value is used, or use the value in a later revision. Prefer `ADD VALUE` over ' +
        're-creating the type.',
      fixSafety: 'none',
    },
  },
  check({ migration, config, report }) {
    let transaction = -1;
    let added = new Map<string, { type: string; line: number }>();
    for (const step of upgradeTransactions(migration)) {
      if (step.transaction !== transaction) {
        transaction = step.transaction;
        added = new Map();
      }
      const { op, statement } = step;
      if (!statement) {
        if (op.isAlembicOp && ENUM_SYNC_OPS.has(op.name) && !addsValuesOnly(op.call)) {
          report({
            message: `${op.name} re-creates the enum type and converts every column that uses it, rewriting those tables under ACCESS EXCLUSIVE.`,
            help: `Add the new values with ALTER TYPE … ADD VALUE in an autocommit_block() instead.`,
            span: op.call.calleeSpan,
          });
        }
        const used = [...added.keys()].find((value) =>
          op.call.args.concat(op.call.keywords.map((k) => k.value)).some((a) => mentions(a, value)),
        );
        if (used) reportUse(used, step.span);
        continue;
      }
      const fact = ddlFactOf(statement.kind, statement.parsed.node);
      if (fact.kind === 'alter-enum' && fact.newValue !== undefined && !fact.renamesValue) {
        if (config.postgresVersion < 12 && !op.inAutocommitBlock)
          report({
            message: `ALTER TYPE ${fact.name} ADD VALUE cannot run inside a transaction block before PostgreSQL 12, and Alembic runs the upgrade in one.`,
            help: `Put it in op.get_context().autocommit_block().`,
            span: keywordSpan(migration.source, statement, /^\w+\s+\w+/),
          });
        if (!op.inAutocommitBlock)
          added.set(fact.newValue, { type: fact.name, line: migration.lines.positionAt(step.span.start).line + 1 });
        continue;
      }
      const constants = stringConstants(statement.parsed.node);
      const used = [...added.keys()].find((value) => constants.has(value));
      if (used) reportUse(used, step.span);
    }

    function reportUse(value: string, span: { start: number; end: number }): void {
      const origin = added.get(value)!;
      report({
        message:
          `The enum value '${value}' is used in the same transaction that added it to ${origin.type} ` +
          `(line ${origin.line}); PostgreSQL refuses this with "unsafe use of new value".`,
        help: `Add the value in op.get_context().autocommit_block(), or use it in a later revision.`,
        span,
      });
    }
  },
});

/** Whether a Python argument holds the string `value` (a literal, or inside a call, list or dict). */
function mentions(value: PyValue, text: string): boolean {
  switch (value.kind) {
    case 'string':
      return value.value === text;
    case 'call':
      return value.call.args.some((a) => mentions(a, text)) || value.call.keywords.some((k) => mentions(k.value, text));
    case 'sequence':
      return value.items.some((i) => mentions(i, text));
    case 'dict':
      return value.entries.some((e) => mentions(e.key, text) || mentions(e.value, text));
    default:
      return false;
  }
}

/**
 * alembic-autogenerate-enums registers an operation of the same name, called with
 * (schema, name, old_values, new_values): it only runs ALTER TYPE … ADD VALUE, on a connection of
 * its own, and re-creates nothing. Its fourth argument is a list of values, where
 * alembic-postgresql-enum's is the list of columns to convert.
 */
function addsValuesOnly(call: PyCall): boolean {
  if (callKeyword(call, 'old_values')) return true;
  const fourth = call.args[3];
  return fourth?.kind === 'sequence' && fourth.items.length > 0 && fourth.items.every((v) => v.kind === 'string');
}
