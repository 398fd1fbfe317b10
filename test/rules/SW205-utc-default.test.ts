import * as assert from 'node:assert/strict';
import sw204 from '../../server/src/rules/SW204-timezone-aware-timestamp';
import rule from '../../server/src/rules/SW205-utc-default';
import { applyEdits } from '../../server/src/fixes/applyEdits';
import type { Rule } from '../../server/src/rules/types';
import { dedent, engineReady } from '../support/engine';
import { findingsOf, ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'now() on timestamptz columns, UTC reading on naive columns',
      code: `
      import sqlalchemy as sa
      from alembic import op

      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.Uuid(), primary_key=True),
              sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
              sa.Column("updated_at", sa.TIMESTAMP(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
              sa.Column("seen_at", sa.DateTime(), server_default=sa.text("timezone('utc', now())")),
              sa.Column("read_at", sa.DateTime(), server_default=sa.func.timezone("UTC", sa.func.now())),
              comment="invoices",
          )
          op.alter_column("invoice", "created_at", server_default=sa.text("now()"), existing_type=sa.DateTime(timezone=True))
      `,
    },
    {
      name: 'SQL defaults matching their column types',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE audit_entry (
                  id uuid PRIMARY KEY,
                  at timestamptz NOT NULL DEFAULT now(),
                  naive_at timestamp DEFAULT (now() AT TIME ZONE 'Etc/UTC'),
                  other_at timestamp DEFAULT timezone('UTC', CURRENT_TIMESTAMP)
              );
              ALTER TABLE audit_entry ALTER COLUMN at SET DEFAULT clock_timestamp();
          """)
      `,
    },
    {
      name: 'SET DEFAULT now() on a column of an earlier revision: type unknown, not guessed',
      code: `
      def upgrade():
          op.execute("ALTER TABLE invoice ALTER COLUMN created_at SET DEFAULT now()")
          op.alter_column("invoice", "updated_at", server_default=sa.func.now())
      `,
    },
    {
      name: 'a plain string default is a constant, and the downgrade is not checked',
      code: `
      def upgrade():
          op.add_column("a", sa.Column("label", sa.String(), server_default="now()"))

      def downgrade():
          op.alter_column("a", "at", server_default=sa.func.now(), existing_type=sa.DateTime())
      `,
    },
  ],
  invalid: [
    {
      name: 'func.now() on a naive column',
      code: `
      import sqlalchemy as sa
      def upgrade():
          op.add_column("invoice", sa.Column("created_at", sa.DateTime(), server_default=sa.func.now()))
      `,
      errors: [{ line: 3, message: /`now\(\)` as the default of "created_at", a timestamp without time zone/ }],
      output: `
      import sqlalchemy as sa
      def upgrade():
          op.add_column("invoice", sa.Column("created_at", sa.DateTime(), server_default=sa.text("timezone('utc', now())")))
      `,
    },
    {
      name: 'text() defaults on naive columns, in a batch and a helper',
      code: `
      def _stamp(table):
          op.add_column(table, sa.Column("b", sa.TIMESTAMP(), server_default=sa.text("LOCALTIMESTAMP")))

      def upgrade():
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.add_column(sa.Column("a", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP")))
          _stamp("invoice")
      `,
      errors: [
        { line: 2, message: /`LOCALTIMESTAMP`/ },
        { line: 6, message: /`CURRENT_TIMESTAMP`/ },
      ],
      output: `
      def _stamp(table):
          op.add_column(table, sa.Column("b", sa.TIMESTAMP(), server_default=sa.text("timezone('utc', now())")))

      def upgrade():
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.add_column(sa.Column("a", sa.DateTime(), server_default=sa.text("timezone('utc', now())")))
          _stamp("invoice")
      `,
    },
    {
      name: "timezone('utc', now()) on a timestamptz column is wrong",
      code: `
      def upgrade():
          op.add_column("a", sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("timezone('utc', now())")))
          op.add_column("a", sa.Column("bt", sa.DateTime(timezone=True), server_default=sa.func.timezone("utc", sa.func.now())))
      `,
      errors: [{ line: 2, message: /reinterpreted in the session's TimeZone/ }, { line: 3 }],
      output: `
      def upgrade():
          op.add_column("a", sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()")))
          op.add_column("a", sa.Column("bt", sa.DateTime(timezone=True), server_default=sa.func.now()))
      `,
    },
    {
      name: 'a zone other than UTC, on any column',
      code: `
      def upgrade():
          op.add_column("a", sa.Column("at", sa.DateTime(), server_default=sa.text("timezone('Europe/Paris', now())")))
          op.execute("ALTER TABLE a ALTER COLUMN legacy SET DEFAULT now() AT TIME ZONE current_setting('TimeZone')")
      `,
      errors: [
        { line: 2, message: /the time zone 'Europe\/Paris'/ },
        { line: 3, message: /computed at run time/ },
      ],
      output: `
      def upgrade():
          op.add_column("a", sa.Column("at", sa.DateTime(), server_default=sa.text("timezone('utc', now())")))
          op.execute("ALTER TABLE a ALTER COLUMN legacy SET DEFAULT now() AT TIME ZONE current_setting('TimeZone')")
      `,
    },
    {
      name: 'SQL defaults: CREATE TABLE, ADD COLUMN, and SET DEFAULT on a column created in this revision',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE audit_entry (
                  id uuid PRIMARY KEY,
                  at timestamp NOT NULL DEFAULT now(),
                  bt timestamptz DEFAULT (now() AT TIME ZONE 'utc')
              )
          """)
          op.execute("ALTER TABLE audit_entry ADD COLUMN ct timestamp DEFAULT CURRENT_TIMESTAMP")
          op.execute("ALTER TABLE audit_entry ALTER COLUMN at SET DEFAULT statement_timestamp()")
      `,
      errors: [{ line: 5 }, { line: 6 }, { line: 9 }, { line: 10 }],
      output: `
      def upgrade():
          op.execute("""
              CREATE TABLE audit_entry (
                  id uuid PRIMARY KEY,
                  at timestamp NOT NULL DEFAULT timezone('utc', now()),
                  bt timestamptz DEFAULT now()
              )
          """)
          op.execute("ALTER TABLE audit_entry ADD COLUMN ct timestamp DEFAULT timezone('utc', now())")
          op.execute("ALTER TABLE audit_entry ALTER COLUMN at SET DEFAULT statement_timestamp()")
      `,
    },
    {
      name: 'a compound default is reported without a fix',
      code: `
      def upgrade():
          op.add_column("a", sa.Column("due", sa.DateTime(), server_default=sa.text("now() + interval '7 days'")))
      `,
      errors: [{ line: 2, message: /`now\(\)`/ }],
      output: null,
    },
  ],
});

describe('SW204 and SW205 fixes applied one after the other', () => {
  before(() => engineReady);
  const original = dedent(`
    import sqlalchemy as sa
    def upgrade():
        op.add_column("invoice", sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False))
    `);
  const applyFirstFix = (r: Rule, code: string): string => {
    const findings = findingsOf(r, code);
    assert.equal(findings.length, 1, `${r.meta.id} reports the column once`);
    return applyEdits(code, findings[0].fixes[0].edits).text;
  };
  const correct = dedent(`
    import sqlalchemy as sa
    def upgrade():
        op.add_column("invoice", sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False))
    `);

  it('reports the two problems with edits that do not overlap', () => {
    const [type] = findingsOf(sw204, original).flatMap((f) => f.fixes[0].edits);
    const [def] = findingsOf(rule, original).flatMap((f) => f.fixes[0].edits);
    assert.ok(type.span.end <= def.span.start || def.span.end <= type.span.start);
  });

  it('SW204 first: timestamptz with now(), and SW205 is then quiet', () => {
    const fixed = applyFirstFix(sw204, original);
    assert.equal(fixed, correct);
    assert.deepEqual(findingsOf(rule, fixed), []);
  });

  it('SW205 first: the UTC default, which the SW204 fix turns back into now()', () => {
    const utc = applyFirstFix(rule, original);
    assert.match(utc, /server_default=sa\.text\("timezone\('utc', now\(\)\)"\)/);
    const fixed = applyFirstFix(sw204, utc);
    assert.equal(fixed, correct.replace('sa.func.now()', 'sa.text("now()")'));
    assert.deepEqual(findingsOf(rule, fixed), []);
    assert.deepEqual(findingsOf(sw204, fixed), []);
  });
});
