"""indexes for digests and exports: a partner's last answer is one seek on (person_id,
answered_at); a project's recent answers are a range on (project_id, answered_at); whether an
answer raised a flag is a seek on flagevidence.answer_id (also what deleting an answer cascades by)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 04:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_answer_person_answered", "answer", ["person_id", "answered_at"], unique=False)
    op.create_index("ix_answer_project_answered", "answer", ["project_id", "answered_at"], unique=False)
    op.create_index("ix_flagevidence_answer_id", "flagevidence", ["answer_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_flagevidence_answer_id", table_name="flagevidence")
    op.drop_index("ix_answer_project_answered", table_name="answer")
    op.drop_index("ix_answer_person_answered", table_name="answer")
