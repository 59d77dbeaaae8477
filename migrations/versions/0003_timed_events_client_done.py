"""Timed-event indexes that hold whatever the planner's statistics say.

- Claiming due events reads a partial index of pending events by due time,
  which replaces the (status, due_at) index: with statistics taken while
  every event was pending (a new deployment's first wave), the planner took
  that index for "a client's done events" too and read every done event.
- "The client's last three check-ins" (disengagement) and "conversations
  begun today" (the daily cap) read a (client, kind, status, done_at) index,
  which replaces the (client, kind) one.

Revision ID: 0003_timed_events_client_done
Revises: 0002_timed_events_client_status
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_timed_events_client_done"
down_revision: str | None = "0002_timed_events_client_status"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index("ix_timed_events_pending_due_at", "timed_events", ["due_at", "id"],
                    postgresql_where=PENDING, sqlite_where=PENDING)
    op.drop_index("ix_timed_events_status_due_at", table_name="timed_events")
    op.create_index("ix_timed_events_client_id_kind_status_done_at", "timed_events",
                    ["client_id", "kind", "status", "done_at"])
    op.drop_index("ix_timed_events_client_id_kind", table_name="timed_events")


def downgrade() -> None:
    op.create_index("ix_timed_events_client_id_kind", "timed_events", ["client_id", "kind"])
    op.drop_index("ix_timed_events_client_id_kind_status_done_at", table_name="timed_events")
    op.create_index("ix_timed_events_status_due_at", "timed_events", ["status", "due_at"])
    op.drop_index("ix_timed_events_pending_due_at", table_name="timed_events")
