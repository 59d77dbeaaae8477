"""Creating clinics, staff and clients: used by the CLI, the demo, transcripts
and tests alike, so each path sets up the same defaults."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from bot.audit import record_audit
from bot.scheduling.quiet import parse_quiet_hours
from bot.store.models import Client, Clinic, ContactPoint, User

DEFAULT_QUIET_HOURS = "21:00-08:00"


class InvalidInput(ValueError):
    """A value a person typed (a phone number, a time zone) is not usable."""


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r} (use an IANA name such as "
                           "America/Chicago)") from None
    return name


def normalize_phone(number: str, region: str = "US") -> str:
    """E.164 form of `number`, read in `region` when it has no country code."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"{number!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(f"{number!r} is not a valid phone number for region {region}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def create_clinic(
    session: Session,
    *,
    clinic_id: str,
    name: str,
    timezone: str,
    crisis_line: str,
    contact_phone: str,
    program_name: str,
    now: datetime,
    quiet_hours: str = DEFAULT_QUIET_HOURS,
    default_region: str = "US",
) -> Clinic:
    try:
        start, end = parse_quiet_hours(quiet_hours)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    clinic = Clinic(
        id=clinic_id,
        name=name,
        timezone=check_timezone(timezone),
        quiet_start=start.strftime("%H:%M"),
        quiet_end=end.strftime("%H:%M"),
        crisis_line=crisis_line,
        contact_phone=contact_phone,
        program_name=program_name,
        default_region=default_region,
        created_at=now,
    )
    session.add(clinic)
    session.flush()
    return clinic


def create_user(
    session: Session,
    *,
    clinic: Clinic,
    email: str,
    name: str,
    role: str,
    password: str,
    now: datetime,
    phone: str | None = None,
    on_call: bool = False,
) -> User:
    if role not in {"navigator", "clinician", "admin"}:
        raise InvalidInput(f"role must be navigator, clinician or admin, not {role!r}")
    user = User(
        clinic_id=clinic.id,
        email=email.lower(),
        name=name,
        role=role,
        password_hash=PasswordHasher().hash(password),
        phone=normalize_phone(phone, clinic.default_region) if phone else None,
        on_call=on_call,
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def create_client(
    session: Session,
    *,
    clinic: Clinic,
    first_name: str,
    now: datetime,
    last_name: str = "",
    language: str = "en",
    timezone: str | None = None,
    sex: str | None = None,
    phone: str | None = None,
    simulator_address: str | None = None,
    actor: str = "system",
) -> Client:
    """A new client with its contact points; refuses an unusable phone number,
    language or time zone before anything is written."""
    if language not in {"en", "es"}:
        raise InvalidInput(f"language must be en or es, not {language!r}")
    if timezone is not None:
        check_timezone(timezone)
    e164 = normalize_phone(phone, clinic.default_region) if phone else None
    client = Client(
        clinic_id=clinic.id,
        first_name=first_name,
        last_name=last_name,
        language=language,
        timezone=timezone,
        sex=sex,
        status="active",
        consent_at=now,
        created_at=now,
    )
    session.add(client)
    session.flush()
    if e164 is not None:
        session.add(ContactPoint(client_id=client.id, channel="sms", address=e164,
                                 created_at=now))
    if simulator_address is not None:
        session.add(ContactPoint(client_id=client.id, channel="simulator",
                                 address=simulator_address, created_at=now))
    session.flush()
    record_audit(session, clinic_id=clinic.id, actor=actor, action="client.created",
                 target_type="client", target_id=str(client.id), at=now)
    return client


def simulator_address(client_id: int) -> str:
    return f"sim-{client_id}"
