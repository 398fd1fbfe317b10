import rule from '../../server/src/rules/SW001-unanalysable-sql';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'two string literals joined with + are folded and analysed (#13)',
      code: `
      def upgrade():
          op.execute("ALTER TABLE account " + "ADD COLUMN note text")
          op.execute(("UPDATE account SET note = '' " + "WHERE note IS NULL"))
      `,
    },
    {
      name: 'literal SQL',
      code: `
      def upgrade():
          op.execute("DROP INDEX IF EXISTS ix_a")
      `,
    },
    {
      name: 'SQL in a local variable is resolved',
      code: `
      SQL = "CREATE INDEX ix_a ON account (email)"

      def upgrade():
          stmt = """DROP INDEX IF EXISTS ix_b"""
          op.execute(stmt)
          op.execute(SQL)
      `,
    },
    {
      name: 'SQLAlchemy expression objects are not SQL text',
      code: `
      def upgrade():
          op.execute(account.update().values(active=True))
      `,
    },
  ],
  invalid: [
    {
      name: 'a literal joined with a name is still built at run time (#13)',
      code: `
      def upgrade():
          op.execute("ALTER TABLE account " + clause)
      `,
      errors: [{ line: 2, message: /by concatenation/ }],
    },
    {
      name: 'f-string',
      code: `
      def upgrade():
          op.execute(f"DROP TABLE {name}")
      `,
      errors: [{ line: 2, message: /f-string/ }],
    },
    {
      name: 'percent formatting and format()',
      code: `
      def upgrade():
          op.execute("DROP TABLE %s" % name)
          op.execute("DROP TABLE {}".format(name))
      `,
      errors: [
        { line: 2, message: /with %/ },
        { line: 3, message: /\.format\(\)/ },
      ],
    },
    {
      name: 'a parameter',
      code: `
      def upgrade():
          run(op)

      def run(op, sql=None):
          op.execute(sql)
      `,
      errors: [{ line: 5, message: /comes from `sql`/ }],
    },
  ],
});
