"""All Tether tables in one import: ``from bot.store.models import Client, Message``.

The models live in a few modules by topic (people, care, messaging, alerts);
importing this module registers every one of them on `Base.metadata`.
"""

from __future__ import annotations

from bot.store.alerts import (
    ESCALATION_STATUSES,
    PAGE_STATUSES,
    AuditEvent,
    Escalation,
    EscalationNote,
    Page,
)
from bot.store.base import Base
from bot.store.care import (
    APPOINTMENT_STATUSES,
    FLOW_RUN_OPEN_STATUSES,
    FLOW_RUN_STATUSES,
    REFILL_STATUSES,
    RESULT_STATUSES,
    Appointment,
    Enrollment,
    FlowRun,
    Refill,
    Result,
)
from bot.store.messaging import (
    MESSAGE_DIRECTIONS,
    MESSAGE_STATUSES,
    OUTBOX_KINDS,
    OUTBOX_STATUSES,
    PRIORITY_REPLY,
    PRIORITY_SCHEDULED,
    PRIORITY_URGENT,
    TIMED_EVENT_KINDS,
    TIMED_EVENT_STATUSES,
    Message,
    Outbox,
    TimedEvent,
)
from bot.store.people import (
    CHANNELS,
    CLIENT_STATUSES,
    USER_ROLES,
    Client,
    Clinic,
    ContactPoint,
    InviteCode,
    User,
)
from bot.store.types import NaiveDatetimeError, UTCDateTime

__all__ = [
    "APPOINTMENT_STATUSES",
    "CHANNELS",
    "CLIENT_STATUSES",
    "ESCALATION_STATUSES",
    "FLOW_RUN_OPEN_STATUSES",
    "FLOW_RUN_STATUSES",
    "MESSAGE_DIRECTIONS",
    "MESSAGE_STATUSES",
    "OUTBOX_KINDS",
    "OUTBOX_STATUSES",
    "PAGE_STATUSES",
    "PRIORITY_REPLY",
    "PRIORITY_SCHEDULED",
    "PRIORITY_URGENT",
    "REFILL_STATUSES",
    "RESULT_STATUSES",
    "TIMED_EVENT_KINDS",
    "TIMED_EVENT_STATUSES",
    "USER_ROLES",
    "Appointment",
    "AuditEvent",
    "Base",
    "Client",
    "Clinic",
    "ContactPoint",
    "Enrollment",
    "Escalation",
    "EscalationNote",
    "FlowRun",
    "InviteCode",
    "Message",
    "NaiveDatetimeError",
    "Outbox",
    "Page",
    "Refill",
    "Result",
    "TimedEvent",
    "UTCDateTime",
    "User",
]
