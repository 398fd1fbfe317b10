import type { MigrationModel, PyCall, PyKeyword } from '../model/migration';
import type { Span } from '../model/source';
import { everyCall } from '../analysis/calls';
import { cascadeFacts, type CascadeFact } from '../parse/facts/forbidden';
import { findInStatement, mayRunInUpgrade, statementHead, upgradeStatements } from '../analysis/statements';
import { defineRule, type Fix } from './types';

const WAIVE_HINT = 'if a decision record allows it, cite it with # schema-warden: allow SW303 decision=NNNN';
/** Constructors and operations that take `ondelete=` / `onupdate=`. */
const FOREIGN_KEY_CALLS = new Set(['ForeignKey', 'ForeignKeyConstraint', 'create_foreign_key']);
const CASCADING = /^\s*(cascade|set\s+null|set\s+default)\s*$/i;

function effect(action: string, event: 'DELETE' | 'UPDATE'): string {
  const normalized = action.toUpperCase().replace(/\s+/g, ' ');
  const when = event === 'DELETE' ? 'deleting a referenced row' : 'changing a referenced key';
  if (normalized === 'CASCADE')
    return event === 'DELETE'
      ? `${when} silently deletes the rows that reference it`
      : `${when} silently rewrites the rows that reference it`;
  return `${when} silently ${normalized === 'SET NULL' ? 'sets the referencing columns to NULL' : 'resets the referencing columns to their defaults'}`;
}

export default defineRule({
  meta: {
    id: 'SW303',
    name: 'no-cascading-actions',
    severity: 'error',
    scope: 'revision',
    policySection: 'Forbidden Items in Phase 2',
    policyClause:
      'Database-level business logic such as triggers, stored procedures implementing domain rules, or cascading actions beyond referential integrity.',
    docs: {
      summary: 'Foreign keys must not cascade, set null or set default; TRUNCATE and DROP must not cascade.',
      whatItDoes:
        'Reports `ondelete=`/`onupdate=` of `CASCADE`, `SET NULL` or `SET DEFAULT` (any case) on ' +
        '`sa.ForeignKey`, `sa.ForeignKeyConstraint` and `op.create_foreign_key` (also ' +
        '`batch_op.create_foreign_key`), SQL `REFERENCES … ON DELETE/ON UPDATE …` in column and ' +
        'table constraints and `ALTER TABLE … ADD CONSTRAINT`, `TRUNCATE … CASCADE`, and `DROP … ' +
        'CASCADE` (including `ALTER TABLE … DROP … CASCADE`) in the upgrade. The range is the ' +
        'keyword argument or the SQL action itself.',
      whyBad:
        'A cascading action is business logic ("deleting a customer deletes their orders") hidden ' +
        'in the schema: the application neither sees nor logs the rows it removes or rewrites. ' +
        '`TRUNCATE … CASCADE` and `DROP … CASCADE` reach tables and views the statement does not ' +
        'name.',
      bad: 'op.create_table(\n    "order_line",\n    sa.Column("order_id", sa.Uuid(), sa.ForeignKey("order.id", ondelete="CASCADE"), nullable=False),\n)',
      good:
        'op.create_table(\n    "order_line",\n    sa.Column("order_id", sa.Uuid(), ' +
        'sa.ForeignKey("order.id"), nullable=False),\n)\n# The application deletes an order\'s ' +
        'lines explicitly, in one transaction.',
      howToFix:
        'Keep the foreign key (referential integrity is wanted) with the default `NO ACTION` or ' +
        '`RESTRICT`, and delete or update dependent rows in the application. Name dependents ' +
        'explicitly instead of `TRUNCATE/DROP … CASCADE`. The quick fix removes the ' +
        '`ondelete=`/`onupdate=` argument.',
      fixSafety: 'unsafe',
      notes:
        'The quick fix changes behaviour: deletes that cascaded now fail with a foreign-key ' +
        'violation until the application removes dependents first. That is why `--fix` does not ' +
        'apply it.',
    },
  },
  check({ migration, report }) {
    for (const call of everyCall(migration)) {
      if (!FOREIGN_KEY_CALLS.has(call.method) || !mayRunInUpgrade(migration, call.span)) continue;
      for (const keyword of call.keywords) {
        if (keyword.name !== 'ondelete' && keyword.name !== 'onupdate') continue;
        if (keyword.value.kind !== 'string' || !CASCADING.test(keyword.value.value)) continue;
        const event = keyword.name === 'ondelete' ? 'DELETE' : 'UPDATE';
        report({
          message:
            `${keyword.name}=${keyword.value.text}: ${effect(keyword.value.value.trim(), event)}, and ` +
            `the policy forbids cascading actions beyond referential integrity.`,
          help: `Keep the foreign key without it and handle dependents in the application; ${WAIVE_HINT}.`,
          span: keyword.span,
          fixes: [removeKeywordFix(migration, call, keyword)],
        });
      }
    }
    for (const { statement } of upgradeStatements(migration)) {
      const facts = cascadeFacts(statement.kind, statement.parsed.node);
      for (const fact of facts) {
        report({
          ...sqlMessage(fact),
          span: sqlSpan(migration, statement, fact) ?? statementHead(migration, statement),
        });
      }
    }
  },
});

function sqlMessage(fact: CascadeFact): { message: string; help: string } {
  if (fact.via === 'foreign-key') {
    const event = fact.event as 'DELETE' | 'UPDATE';
    return {
      message:
        `ON ${event} ${fact.action}` +
        `${fact.references ? ` on the foreign key to "${fact.references}"` : ''}: ` +
        `${effect(fact.action, event)}, and the policy forbids cascading actions beyond referential ` +
        `integrity.`,
      help: `Drop the action and handle dependents in the application; ${WAIVE_HINT}.`,
    };
  }
  if (fact.via === 'truncate')
    return {
      message: 'TRUNCATE … CASCADE also empties every table that references this one, without naming them.',
      help: `Truncate the dependent tables explicitly (and only with a decision record); ${WAIVE_HINT}.`,
    };
  return {
    message: `DROP ${fact.object ? `${fact.object} ` : ''}… CASCADE silently drops every object that depends on it (views, foreign keys, defaults).`,
    help: `Drop the dependents explicitly first, so the revision says what it removes; ${WAIVE_HINT}.`,
  };
}

function sqlSpan(
  migration: MigrationModel,
  statement: Parameters<typeof findInStatement>[1],
  fact: CascadeFact,
): Span | undefined {
  if (fact.via === 'foreign-key') {
    const action = fact.action.replace(' ', '\\s+');
    const from = fact.location >= 0 ? statement.locate(fact.location).start : statement.span.start;
    return findInStatement(migration, statement, new RegExp(`\\bON\\s+${fact.event}\\s+${action}\\b`, 'i'), from);
  }
  // The CASCADE of the statement itself, not one of a foreign key's actions.
  return findInStatement(migration, statement, /(?<!\bON\s+(?:DELETE|UPDATE)\s+)\bCASCADE\b/i);
}

/** Removes `ondelete=…` together with the comma that separates it from the argument before it. */
function removeKeywordFix(migration: MigrationModel, call: PyCall, keyword: PyKeyword): Fix {
  const before = [...call.args.map((a) => a.span), ...call.keywords.map((k) => k.span)].filter(
    (s) => s.end <= keyword.span.start,
  );
  const after = [...call.args.map((a) => a.span), ...call.keywords.map((k) => k.span)].filter(
    (s) => s.start >= keyword.span.end,
  );
  let span: Span;
  if (before.length) span = { start: Math.max(...before.map((s) => s.end)), end: keyword.span.end };
  else if (after.length) span = { start: keyword.span.start, end: Math.min(...after.map((s) => s.start)) };
  else {
    // The only argument: remove it and a trailing comma, if any.
    const trailing = /^\s*,/.exec(migration.source.slice(keyword.span.end, call.argsSpan.end));
    span = { start: keyword.span.start, end: keyword.span.end + (trailing ? trailing[0].length : 0) };
  }
  return {
    title: `Remove \`${keyword.name}=${keyword.value.text}\` (handle dependents in the application)`,
    edits: [{ span, newText: '' }],
    safe: false,
  };
}
