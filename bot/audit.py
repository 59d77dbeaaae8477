"""Audit events: who saw or changed what, when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.store.models import AuditEvent


def record_audit(
    session: Session,
    *,
    clinic_id: str,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            clinic_id=clinic_id,
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail or {},
            at=at,
        )
    )
