"""typed choices: what a partner who asked for no buttons may type to answer the last
message that would have had them (bot/core/outgoing.py, bot/front_door.py)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "typedchoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("shown_from", storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_typedchoices_chat_shown", "typedchoices", ["chat_id", "shown_from"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_typedchoices_chat_shown", table_name="typedchoices")
    op.drop_table("typedchoices")
