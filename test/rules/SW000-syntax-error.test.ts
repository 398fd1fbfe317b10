import rule from '../../server/src/rules/SW000-syntax-error';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'valid Python and SQL',
      code: `
      def upgrade():
          op.execute("CREATE TABLE account (id uuid PRIMARY KEY)")
      `,
    },
    {
      name: 'SQLAlchemy bind parameters are not SQL errors',
      code: `
      def upgrade():
          op.execute(sa.text("UPDATE account SET state = :state WHERE id = :id"))
          op.execute("UPDATE account SET note = %(note)s WHERE id = %s")
      `,
    },
    {
      name: 'trigger, DO block and dollar quotes parse',
      code: `
      def upgrade():
          op.execute("""
              CREATE TRIGGER t BEFORE INSERT ON account FOR EACH ROW EXECUTE FUNCTION f();
              DO $body$ BEGIN RAISE NOTICE 'x'; END $body$;
              ALTER TYPE mood ADD VALUE 'meh';
              ALTER TABLE account ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b(id) NOT VALID;
          """)
      `,
    },
  ],
  invalid: [
    {
      name: 'unclosed call',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text())

      def downgrade():
          op.drop_column("account", "note")
      `,
      errors: [{ line: 2, message: /Syntax error/ }],
    },
    {
      name: 'SQL syntax error points into the string',
      code: `
      def upgrade():
          op.execute("CREATE TABLE account (id uuid PRIMARY KEY,)")
      `,
      errors: [{ line: 2, message: /SQL syntax error: syntax error at or near "\)"/ }],
    },
  ],
});
