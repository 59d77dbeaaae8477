"""Initial schema: every Tether table.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clinics",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("quiet_start", sa.String(length=5), nullable=False),
        sa.Column("quiet_end", sa.String(length=5), nullable=False),
        sa.Column("crisis_line", sa.String(length=64), nullable=False),
        sa.Column("contact_phone", sa.String(length=64), nullable=False),
        sa.Column("program_name", sa.String(length=200), nullable=False),
        sa.Column("default_region", sa.String(length=2), nullable=False),
        sa.Column("escalation_policy", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinics")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_audit_events_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_clinic_id_at", "audit_events", ["clinic_id", "at"])

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("telegram_chat_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("on_call", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_users_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_clinic_id"), "users", ["clinic_id"])

    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("sex", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("navigator_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("diagnosis", sa.Text(), nullable=True),
        sa.Column("medications", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_clients_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["navigator_id"],
            ["users.id"],
            name=op.f("fk_clients_navigator_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
    )
    op.create_index(op.f("ix_clients_clinic_id"), "clients", ["clinic_id"])
    op.create_index(op.f("ix_clients_navigator_id"), "clients", ["navigator_id"])

    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clinician", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=100), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_appointments_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint(
            "client_id", "external_id", name=op.f("uq_appointments_client_id_external_id")
        ),
    )
    op.create_index("ix_appointments_starts_at", "appointments", ["starts_at"])

    op.create_table(
        "contact_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_contact_points_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_points")),
        sa.UniqueConstraint("channel", "address", name=op.f("uq_contact_points_channel_address")),
    )
    op.create_index(op.f("ix_contact_points_client_id"), "contact_points", ["client_id"])

    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("schedule", sa.String(length=200), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_enrollments_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
    )
    op.create_index("ix_enrollments_client_id_active", "enrollments", ["client_id", "active"])

    op.create_table(
        "flow_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active_client_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(status IN ('active', 'paused') AND active_client_id = client_id) OR (status NOT IN ('active', 'paused') AND active_client_id IS NULL)",
            name=op.f("ck_flow_runs_active_client_matches_status"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_flow_runs_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_runs")),
        sa.UniqueConstraint("active_client_id", name=op.f("uq_flow_runs_active_client_id")),
    )
    op.create_index("ix_flow_runs_client_id_status", "flow_runs", ["client_id", "status"])

    op.create_table(
        "invite_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_invite_codes_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_invite_codes_code")),
    )
    op.create_index("ix_invite_codes_client_id", "invite_codes", ["client_id"])

    op.create_table(
        "refills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_refills_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refills")),
        sa.UniqueConstraint(
            "client_id", "external_id", name=op.f("uq_refills_client_id_external_id")
        ),
    )
    op.create_index("ix_refills_due_date", "refills", ["due_date"])

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("contact_point_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("flow_run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_messages_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_messages_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_points.id"],
            name=op.f("fk_messages_contact_point_id_contact_points"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["flow_run_id"], ["flow_runs.id"], name=op.f("fk_messages_flow_run_id_flow_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "channel",
            "direction",
            "provider_id",
            name=op.f("uq_messages_channel_direction_provider_id"),
        ),
    )
    op.create_index("ix_messages_client_id_created_at", "messages", ["client_id", "created_at"])
    op.create_index("ix_messages_clinic_id_created_at", "messages", ["clinic_id", "created_at"])
    op.create_index(op.f("ix_messages_contact_point_id"), "messages", ["contact_point_id"])
    op.create_index(op.f("ix_messages_flow_run_id"), "messages", ["flow_run_id"])

    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.Integer(), nullable=True),
        sa.Column("instrument", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=32), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("loinc", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_results_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["flow_run_id"], ["flow_runs.id"], name=op.f("fk_results_flow_run_id_flow_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results")),
    )
    op.create_index(
        "ix_results_client_id_instrument_recorded_at",
        "results",
        ["client_id", "instrument", "recorded_at"],
    )
    op.create_index(op.f("ix_results_flow_run_id"), "results", ["flow_run_id"])

    op.create_table(
        "timed_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("flow_run_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_timed_events_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_timed_events_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["flow_run_id"], ["flow_runs.id"], name=op.f("fk_timed_events_flow_run_id_flow_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timed_events")),
    )
    op.create_index("ix_timed_events_client_id_kind", "timed_events", ["client_id", "kind"])
    op.create_index(op.f("ix_timed_events_flow_run_id"), "timed_events", ["flow_run_id"])
    op.create_index("ix_timed_events_status_due_at", "timed_events", ["status", "due_at"])

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("source_message_id", sa.Integer(), nullable=True),
        sa.Column("source_result_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["users.id"], name=op.f("fk_escalations_acknowledged_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_escalations_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_escalations_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"], ["users.id"], name=op.f("fk_escalations_resolved_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["source_message_id"],
            ["messages.id"],
            name=op.f("fk_escalations_source_message_id_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["source_result_id"],
            ["results.id"],
            name=op.f("fk_escalations_source_result_id_results"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    op.create_index(op.f("ix_escalations_client_id"), "escalations", ["client_id"])
    op.create_index(
        "ix_escalations_clinic_id_status_created_at",
        "escalations",
        ["clinic_id", "status", "created_at"],
    )

    op.create_table(
        "escalation_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_notes_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_escalation_notes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_notes")),
    )
    op.create_index(
        op.f("ix_escalation_notes_escalation_id"), "escalation_notes", ["escalation_id"]
    )

    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_pages_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_pages_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
    )
    op.create_index(op.f("ix_pages_escalation_id"), "pages", ["escalation_id"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("page_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_outbox_message_id_messages")
        ),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"], name=op.f("fk_outbox_page_id_pages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_message_id"), "outbox", ["message_id"])
    op.create_index(op.f("ix_outbox_page_id"), "outbox", ["page_id"])
    op.create_index(
        "ix_outbox_status_priority_next_attempt_at",
        "outbox",
        ["status", "priority", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_status_priority_next_attempt_at", table_name="outbox")
    op.drop_index(op.f("ix_outbox_page_id"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_message_id"), table_name="outbox")

    op.drop_table("outbox")
    op.drop_index(op.f("ix_pages_escalation_id"), table_name="pages")

    op.drop_table("pages")
    op.drop_index(op.f("ix_escalation_notes_escalation_id"), table_name="escalation_notes")

    op.drop_table("escalation_notes")
    op.drop_index("ix_escalations_clinic_id_status_created_at", table_name="escalations")
    op.drop_index(op.f("ix_escalations_client_id"), table_name="escalations")

    op.drop_table("escalations")
    op.drop_index("ix_timed_events_status_due_at", table_name="timed_events")
    op.drop_index(op.f("ix_timed_events_flow_run_id"), table_name="timed_events")
    op.drop_index("ix_timed_events_client_id_kind", table_name="timed_events")

    op.drop_table("timed_events")
    op.drop_index(op.f("ix_results_flow_run_id"), table_name="results")
    op.drop_index("ix_results_client_id_instrument_recorded_at", table_name="results")

    op.drop_table("results")
    op.drop_index(op.f("ix_messages_flow_run_id"), table_name="messages")
    op.drop_index(op.f("ix_messages_contact_point_id"), table_name="messages")
    op.drop_index("ix_messages_clinic_id_created_at", table_name="messages")
    op.drop_index("ix_messages_client_id_created_at", table_name="messages")

    op.drop_table("messages")
    op.drop_index("ix_refills_due_date", table_name="refills")

    op.drop_table("refills")
    op.drop_index("ix_invite_codes_client_id", table_name="invite_codes")

    op.drop_table("invite_codes")
    op.drop_index("ix_flow_runs_client_id_status", table_name="flow_runs")

    op.drop_table("flow_runs")
    op.drop_index("ix_enrollments_client_id_active", table_name="enrollments")

    op.drop_table("enrollments")
    op.drop_index(op.f("ix_contact_points_client_id"), table_name="contact_points")

    op.drop_table("contact_points")
    op.drop_index("ix_appointments_starts_at", table_name="appointments")

    op.drop_table("appointments")
    op.drop_index(op.f("ix_clients_navigator_id"), table_name="clients")
    op.drop_index(op.f("ix_clients_clinic_id"), table_name="clients")

    op.drop_table("clients")
    op.drop_index(op.f("ix_users_clinic_id"), table_name="users")

    op.drop_table("users")
    op.drop_index("ix_audit_events_clinic_id_at", table_name="audit_events")

    op.drop_table("audit_events")
    op.drop_table("clinics")
