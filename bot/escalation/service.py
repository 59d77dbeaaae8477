"""Raising escalations: one open escalation per client gathers repeated
risk messages; a new one is raised, or the open one raised in level, only
when the level rises. Paging hangs off `raise_escalation`'s answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record_audit
from bot.escalation.types import RiskLevel
from bot.store.models import Escalation

OPEN_STATUSES = ("open", "acknowledged")
CRISIS_LEVELS = ("high", "imminent")
# How long after it was raised an unresolved crisis keeps a client's texts from
# questionnaires and canned replies (`open_crisis`): a care team that forgot to
# resolve it does not leave the client unable to confirm an appointment for good.
CRISIS_HOLD = timedelta(hours=24)


@dataclass(frozen=True)
class Raised:
    escalation: Escalation
    new: bool  # a new escalation, or an open one whose level rose
    level_rose: bool


def raise_escalation(
    session: Session,
    *,
    clinic_id: str,
    client_id: int | None,
    level: str,
    category: str,
    reason: str,
    now: datetime,
    evidence: list[dict[str, Any]] | None = None,
    source_message_id: int | None = None,
    source_result_id: int | None = None,
) -> Raised:
    """Create an escalation, or attach this one to the client's open one."""
    wanted = RiskLevel.parse(level)
    entry: dict[str, Any] = {
        "at": now.isoformat(), "reason": reason, "category": category, "level": level
    }
    if evidence:
        entry["evidence"] = evidence
    if source_message_id is not None:
        entry["message_id"] = source_message_id
    open_one = None
    if client_id is not None:
        open_one = session.scalars(
            select(Escalation)
            .where(Escalation.client_id == client_id, Escalation.status.in_(OPEN_STATUSES))
            .order_by(Escalation.id.desc())
            .limit(1)
        ).first()
    if open_one is not None and _attaches(open_one, wanted, category):
        current = RiskLevel.parse(open_one.level)
        open_one.evidence = [*(open_one.evidence or []), entry]
        if wanted > current:
            open_one.level = wanted.label
            open_one.category = category
            open_one.status = "open"
            record_audit(
                session, clinic_id=clinic_id, actor="system", action="escalation.raised_level",
                target_type="escalation", target_id=str(open_one.id),
                detail={"from": current.label, "to": wanted.label}, at=now,
            )
            return Raised(open_one, new=True, level_rose=True)
        return Raised(open_one, new=False, level_rose=False)
    escalation = Escalation(
        clinic_id=clinic_id,
        client_id=client_id,
        level=wanted.label,
        category=category,
        status="open",
        reason=reason,
        evidence=[entry],
        source_message_id=source_message_id,
        source_result_id=source_result_id,
        created_at=now,
    )
    session.add(escalation)
    session.flush()
    record_audit(
        session, clinic_id=clinic_id, actor="system", action="escalation.created",
        target_type="escalation", target_id=str(escalation.id),
        detail={"level": wanted.label, "category": category}, at=now,
    )
    return Raised(escalation, new=True, level_rose=False)


def _attaches(open_one: Escalation, wanted: RiskLevel, category: str) -> bool:
    """Risk messages gather on the open escalation; a lone concern of another
    kind (say, a missed check-in) opens its own queue item."""
    if wanted >= RiskLevel.HIGH or RiskLevel.parse(open_one.level) >= RiskLevel.HIGH:
        return True
    return open_one.category == category


def open_crisis(session: Session, client_id: int, now: datetime) -> Escalation | None:
    """The client's unresolved escalation at high or imminent raised within
    CRISIS_HOLD, if any: while it stands, the care team has the client, and what
    they write goes to it rather than to a flow or an intent."""
    return session.scalars(
        select(Escalation)
        .where(Escalation.client_id == client_id, Escalation.status.in_(OPEN_STATUSES),
               Escalation.level.in_(CRISIS_LEVELS),
               Escalation.created_at >= now - CRISIS_HOLD)
        .order_by(Escalation.id.desc())
        .limit(1)
    ).first()


def clients_in_crisis(session: Session, client_ids: Sequence[int],
                      now: datetime) -> set[int]:
    """Those of `client_ids` with an open crisis (as `open_crisis`), in one query."""
    return {client_id for client_id in session.scalars(
        select(Escalation.client_id).where(
            Escalation.client_id.in_(client_ids), Escalation.status.in_(OPEN_STATUSES),
            Escalation.level.in_(CRISIS_LEVELS), Escalation.created_at >= now - CRISIS_HOLD))
        if client_id is not None}


def note_follow_up(escalation: Escalation, *, message_id: int, now: datetime) -> None:
    """Record on the escalation a text the client sent while it was open and
    that carried no risk of its own (risk messages attach through raise_escalation)."""
    escalation.evidence = [*(escalation.evidence or []), {
        "at": now.isoformat(), "reason": "the client wrote while the escalation was open",
        "level": "none", "message_id": message_id,
    }]
