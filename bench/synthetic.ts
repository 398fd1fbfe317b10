import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a synthetic Alembic history of `count` revisions in varied real-world shapes (create
 * table, add column, indexes, batch ops, autocommit blocks, SQL in triple-quoted strings, helper
 * functions, data backfills with logging, a merge every so often). Deterministic for a given count.
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
    if (i > 0 && i % 50 === 25 && previous) { sideBranch = previous; }
    if (sideBranch && i % 50 === 27 && previous) { down = `("${previous}", "${sideBranch}")`; sideBranch = null; }
    else down = previous === null ? 'None' : `"${previous}"`;
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
"""
import logging

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

log = logging.getLogger("alembic.runtime.migration")

revision = "${id}"
down_revision = ${down}
branch_labels = None
depends_on = None
`;
  const bodies = [
    () => `

def upgrade() -> None:
    # rationale: ${table} records one business event per row.
    op.create_table(
        "${table}",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True, comment="identifier"),
        sa.Column("name", sa.String(200), nullable=False, comment="display name"),
        sa.Column("amount", sa.Numeric(12, 2), nullable=True, comment="amount in cents"),
        sa.Column("state", sa.String(20), nullable=False, server_default="new", comment="state"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        comment="synthetic table ${i}",
    )
    op.create_index("ix_${table}_name", "${table}", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_${table}_name", table_name="${table}")
    op.drop_table("${table}")
`,
    () => `

def upgrade() -> None:
    with op.batch_alter_table("entity_${i - 1}") as batch_op:
        batch_op.add_column(sa.Column("note_${i}", sa.Text(), nullable=True, comment="free text"))
        batch_op.alter_column("name", existing_type=sa.String(200), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("entity_${i - 1}") as batch_op:
        batch_op.drop_column("note_${i}")
`,
    () => `

def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_entity_${i - 2}_state",
            "entity_${i - 2}",
            ["state"],
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_entity_${i - 2}_state", table_name="entity_${i - 2}", postgresql_concurrently=True)
`,
    () => `

def _backfill(table: str) -> None:
    log.info("backfilling %s", table)
    op.execute(
        sa.text("UPDATE entity_${i - 3} SET state = :state WHERE state IS NULL").bindparams(state="new")
    )


def upgrade() -> None:
    _backfill("entity_${i - 3}")
    op.execute(
        """
        ALTER TABLE entity_${i - 3}
            ADD CONSTRAINT ck_entity_${i - 3}_amount CHECK (amount >= 0) NOT VALID;
        ALTER TABLE entity_${i - 3} VALIDATE CONSTRAINT ck_entity_${i - 3}_amount;
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE entity_${i - 3} DROP CONSTRAINT IF EXISTS ck_entity_${i - 3}_amount")
`,
    () => `

def upgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE VIEW entity_${i - 4}_summary AS
        SELECT e.id, e.name, e.amount
        FROM entity_${i - 4} AS e
        WHERE e.state <> 'deleted'
        """
    )


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS entity_${i - 4}_summary")
`,
  ];
  const pick = i < 5 ? 0 : i % 5;
  return header + bodies[pick]();
}
