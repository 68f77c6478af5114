"""fewer indexes written with every message.  Each of a message's three status changes moved it
in every index on status: the claim does without 0010's (status, chat_id, id), and 0010's
(status, created_at) becomes created_at alone, written once (lost questions are found by
status on 0007's (status, id)).  An answer's person_id and project_id indexes are prefixes of
0012's (person_id, answered_at) and (project_id, answered_at).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 05:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_outbox_status_chat", table_name="outboxmessage")
    op.drop_index("ix_outbox_status_created", table_name="outboxmessage")
    op.create_index("ix_outbox_created", "outboxmessage", ["created_at"], unique=False)
    op.drop_index("ix_answer_person_id", table_name="answer")
    op.drop_index("ix_answer_project_id", table_name="answer")


def downgrade() -> None:
    op.create_index("ix_answer_project_id", "answer", ["project_id"], unique=False)
    op.create_index("ix_answer_person_id", "answer", ["person_id"], unique=False)
    op.drop_index("ix_outbox_created", table_name="outboxmessage")
    op.create_index("ix_outbox_status_created", "outboxmessage", ["status", "created_at"], unique=False)
    op.create_index("ix_outbox_status_chat", "outboxmessage", ["status", "chat_id", "id"], unique=False)
