import { entityCreations } from '../analysis/pythonHooks';
import { storedLogicFact } from '../parse/facts/forbidden';
import { statementHead, upgradeStatements } from '../analysis/statements';
import { defineRule } from './types';

const WAIVE_HINT = 'if a decision record allows it, cite it with # schema-warden: allow SW302 decision=NNNN';

export default defineRule({
  meta: {
    id: 'SW302',
    name: 'no-stored-logic',
    severity: 'error',
    scope: 'revision',
    policySection: 'Forbidden Items in Phase 2',
    policyClause:
      'Database-level business logic such as triggers, stored procedures implementing domain rules, or cascading actions beyond referential integrity.',
    docs: {
      summary: 'Revisions must not create functions or procedures, nor run anonymous `DO` blocks.',
      whatItDoes:
        'Reports, in the upgrade, SQL `CREATE [OR REPLACE] FUNCTION`, `CREATE [OR REPLACE] ' +
        'PROCEDURE` and `DO` blocks (any dollar-quote tag, any language), wherever the SQL stands ' +
        '(`op.execute`, `sa.text`, `DDL(...)`, helpers, variables), and alembic_utils `PGFunction` ' +
        'entities created with `op.create_entity`/`op.replace_entity`. Dropping a function, and ' +
        're-creating it in the downgrade, is not reported.',
      whyBad:
        'Stored functions and procedures hold domain rules in a second code base that the ' +
        "application's tests, reviews and deploys do not see. `DO` blocks run procedural code whose " +
        "effect no reviewer can read from the migration's operations.",
      bad:
        'def upgrade():\n    op.execute("""\n        CREATE OR REPLACE FUNCTION ' +
        'order_total(order_id uuid) RETURNS numeric\n        LANGUAGE sql AS $$ SELECT sum(amount) ' +
        'FROM order_line WHERE order_line.order_id = $1 $$\n    """)',
      good:
        "# The total is computed in the application's repository:\n# " +
        'select(func.sum(OrderLine.amount)).where(OrderLine.order_id == order_id)\ndef ' +
        'upgrade():\n    op.create_index("ix_order_line_order_id", "order_line", ["order_id"])',
      howToFix:
        'Compute the value in the application. For idempotent DDL use `IF NOT EXISTS` rather than a ' +
        '`DO` block. When stored logic is truly needed, write a decision record, get it accepted, ' +
        'and cite it with `# schema-warden: allow SW302 decision=NNNN`.',
      fixSafety: 'none',
      notes:
        "A `DO` block is reported even when it only wraps DDL: its effect depends on the database's " +
        "state at run time, which is what the policy's idempotency and review rules try to avoid.",
    },
  },
  check({ migration, report }) {
    for (const { statement } of upgradeStatements(migration)) {
      const fact = storedLogicFact(statement.kind, statement.parsed.node);
      if (!fact) continue;
      const message =
        fact.what === 'DO'
          ? `This \`DO\` block runs anonymous ${fact.language ?? 'procedural'} code in the database: ` +
            `the policy keeps logic out of the database. Use plain DDL (with IF NOT EXISTS) or do it in ` +
            `the application; ${WAIVE_HINT}.`
          : `\`${fact.replace ? fact.what.replace('CREATE', 'CREATE OR REPLACE') : fact.what}${fact.name ? ` ${fact.name}` : ''}\` ` +
            `stores ${fact.what === 'CREATE PROCEDURE' ? 'a procedure' : 'a function'} in the database: ` +
            `the policy forbids stored logic implementing domain rules. Do this in the application; ` +
            `${WAIVE_HINT}.`;
      report({ message, span: statementHead(migration, statement) });
    }
    for (const creation of entityCreations(migration, new Set(['PGFunction', 'PGProcedure']))) {
      const name = creation.signature ? ` "${creation.signature}"` : '';
      const via = creation.via ? ` (${creation.via})` : '';
      report({
        message:
          `alembic_utils ${creation.construct.method}${name} stores a function in the database${via}: ` +
          `the policy forbids stored logic implementing domain rules.`,
        help: `Do this in the application; ${WAIVE_HINT}.`,
        span: creation.span,
      });
    }
  },
});
