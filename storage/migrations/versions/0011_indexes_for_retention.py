"""indexes for retention: processed update ids and handled inbox rows are deleted by age
(storage/retention.py), each an index range scan (settled outbox rows use 0010's status, created_at)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_processedupdate_processed_at", "processedupdate", ["processed_at"], unique=False)
    op.create_index("ix_inbox_status_received", "inboxupdate", ["status", "received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_status_received", table_name="inboxupdate")
    op.drop_index("ix_processedupdate_processed_at", table_name="processedupdate")
