import rule from '../../server/src/rules/SW000-syntax-error';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'a DB-API placeholder bound to a tuple stands for a list (#13)',
      code: `
      def upgrade():
          conn = op.get_bind()
          conn.execute("UPDATE account SET state = 2 WHERE id IN %s", (ids,))
          conn.execute("DELETE FROM session WHERE id in %(stale)s", {"stale": stale})
      `,
    },
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
    {
      name: 'SQL in a branch only another database runs is not parsed as PostgreSQL (#13)',
      code: `
      def is_sqlite():
          return op.get_bind().dialect.name == "sqlite"

      def upgrade():
          bind = op.get_bind()
          if bind.engine.name == "mysql":
              op.execute("ALTER TABLE account MODIFY note MEDIUMTEXT")
          elif str(bind.url).startswith("sqlite"):
              op.execute("PRAGMA foreign_keys=OFF")
          if bind.dialect.name in ("mysql", "mariadb"):
              op.execute("ALTER TABLE account ENGINE=InnoDB")
          if is_sqlite():
              op.execute("PRAGMA legacy_alter_table=ON")
          if op.get_bind().dialect.name == "postgresql":
              op.execute("ALTER TABLE account ADD COLUMN note text")
          else:
              op.execute("ALTER TABLE account ADD note LONGTEXT")
      `,
    },
  ],
  invalid: [
    {
      name: 'a syntax error next to a placeholder names the placeholder as written, never $n (#13)',
      code: `
      def upgrade():
          op.execute(sa.text("UPDATE account SET state = :state :other"))
      `,
      errors: [{ line: 2, message: /near ":other"/ }],
    },
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
    {
      name: 'an unknown helper leaves both branches analysed (#13)',
      code: `
      from app.db import is_mysql

      def upgrade():
          if is_mysql():
              op.execute("ALTER TABLE account MODIFY note MEDIUMTEXT")
          if op.get_bind().dialect.name == "postgresql":
              op.execute("ALTER TABLE account ADD COLUMN note text,")
      `,
      errors: [
        { line: 5, message: /SQL syntax error: syntax error at or near "MODIFY"/ },
        { line: 7, message: /SQL syntax error/ },
      ],
    },
  ],
});
