import * as assert from 'node:assert/strict';
import { applyEdits } from '../../server/src/fixes/applyEdits';
import { downgradeFix } from '../../server/src/fixes/downgradeFix';
import { dedent, engineReady, model, project } from '../support/engine';

/**
 * The "Add downgrade" fix, one operation kind at a time and both ways: the inverse of the
 * upgrade, then — in a child revision that runs that inverse as its upgrade — the inverse of the
 * inverse, which must be the original operation again.
 */

const BASE = dedent(`
  from alembic import op
  import sqlalchemy as sa

  revision = "a1"
  down_revision = None


  def upgrade():
      op.create_table(
          "account",
          sa.Column("id", sa.Integer(), primary_key=True),
          sa.Column("email", sa.String(255), nullable=False),
          sa.Column("legacy", sa.Text(), server_default="", nullable=False),
      )
      op.create_index("ix_account_email", "account", ["email"], unique=True)
      op.create_check_constraint("ck_account_email", "account", "email <> ''")
      op.create_table("audit_log", sa.Column("id", sa.Integer(), primary_key=True), comment="who did what")


  def downgrade():
      op.drop_table("audit_log")
      op.drop_constraint("ck_account_email", "account", type_="check")
      op.drop_index("ix_account_email", table_name="account")
      op.drop_table("account")
  `);

function revision(id: string, parent: string, body: string): string {
  return `from alembic import op\nimport sqlalchemy as sa\n\nrevision = "${id}"\ndown_revision = "${parent}"\n\n\ndef upgrade():\n${body
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n\n\ndef downgrade():\n    pass\n`;
}

/** The body of the downgrade the fix writes (dedented), or the blocker message. */
function inverseOf(body: string, others: Record<string, string> = {}, id = 'b1', parent = 'a1'): string {
  const source = revision(id, parent, body);
  const proj = project({ [`${id}.py`]: source, 'a1.py': BASE, ...others });
  const migration = proj.revisions[0];
  const result = downgradeFix(migration, proj);
  if (!result) return '<no fix>';
  if ('blocker' in result) return `blocked: ${result.blocker}`;
  const fixed = applyEdits(source, result.fix.edits).text;
  assert.deepEqual(model(fixed).syntaxErrors, [], 'the fixed file parses');
  const downgrade = fixed.slice(fixed.indexOf('def downgrade():\n') + 'def downgrade():\n'.length);
  return dedent(downgrade).trimEnd();
}

interface Case {
  kind: string;
  upgrade: string;
  downgrade: string;
  roundTrip?: boolean;
}

const CASES: Case[] = [
  {
    kind: 'create_table ↔ drop_table (schema kept)',
    upgrade: 'op.create_table("invoice", sa.Column("id", sa.Integer(), primary_key=True), schema="billing")',
    downgrade: 'op.drop_table("invoice", schema="billing")',
  },
  {
    kind: 'drop_table ↔ create_table from the history',
    upgrade: 'op.drop_table("audit_log")',
    downgrade: 'op.create_table("audit_log", sa.Column("id", sa.Integer(), primary_key=True), comment="who did what")',
  },
  {
    kind: 'add_column ↔ drop_column',
    upgrade: 'op.add_column("account", sa.Column("note", sa.Text(), nullable=True))',
    downgrade: 'op.drop_column("account", "note")',
  },
  {
    kind: 'drop_column ↔ add_column from the history',
    upgrade: 'op.drop_column("account", "legacy")',
    downgrade: 'op.add_column("account", sa.Column("legacy", sa.Text(), server_default="", nullable=False))',
  },
  {
    kind: 'create_index ↔ drop_index',
    upgrade: 'op.create_index(op.f("ix_account_id"), "account", ["id"])',
    downgrade: 'op.drop_index(op.f("ix_account_id"), table_name="account")',
  },
  {
    kind: 'drop_index ↔ create_index from the history',
    upgrade: 'op.drop_index("ix_account_email", table_name="account")',
    downgrade: 'op.create_index("ix_account_email", "account", ["email"], unique=True)',
  },
  {
    kind: 'create_unique_constraint ↔ drop_constraint',
    upgrade: 'op.create_unique_constraint("uq_account_email", "account", ["email"])',
    downgrade: 'op.drop_constraint("uq_account_email", "account", type_="unique")',
  },
  {
    kind: 'create_foreign_key ↔ drop_constraint',
    upgrade: 'op.create_foreign_key("fk_log_account", "audit_log", "account", ["account_id"], ["id"])',
    downgrade: 'op.drop_constraint("fk_log_account", "audit_log", type_="foreignkey")',
  },
  {
    kind: 'create_primary_key ↔ drop_constraint',
    upgrade: 'op.create_primary_key("pk_log", "audit_log", ["id"])',
    downgrade: 'op.drop_constraint("pk_log", "audit_log", type_="primary")',
  },
  {
    kind: 'drop_constraint ↔ create_check_constraint from the history',
    upgrade: 'op.drop_constraint("ck_account_email", "account", type_="check")',
    downgrade: 'op.create_check_constraint("ck_account_email", "account", "email <> \'\'")',
  },
  {
    kind: 'rename_table ↔ rename_table',
    upgrade: 'op.rename_table("audit_log", "audit_entry")',
    downgrade: 'op.rename_table("audit_entry", "audit_log")',
  },
  {
    kind: 'alter_column new_column_name',
    upgrade: 'op.alter_column("account", "email", new_column_name="email_address")',
    downgrade: 'op.alter_column("account", "email_address", new_column_name="email")',
  },
  {
    kind: 'alter_column nullable',
    upgrade: 'op.alter_column("account", "email", nullable=True)',
    downgrade: 'op.alter_column("account", "email", nullable=False)',
  },
  {
    kind: 'alter_column nullable with existing_nullable',
    upgrade: 'op.alter_column("account", "email", nullable=True, existing_nullable=False)',
    downgrade: 'op.alter_column("account", "email", nullable=False, existing_nullable=True)',
  },
  {
    kind: 'alter_column type_ with existing_type',
    upgrade: 'op.alter_column("account", "email", type_=sa.Text(), existing_type=sa.String(255))',
    downgrade: 'op.alter_column("account", "email", type_=sa.String(255), existing_type=sa.Text())',
  },
  {
    kind: 'alter_column server_default with existing_server_default',
    upgrade: 'op.alter_column("account", "legacy", server_default=None, existing_server_default="")',
    downgrade: 'op.alter_column("account", "legacy", server_default="", existing_server_default=None)',
  },
  {
    kind: 'create_table_comment ↔ drop_table_comment',
    upgrade: 'op.create_table_comment("account", "customers")',
    downgrade: 'op.drop_table_comment("account", existing_comment="customers")',
    roundTrip: false,
  },
  {
    kind: 'create_table_comment with existing_comment',
    upgrade: 'op.create_table_comment("audit_log", "audit", existing_comment="who did what")',
    downgrade: 'op.create_table_comment("audit_log", "who did what", existing_comment="audit")',
  },
  {
    kind: 'drop_table_comment with existing_comment',
    upgrade: 'op.drop_table_comment("audit_log", existing_comment="who did what")',
    downgrade: 'op.create_table_comment("audit_log", "who did what")',
    roundTrip: false,
  },
  {
    kind: 'batch ops inside one batch block',
    upgrade:
      'with op.batch_alter_table("account") as ' +
      'batch_op:\n    batch_op.add_column(sa.Column("note", ' +
      'sa.Text()))\n    batch_op.drop_column("legacy")\n    batch_op.create_index("ix_account_note", ' +
      '["note"])',
    downgrade:
      'with op.batch_alter_table("account") as ' +
      'batch_op:\n    batch_op.drop_index("ix_account_note")\n    batch_op.add_column(sa.Column("legacy", ' +
      'sa.Text(), server_default="", nullable=False))\n    batch_op.drop_column("note")',
  },
];

describe('fixes: the inverse of each operation (Add downgrade)', () => {
  before(() => engineReady);

  for (const c of CASES) {
    it(c.kind, () => {
      assert.equal(inverseOf(c.upgrade), c.downgrade);
      if (c.roundTrip === false) return;
      // The child revision runs the inverse; its own inverse must be the original again.
      const child = inverseOf(c.downgrade, { 'b1.py': revision('b1', 'a1', c.upgrade) }, 'c1', 'b1');
      assert.equal(child, c.upgrade);
    });
  }

  it('several operations come back in reverse order', () => {
    assert.equal(
      inverseOf(
        'op.create_table("t", sa.Column("id", sa.Integer()))\nop.create_index("ix_t_id", "t", ["id"])\nop.add_column("t", sa.Column("x", sa.Text()))',
      ),
      'op.drop_column("t", "x")\nop.drop_index("ix_t_id", table_name="t")\nop.drop_table("t")',
    );
  });

  it('a table created and dropped in the same revision is re-created from that revision', () => {
    assert.equal(
      inverseOf('op.create_table("tmp", sa.Column("id", sa.Integer()))\nop.drop_table("tmp")'),
      'op.create_table("tmp", sa.Column("id", sa.Integer()))\nop.drop_table("tmp")',
    );
  });

  const BLOCKED: Array<[string, string, RegExp]> = [
    [
      'op.execute',
      'op.execute("UPDATE account SET email = lower(email)")',
      /`op\.execute` at line 9 cannot be reversed automatically: raw SQL/,
    ],
    [
      'bulk_insert',
      'op.bulk_insert(sa.table("account", sa.column("id")), [{"id": 1}])',
      /`op\.bulk_insert` .*rows it inserts/,
    ],
    [
      'drop_table of an unknown table',
      'op.drop_table("nowhere")',
      /definition of table "nowhere" is not in the revision history/,
    ],
    [
      'drop_column of an indexed column',
      'op.drop_column("account", "email")',
      /"ix_account_email", "ck_account_email" on column "account\.email" would not come back/,
    ],
    [
      'alter_column server_default without existing_server_default',
      'op.alter_column("account", "legacy", server_default="x")',
      /changes `server_default` without `existing_server_default=`/,
    ],
    [
      'alter_column with postgresql_using',
      'op.alter_column("account", "id", type_=sa.BigInteger(), existing_type=sa.Integer(), postgresql_using="id::bigint")',
      /`postgresql_using=` has no known inverse/,
    ],
    ['a plugin op', 'op.create_entity(my_view)', /`create_entity` has no known inverse/],
    [
      'an op inside a for loop',
      'for name in ("a", "b"):\n    op.add_column(name, sa.Column("x", sa.Text()))',
      /`op\.add_column` at line 10 is inside a `for` loop/,
    ],
    ['a computed table name', 'op.add_column(TABLE, sa.Column("x", sa.Text()))', /table name is not a string literal/],
  ];
  for (const [what, body, message] of BLOCKED) {
    it(`not invertible: ${what}`, () => assert.match(inverseOf(body), message));
  }

  it('an empty upgrade inverse (only existing_* keywords) offers nothing', () => {
    assert.equal(inverseOf('op.alter_column("account", "email", existing_type=sa.String(255))'), '<no fix>');
  });
});
