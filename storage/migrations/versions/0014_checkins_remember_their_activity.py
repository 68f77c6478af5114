"""a check-in scheduled from an activity remembers it: each activity's check-in goes once,
and removing an activity removes the check-ins it put on calendars (`checkin activity remove`)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activity_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_checkin_activity_id", ["activity_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_checkin_activity_id_activity", "activity", ["activity_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_constraint("fk_checkin_activity_id_activity", type_="foreignkey")
        batch_op.drop_index("ix_checkin_activity_id")
        batch_op.drop_column("activity_id")
