import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW000',
    name: 'syntax-error',
    severity: 'error',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Every schema change requires an Alembic revision with clear upgrade and downgrade paths; manual database edits are prohibited.',
    docs: {
      summary: 'The revision is not valid Python, or SQL inside it is not valid PostgreSQL.',
      whatItDoes:
        'Reports the places where tree-sitter (Python) or the PostgreSQL parser (SQL in ' +
        '`op.execute`) could not read the code. The rest of the file is still checked.',
      whyBad:
        'Alembic cannot import a revision that does not parse, and PostgreSQL rejects SQL that does ' +
        'not parse: the migration fails at deploy time instead of review time.',
      bad: 'def upgrade():\n    op.execute("CREATE TABLE account (id uuid PRIMARY KEY,)")',
      good: 'def upgrade():\n    op.execute("CREATE TABLE account (id uuid PRIMARY KEY)")',
      howToFix: 'Correct the syntax at the marked place.',
      fixSafety: 'none',
    },
  },
  check({ migration, report }) {
    for (const error of migration.syntaxErrors)
      report({ message: error.message, help: 'Correct the Python syntax at the marked place.', span: error.span });
    for (const op of migration.operations) {
      if (op.sql?.error)
        report({
          message: `SQL syntax error: ${op.sql.error.message}.`,
          help: 'Correct the SQL at the marked place; PostgreSQL would reject it when the migration runs.',
          span: op.sql.error.span,
        });
    }
  },
});
