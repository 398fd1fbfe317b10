import * as assert from 'node:assert/strict';
import { lintProject } from '../../server/src/engine/lint';
import SW303 from '../../server/src/rules/SW303-no-cascading-actions';
import SW903 from '../../server/src/rules/SW903-unused-waiver';
import { dedent, engineReady } from '../support/engine';
import { projectWith, record, recordText, runWaiverCase, Snapshot, TODAY, type WaiverCase } from '../decisions/support';

const valid: WaiverCase[] = [
  {
    name: 'the waiver covers a finding on the next line',
    code: `
    revision = "a1"

    def upgrade():
        # schema-warden: allow SW303 decision=0007
        op.create_foreign_key("fk_audit_account", "audit", "account", ["account_id"], ["id"], ondelete="CASCADE")
    `,
    expect: [],
  },
  {
    name: 'a comment above a multi-line create_table covers its arguments',
    code: `
    revision = "a1"

    def upgrade():
        # Audit rows go with their account (decision 0007).
        # schema-warden: allow SW303 decision=0007
        op.create_table(
            "audit",
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("account_id", sa.Uuid(), sa.ForeignKey("account.id", ondelete="CASCADE")),
        )
    `,
    expect: [],
  },
  {
    name: 'allow-file covers every finding of the rule',
    code: `
    # schema-warden: allow-file SW303 decision=0007
    revision = "a1"

    def upgrade():
        op.create_foreign_key("fk_a", "audit", "account", ["account_id"], ["id"], ondelete="CASCADE")
        with op.batch_alter_table("audit_item") as batch_op:
            batch_op.create_foreign_key("fk_b", "audit", ["audit_id"], ["id"], ondelete="CASCADE")
    `,
    expect: [],
  },
  {
    name: 'a SQL comment inside the SQL string',
    code: `
    revision = "a1"

    def upgrade():
        op.execute("""
            -- schema-warden: allow SW303 decision=0007
            ALTER TABLE audit
                ADD CONSTRAINT fk_audit_account FOREIGN KEY (account_id)
                REFERENCES account (id) ON DELETE CASCADE;
        """)
    `,
    expect: [],
  },
];

const invalid: WaiverCase[] = [
  {
    name: 'nothing to waive on the covered line',
    code: `
    revision = "a1"

    def upgrade():
        # schema-warden: allow SW303 decision=0007
        op.create_foreign_key("fk_audit_account", "audit", "account", ["account_id"], ["id"])
    `,
    expect: [
      {
        line: 4,
        rule: 'SW903',
        message: /^Unused waiver: there is no SW303 finding on the line it covers to allow\./,
      },
    ],
  },
  {
    name: 'a blank line between the waiver and the code breaks it',
    code: `
    revision = "a1"

    def upgrade():
        # schema-warden: allow SW303 decision=0007

        op.create_foreign_key("fk_audit_account", "audit", "account", ["account_id"], ["id"], ondelete="CASCADE")
    `,
    expect: [
      { line: 4, rule: 'SW903' },
      { line: 6, rule: 'SW303' },
    ],
  },
  {
    name: 'allow-file with nothing to allow',
    code: `
    # schema-warden: allow-file SW303 decision=0007
    revision = "a1"

    def upgrade():
        op.add_column("audit", sa.Column("note", sa.Text()))
    `,
    expect: [{ line: 1, rule: 'SW903', message: /no SW303 finding in this file/ }],
  },
];

describe('SW903 unused-waiver', () => {
  before(() => engineReady);
  const snapshot = new Snapshot('SW903');
  describe('valid', () => {
    for (const c of valid)
      it(c.name, () => {
        runWaiverCase(c);
      });
  });
  describe('invalid', () => {
    for (const c of invalid)
      it(c.name, () => {
        runWaiverCase(c, snapshot);
      });
  });

  it('is quiet about waivers for rules that did not run (--select)', () => {
    const code = dedent(`
      revision = "a1"

      def upgrade():
          # schema-warden: allow SW303 decision=0007
          op.create_foreign_key("fk", "audit", "account", ["account_id"], ["id"])
    `);
    const project = projectWith({ 'a1_audit.py': code }, [record('0007-x.md', recordText())]);
    const onlyUnused =
      lintProject(project, { rules: [SW903], today: TODAY }).get('/project/alembic/versions/a1_audit.py') ?? [];
    assert.deepEqual(onlyUnused, []);
    const withRule =
      lintProject(project, { rules: [SW303, SW903], today: TODAY }).get('/project/alembic/versions/a1_audit.py') ?? [];
    assert.deepEqual(
      withRule.map((f) => f.ruleId),
      ['SW903'],
    );
  });
  after(() => snapshot.check());
});
