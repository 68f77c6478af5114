"""messages to the team, comments and message ids on answers, drafts on staff prompts,
and the wait for the rest of a long message

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teammessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_teammessage_partner_project", "teammessage", ["partner_id", "project_id"], unique=False)
    with op.batch_alter_table("answer") as batch:
        batch.add_column(sa.Column("comment", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("staffprompt") as batch:
        batch.add_column(sa.Column("draft", sa.Text(), nullable=True))
    with op.batch_alter_table("checkin") as batch:
        batch.add_column(sa.Column("waiting_until", storage.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkin") as batch:
        batch.drop_column("waiting_until")
    with op.batch_alter_table("staffprompt") as batch:
        batch.drop_column("draft")
    with op.batch_alter_table("answer") as batch:
        batch.drop_column("message_id")
        batch.drop_column("comment")
    op.drop_index("ix_teammessage_partner_project", table_name="teammessage")
    op.drop_table("teammessage")
