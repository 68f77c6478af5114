"""outbox claims walk pending rows in id order

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 16:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_status_id", "outboxmessage", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_status_id", table_name="outboxmessage")
