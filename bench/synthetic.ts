import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a synthetic Alembic history of `count` revisions (≈70 lines each, ≈70k lines for the
 * 1,000 of the budget) in varied real-world shapes: the Alembic 1.13 template's typed header and a
 * docstring with the why, create table with foreign keys/unique/check constraints and partial
 * indexes, batch ops, concurrent indexes in autocommit blocks, NOT VALID + VALIDATE, SQL in
 * triple-quoted strings and `sa.text(...).bindparams(...)`, a batched backfill helper with logging,
 * views, and a merge every 50 revisions. Deterministic for a given count.
 */
export function writeSyntheticHistory(dir: string, count: number): { files: number; lines: number } {
  const versions = path.join(dir, 'alembic', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/alembic\n');
  let lines = 0;
  let previous: string | null = null;
  let sideBranch: string | null = null;
  for (let i = 0; i < count; i++) {
    const id = `r${String(i).padStart(5, '0')}`;
    let down: string;
    if (i > 0 && i % 50 === 25 && previous) {
      sideBranch = previous;
    }
    if (sideBranch && i % 50 === 27 && previous) {
      down = `("${previous}", "${sideBranch}")`;
      sideBranch = null;
    } else down = previous === null ? 'None' : `"${previous}"`;
    const source = revisionSource(i, id, down);
    lines += source.split('\n').length;
    fs.writeFileSync(path.join(versions, `${id}_step_${i}.py`), source);
    // Every 50th revision forks: the next one shares its parent, and a merge joins them.
    if (!(i % 50 === 25)) previous = id;
    else previous = id;
  }
  return { files: count, lines };
}

function revisionSource(i: number, id: string, down: string): string {
  const table = `entity_${i}`;
  const header = `"""step ${i}: ${['create', 'extend', 'index', 'backfill', 'view'][i % 5]} ${table}

Revision ID: ${id}
Revises: ${down}
Create Date: 2026-01-01 00:00:00.000000

Why: ticket DATA-${1000 + i} asks for this change so that the reporting jobs and the public API
read the same ${table} rows. The change is additive for readers; writers deploy after it.
Rollout: applied by the deploy pipeline before the application release that uses it; the
downgrade restores the previous schema and is tested on an ephemeral database in CI.
Owner: data platform team (#data-platform).
Checked: the lock each statement takes and whether it rewrites the table (PostgreSQL 15), the
size of ${table} in production, and the queries of the services that read it.
Follow-up: remove the compatibility code in the API once every client reads the new shape.
"""
import logging
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

log = logging.getLogger("alembic.runtime.migration")

# revision identifiers, used by Alembic.
revision: str = "${id}"
down_revision: Union[str, Sequence[str], None] = ${down}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None
`;
  const bodies = [
    // A new table with a foreign key, a unique constraint, two indexes and a seed row.
    () => `

def upgrade() -> None:
    # rationale: ${table} records one business event per row.
    op.create_table(
        "${table}",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True, comment="identifier"),
        sa.Column("owner_id", postgresql.UUID(as_uuid=True), nullable=True, comment="owning account"),
        sa.Column("code", sa.String(40), nullable=False, comment="business key"),
        sa.Column("name", sa.String(200), nullable=False, comment="display name"),
        sa.Column("amount", sa.Numeric(12, 2), nullable=True, comment="amount in cents"),
        sa.Column("currency", sa.String(3), nullable=False, server_default="EUR", comment="ISO 4217 code"),
        sa.Column("state", sa.String(20), nullable=False, server_default="new", comment="state"),
        sa.Column("attributes", postgresql.JSONB(), nullable=True, comment="free-form attributes"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("created_by", sa.String(100), nullable=True, comment="user that created the row"),
        sa.Column("updated_by", sa.String(100), nullable=True, comment="user that last changed the row"),
        sa.ForeignKeyConstraint(["owner_id"], ["account.id"], name="fk_${table}_owner_id"),
        sa.UniqueConstraint("code", name="uq_${table}_code"),
        sa.CheckConstraint("amount >= 0", name="ck_${table}_amount"),
        comment="synthetic table ${i}",
    )
    op.create_index("ix_${table}_name", "${table}", ["name"], unique=False)
    op.create_index("ix_${table}_owner_id", "${table}", ["owner_id"], unique=False)
    op.create_index(
        "ix_${table}_state_created_at",
        "${table}",
        ["state", "created_at"],
        unique=False,
        postgresql_where=sa.text("state <> 'archived'"),
    )
    op.execute(
        sa.text("INSERT INTO ${table} (id, code, name, state) VALUES (:id, :code, :name, 'new')").bindparams(
            id="00000000-0000-0000-0000-${String(i).padStart(12, '0')}", code="seed-${i}", name="seed"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_${table}_state_created_at", table_name="${table}")
    op.drop_index("ix_${table}_owner_id", table_name="${table}")
    op.drop_index("ix_${table}_name", table_name="${table}")
    op.drop_table("${table}")
`,
    // Batch alterations of the previous table: new columns, a type change, a check constraint.
    () => `

def upgrade() -> None:
    with op.batch_alter_table("entity_${i - 1}") as batch_op:
        batch_op.add_column(sa.Column("note_${i}", sa.Text(), nullable=True, comment="free text"))
        batch_op.add_column(sa.Column("priority_${i}", sa.SmallInteger(), nullable=True, comment="1 (high) to 5 (low)"))
        batch_op.add_column(
            sa.Column(
                "reviewed_at_${i}",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="when a person last reviewed the row",
            )
        )
        batch_op.alter_column("name", existing_type=sa.String(200), nullable=False)
        batch_op.alter_column(
            "code",
            existing_type=sa.String(40),
            type_=sa.String(64),
            existing_nullable=False,
        )
        batch_op.create_check_constraint("ck_entity_${i - 1}_priority_${i}", "priority_${i} BETWEEN 1 AND 5")
    op.create_index("ix_entity_${i - 1}_priority_${i}", "entity_${i - 1}", ["priority_${i}"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_entity_${i - 1}_priority_${i}", table_name="entity_${i - 1}")
    with op.batch_alter_table("entity_${i - 1}") as batch_op:
        batch_op.drop_constraint("ck_entity_${i - 1}_priority_${i}", type_="check")
        batch_op.alter_column(
            "code",
            existing_type=sa.String(64),
            type_=sa.String(40),
            existing_nullable=False,
        )
        batch_op.drop_column("reviewed_at_${i}")
        batch_op.drop_column("priority_${i}")
        batch_op.drop_column("note_${i}")
`,
    // Indexes and a foreign key built without blocking writes.
    () => `

def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_entity_${i - 2}_state",
            "entity_${i - 2}",
            ["state"],
            postgresql_concurrently=True,
        )
        op.create_index(
            "ix_entity_${i - 2}_code_lower",
            "entity_${i - 2}",
            [sa.text("lower(code)")],
            unique=True,
            postgresql_concurrently=True,
        )
    op.execute(
        """
        ALTER TABLE entity_${i - 2}
            ADD CONSTRAINT fk_entity_${i - 2}_parent FOREIGN KEY (owner_id)
            REFERENCES account (id) NOT VALID;
        """
    )
    op.execute("ALTER TABLE entity_${i - 2} VALIDATE CONSTRAINT fk_entity_${i - 2}_parent")


def downgrade() -> None:
    op.execute("ALTER TABLE entity_${i - 2} DROP CONSTRAINT IF EXISTS fk_entity_${i - 2}_parent")
    with op.get_context().autocommit_block():
        op.drop_index("ix_entity_${i - 2}_code_lower", table_name="entity_${i - 2}", postgresql_concurrently=True)
        op.drop_index("ix_entity_${i - 2}_state", table_name="entity_${i - 2}", postgresql_concurrently=True)
`,
    // A data backfill in batches through a helper, with logging, then a constraint.
    () => `

BATCH_SIZE = 5000


def _backfill(table: str, column: str) -> None:
    """Fills the new column in batches so that no statement holds its locks for long."""
    bind = op.get_bind()
    total = 0
    while True:
        result = bind.execute(
            sa.text(
                f"UPDATE {table} SET {column} = 'EUR' "
                f"WHERE id IN (SELECT id FROM {table} WHERE {column} IS NULL LIMIT :size)"
            ).bindparams(size=BATCH_SIZE)
        )
        total += result.rowcount
        log.info("backfilled %s rows of %s.%s", total, table, column)
        if result.rowcount < BATCH_SIZE:
            break


def upgrade() -> None:
    op.add_column("entity_${i - 3}", sa.Column("settlement_currency", sa.String(3), nullable=True, comment="currency of settlement"))
    _backfill("entity_${i - 3}", "settlement_currency")
    op.execute(
        sa.text("UPDATE entity_${i - 3} SET state = :state WHERE state IS NULL").bindparams(state="new")
    )
    op.execute(
        """
        ALTER TABLE entity_${i - 3}
            ADD CONSTRAINT ck_entity_${i - 3}_amount_positive CHECK (amount >= 0) NOT VALID;
        ALTER TABLE entity_${i - 3} VALIDATE CONSTRAINT ck_entity_${i - 3}_amount_positive;
        """
    )
    op.alter_column("entity_${i - 3}", "settlement_currency", existing_type=sa.String(3), nullable=False)


def downgrade() -> None:
    op.execute("ALTER TABLE entity_${i - 3} DROP CONSTRAINT IF EXISTS ck_entity_${i - 3}_amount_positive")
    op.drop_column("entity_${i - 3}", "settlement_currency")
`,
    // Reporting views over earlier tables.
    () => `

def upgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE VIEW entity_${i - 4}_summary AS
        SELECT e.id, e.name, e.amount, e.currency, e.state, e.created_at
        FROM entity_${i - 4} AS e
        WHERE e.state <> 'deleted'
        """
    )
    op.execute(
        """
        CREATE OR REPLACE VIEW entity_${i - 4}_totals AS
        SELECT e.currency, e.state, count(*) AS rows, sum(e.amount) AS amount
        FROM entity_${i - 4} AS e
        JOIN account AS a ON a.id = e.owner_id
        WHERE e.state IN ('new', 'open', 'settled')
        GROUP BY e.currency, e.state
        """
    )
    op.execute(
        """
        CREATE OR REPLACE VIEW entity_${i - 4}_recent AS
        SELECT e.id, e.code, e.name, e.updated_at, e.updated_by
        FROM entity_${i - 4} AS e
        WHERE e.updated_at > timezone('utc', now()) - interval '30 days'
        ORDER BY e.updated_at DESC
        """
    )
    op.execute("COMMENT ON VIEW entity_${i - 4}_summary IS 'live rows of entity_${i - 4}'")
    op.execute("COMMENT ON VIEW entity_${i - 4}_totals IS 'totals of entity_${i - 4} by currency and state'")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS entity_${i - 4}_recent")
    op.execute("DROP VIEW IF EXISTS entity_${i - 4}_totals")
    op.execute("DROP VIEW IF EXISTS entity_${i - 4}_summary")
`,
  ];
  const pick = i < 5 ? 0 : i % 5;
  return header + bodies[pick]();
}
