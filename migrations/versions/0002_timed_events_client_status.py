"""Index timed events by client and status: firing a check-in looks up the
client's other pending events, which must not scan every pending event.

Revision ID: 0002_timed_events_client_status
Revises: 0001_initial
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_timed_events_client_status"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_timed_events_client_id_status_due_at", "timed_events",
                    ["client_id", "status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_timed_events_client_id_status_due_at", table_name="timed_events")
