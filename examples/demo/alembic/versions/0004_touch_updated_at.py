"""keep updated_at current

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-07 16:45:10.871002
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.updated_at := now();
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER account_touch BEFORE UPDATE ON account
            FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER account_touch ON account")
    op.execute("DROP FUNCTION touch_updated_at()")
