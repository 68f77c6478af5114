"""inbox parking (failures, error; payload cleared after handling),
and outbox references for following up a message that may not have arrived

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inboxupdate") as batch:
        batch.alter_column("payload", existing_type=sa.JSON(), nullable=True)
        batch.add_column(sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
    with op.batch_alter_table("outboxmessage") as batch:
        batch.add_column(sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("followed_up_at", storage.models.UTCDateTime(), nullable=True))
    op.create_index("ix_outbox_status_chat", "outboxmessage", ["status", "chat_id", "id"], unique=False)
    op.create_index("ix_outbox_status_created", "outboxmessage", ["status", "created_at"], unique=False)
    op.execute("UPDATE inboxupdate SET status = 'parked' WHERE status = 'failed'")


def downgrade() -> None:
    op.execute("UPDATE inboxupdate SET status = 'failed' WHERE status = 'parked'")
    op.drop_index("ix_outbox_status_created", table_name="outboxmessage")
    op.drop_index("ix_outbox_status_chat", table_name="outboxmessage")
    with op.batch_alter_table("outboxmessage") as batch:
        batch.drop_column("followed_up_at")
        batch.drop_column("ref")
    with op.batch_alter_table("inboxupdate") as batch:
        batch.drop_column("error")
        batch.drop_column("failures")
    op.execute("DELETE FROM inboxupdate WHERE payload IS NULL")
    with op.batch_alter_table("inboxupdate") as batch:
        batch.alter_column("payload", existing_type=sa.JSON(), nullable=False)
