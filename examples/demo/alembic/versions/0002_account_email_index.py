"""index account e-mail and add a note

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-03 14:30:02.554120
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_account_email", "account", ["email"], unique=True)
    op.add_column("account", sa.Column("note", sa.Text(), nullable=True, comment="support notes"))


def downgrade() -> None:
    # The index is forgotten here on purpose: `schema-warden verify` finds it left behind.
    op.drop_column("account", "note")
