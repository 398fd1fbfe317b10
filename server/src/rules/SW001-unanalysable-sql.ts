import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW001',
    name: 'unanalysable-sql',
    severity: 'info',
    scope: 'revision',
    readsSql: false,
    policySection: 'Enforcement and Deviations',
    policyClause: 'Schema changes and migrations are subject to code review with architecture alignment checks.',
    docs: {
      summary: 'SQL built at run time cannot be checked against the policy.',
      whatItDoes:
        'Marks `op.execute(...)` calls whose SQL is an f-string, built with `%` or `.format()`, or ' +
        'held in a variable that is not a literal. Schema Warden never guesses what such SQL says, ' +
        'so no other rule can see into it.',
      whyBad:
        'Every other SQL rule (triggers, cascades, defaults, destructive statements) is blind to SQL built at run time, so a reviewer must read it by hand.',
      bad: 'def upgrade():\n    op.execute(f"ALTER TABLE {table} ADD COLUMN note text")',
      good: 'def upgrade():\n    op.execute("ALTER TABLE account ADD COLUMN note text")',
      howToFix: 'Write the SQL as a literal, or use `op.*` operations, so the policy can be checked.',
      fixSafety: 'none',
    },
  },
  check({ migration, report }) {
    for (const op of migration.operations) {
      if (op.sql && !op.sql.analysable) {
        report({
          message: `SQL not analysable: ${op.sql.reason ?? 'it is built at run time'}, so no rule can check what it says.`,
          help: 'Write the SQL as a literal, or use op.* operations, so that the policy can be checked; otherwise review it by hand.',
          span: op.sql.span,
        });
      }
    }
  },
});
