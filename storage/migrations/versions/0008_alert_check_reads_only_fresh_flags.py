"""the alert check reads only fresh flags of the severities it alerts on

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 01:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_flag_project_severity_alerted", "flag", ["project_id", "severity", "alerted_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_flag_project_severity_alerted", table_name="flag")
