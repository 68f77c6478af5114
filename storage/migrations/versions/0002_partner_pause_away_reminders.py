"""partner pause away and check-in reminders

Partners can pause or be away (person.paused, person.away_until); an unanswered
check-in gets one reminder (checkin.reminded_at).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:16:32.640053
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", storage.models.UTCDateTime(), nullable=True))

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("away_until", storage.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("away_until")
        batch_op.drop_column("paused")

    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
