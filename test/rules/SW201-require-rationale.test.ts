import * as assert from 'node:assert/strict';
import sw103 from '../../server/src/rules/SW103-idempotent-sql';
import sw106 from '../../server/src/rules/SW106-logged-data-change';
import rule from '../../server/src/rules/SW201-require-rationale';
import sw203 from '../../server/src/rules/SW203-deterministic-default';
import sw204 from '../../server/src/rules/SW204-timezone-aware-timestamp';
import sw205 from '../../server/src/rules/SW205-utc-default';
import sw206 from '../../server/src/rules/SW206-uuid-primary-key';
import sw208 from '../../server/src/rules/SW208-revision-description';
import { engineReady } from '../support/engine';
import { findingsOf, ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'a temporary table and its indexes live for the session only (#13 review)',
      code: `
      def upgrade():
          op.execute("CREATE TEMPORARY TABLE code_map AS SELECT id, code FROM account")
          op.execute("CREATE INDEX code_map_code ON code_map (code)")
          op.execute("CREATE TEMP TABLE id_pairs (old_id bigint, new_id bigint)")
          op.create_index("id_pairs_old", "id_pairs", ["old_id"])
          op.execute("UPDATE account SET code = upper(m.code) FROM code_map m WHERE m.id = account.id")
          op.execute("DROP TABLE code_map")
      `,
    },
    {
      name: 'comment= on the table and the column, rationale comments above the others',
      code: `
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.Uuid(), primary_key=True),
              sa.Column("total", sa.Numeric(12, 2)),
              sa.UniqueConstraint("id", name="uq_invoice_id"),
              comment="one row per invoice sent to a customer",
          )
          op.add_column("invoice", sa.Column("paid_at", sa.DateTime(timezone=True), comment="when the payment cleared"))
          # The dunning job scans unpaid invoices every hour.
          # rationale: keeps the dunning scan an index range scan
          op.create_index("ix_invoice_paid_at", "invoice", ["paid_at"])
          op.create_foreign_key("fk_invoice_customer", "invoice", "customer", ["customer_id"], ["id"])  # rationale: invoices belong to customers
      `,
    },
    {
      name: 'batch ops, a helper covered at its call, comments stored by Postgres',
      code: `
      def _add_flag(table, name):
          op.add_column(table, sa.Column(name, sa.Boolean(), nullable=True))

      def upgrade():
          with op.batch_alter_table("invoice") as batch_op:
              # rationale: invoices must be unique per customer and number
              batch_op.create_unique_constraint("uq_invoice_number", ["customer_id", "number"])
          # rationale: support needs to hide disputed invoices
          _add_flag("invoice", "disputed")
          op.create_table("credit_note", sa.Column("id", sa.Uuid(), primary_key=True))
          op.create_table_comment("credit_note", "refunds issued against an invoice")
          op.add_column("credit_note", sa.Column("reason", sa.Text()))
          op.alter_column("credit_note", "reason", comment="why the refund was issued")
      `,
    },
    {
      name: 'SQL with COMMENT ON, a -- rationale line, and a rationale above the execute',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE ledger_entry (id uuid PRIMARY KEY, amount numeric(12, 2) NOT NULL);
              COMMENT ON TABLE ledger_entry IS 'double-entry ledger lines';
              -- rationale: entries are looked up by account for statements
              CREATE INDEX ix_ledger_entry_account ON ledger_entry (account_id);
              ALTER TABLE ledger_entry ADD COLUMN memo text;
              COMMENT ON COLUMN ledger_entry.memo IS 'free-text note from the bookkeeper';
          """)
          # rationale: amounts are never negative, refunds are separate entries
          op.execute("ALTER TABLE ledger_entry ADD CONSTRAINT ck_amount CHECK (amount >= 0)")
      `,
    },
    {
      name: 'the downgrade re-creating what the upgrade dropped is not reported',
      code: `
      def upgrade():
          op.drop_index("ix_old", table_name="invoice")

      def downgrade():
          op.create_index("ix_old", "invoice", ["old"])
      `,
    },
  ],
  invalid: [
    {
      name: 'the same index on a regular table needs a reason (#13 review twin)',
      code: `
      def upgrade():
          op.execute("CREATE TABLE code_map AS SELECT id, code FROM account")
          op.execute("CREATE INDEX code_map_code ON code_map (code)")
      `,
      errors: [{ line: 3, message: /Index "code_map_code" has no rationale/ }],
    },
    {
      name: 'no rationale anywhere',
      code: `
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.Uuid(), primary_key=True),
          )
          op.add_column("invoice", sa.Column("paid_at", sa.DateTime(timezone=True), comment=""))
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.create_foreign_key("fk_invoice_customer", "customer", ["customer_id"], ["id"])
          op.create_primary_key("pk_x", "x", ["id"])
      `,
      errors: [
        {
          line: 2,
          message:
            'op.create_table "invoice" has no rationale, which the policy asks of every column, ' +
            'constraint and index. Add comment="…" (stored by PostgreSQL; preferred) or a # rationale: ' +
            '… comment directly above it.',
        },
        { line: 6, message: /`op.add_column` "paid_at" on "invoice" has no rationale/ },
        { line: 8, message: /`batch_op.create_foreign_key` .*has no rationale/ },
        { line: 9 },
      ],
      output: `
      def upgrade():
          # rationale: <why this change is needed>
          op.create_table(
              "invoice",
              sa.Column("id", sa.Uuid(), primary_key=True),
          )
          # rationale: <why this change is needed>
          op.add_column("invoice", sa.Column("paid_at", sa.DateTime(timezone=True), comment=""))
          with op.batch_alter_table("invoice") as batch_op:
              # rationale: <why this change is needed>
              batch_op.create_foreign_key("fk_invoice_customer", "customer", ["customer_id"], ["id"])
          # rationale: <why this change is needed>
          op.create_primary_key("pk_x", "x", ["id"])
      `,
    },
    {
      name: 'the placeholder is still rejected, with no second fix',
      code: `
      def upgrade():
          # rationale: <why this change is needed>
          op.create_index("ix_invoice_paid_at", "invoice", ["paid_at"])
          # rationale: TODO
          op.add_column("invoice", sa.Column("x", sa.Integer()))
      `,
      errors: [
        { line: 3, message: /still a placeholder/ },
        { line: 5, message: /still a placeholder/ },
      ],
      output: null,
    },
    {
      name: 'a comment that is not directly above does not count',
      code: `
      def upgrade():
          # rationale: for the dunning job

          op.create_index("ix_invoice_paid_at", "invoice", ["paid_at"])
      `,
      errors: [{ line: 4 }],
    },
    {
      name: 'SQL in one execute: one finding per statement, one fix',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE ledger_entry (id uuid PRIMARY KEY);
              CREATE INDEX ix_ledger_entry_id ON ledger_entry (id);
              ALTER TABLE ledger_entry ADD COLUMN memo text, ADD CONSTRAINT uq_memo UNIQUE (memo);
          """)
      `,
      errors: [
        { line: 3, message: /^Table "ledger_entry" has no rationale/ },
        { line: 4, message: /^Index "ix_ledger_entry_id" has no rationale/ },
        {
          line: 5,
          message: /^Column "memo" of "ledger_entry", constraint "uq_memo" on "ledger_entry" have no rationale/,
        },
      ],
      output: `
      def upgrade():
          # rationale: <why this change is needed>
          op.execute("""
              CREATE TABLE ledger_entry (id uuid PRIMARY KEY);
              CREATE INDEX ix_ledger_entry_id ON ledger_entry (id);
              ALTER TABLE ledger_entry ADD COLUMN memo text, ADD CONSTRAINT uq_memo UNIQUE (memo);
          """)
      `,
    },
  ],
});

/** A revision written the way the policy asks: none of the column, default, rationale or data rules reports it. */
const WELL_WRITTEN = `"""Add invoices with their line items for billing v2

Revision ID: 3f2a1c9d8e7b
Revises: 1a2b3c4d5e6f
Create Date: 2024-05-02 10:11:12.123456
"""
import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "3f2a1c9d8e7b"
down_revision = "1a2b3c4d5e6f"
branch_labels = None
depends_on = None

logger = logging.getLogger(f"alembic.{__name__}")


def upgrade():
    op.create_table(
        "invoice",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("customer_id", sa.Uuid(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("status", sa.String(16), server_default="draft", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        comment="one row per invoice sent to a customer",
    )
    # rationale: invoices are listed per customer on the account page
    op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"])
    with op.batch_alter_table("customer") as batch_op:
        batch_op.add_column(sa.Column("billing_email", sa.Text(), nullable=True, comment="where invoices are sent"))
    with op.get_context().autocommit_block():
        # rationale: the dunning job scans by status
        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_invoice_status ON invoice (status)")
    logger.info("backfilling customer.billing_email from customer.email")
    op.execute("UPDATE customer SET billing_email = email WHERE billing_email IS NULL")


def downgrade():
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_invoice_status")
    with op.batch_alter_table("customer") as batch_op:
        batch_op.drop_column("billing_email")
    op.drop_index("ix_invoice_customer_id", table_name="invoice")
    op.drop_table("invoice")
`;

describe('a well-written revision', () => {
  before(() => engineReady);
  for (const r of [sw103, sw106, rule, sw203, sw204, sw205, sw206, sw208]) {
    it(`has no ${r.meta.id} finding`, () => {
      assert.deepEqual(
        findingsOf(r, WELL_WRITTEN).map((f) => `${f.range.start.line + 1}: ${f.message}`),
        [],
      );
    });
  }
  it('still has findings once its rationale, zone and logging are removed', () => {
    const careless = WELL_WRITTEN.replace(/ *# rationale:.*\n/g, '')
      .replace('timezone=True', '')
      .replace(/ *logger\.info\(.*\n/, '');
    assert.ok(findingsOf(rule, careless).length >= 2);
    assert.equal(findingsOf(sw204, careless).length, 1);
    assert.equal(findingsOf(sw106, careless).length, 1);
  });
});
