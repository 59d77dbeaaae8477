"""Console pages: sign in, the escalation queue and client list, a client's
record, an escalation, the audit log. Routes parse, call bot.staff, render."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bot import staff
from bot.store.models import Clinic, User
from navigator_console.auth import (
    check_csrf,
    safe_next,
    sign_in,
    sign_out,
    signed_in,
    signed_in_api,
    tether_of,
)
from navigator_console.charts import GAD7_BANDS, PHQ9_BANDS, trend_chart
from navigator_console.templating import STATIC_DIR, error_page, flash, render

router = APIRouter()

SignedIn = Annotated[User, Depends(signed_in)]
CsrfField = Annotated[str, Form()]


def _clinic(session: Session, user: User) -> Clinic:
    clinic = session.get(Clinic, user.clinic_id)
    assert clinic is not None
    return clinic


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


# ---- signing in ---------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next_path: Annotated[str, Query(alias="next")] = "/",
               ) -> Response:
    return render(request, "login.html", user=None, clinic=None, next=safe_next(next_path),
                  error=None)


@router.post("/login")
def login(request: Request, csrf_token: CsrfField, email: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "",
          next_path: Annotated[str, Form(alias="next")] = "/") -> Response:
    check_csrf(request, csrf_token)
    tether = tether_of(request)
    with tether.sessions.begin() as session:
        user = staff.authenticate(session, email, password)
        if user is not None:
            staff.record_sign_in(session, user, tether.clock.now())
    if user is None:
        return render(request, "login.html", user=None, clinic=None, next=safe_next(next_path),
                      error="That e-mail and password do not match.",
                      status_code=status.HTTP_401_UNAUTHORIZED)
    sign_in(request, user)
    return _see_other(safe_next(next_path))


@router.post("/logout")
def logout(request: Request, csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    sign_out(request)
    return _see_other("/login")


# ---- the queue and the client list ------------------------------------------------------


@router.get("/")
def home(request: Request, user: SignedIn) -> Response:
    tether = tether_of(request)
    now = tether.clock.now()
    with tether.sessions() as session:
        clinic = _clinic(session, user)
        queue = staff.escalation_queue(session, user.clinic_id)
        summaries = staff.client_summaries(session, user.clinic_id, now)
        return render(request, "home.html", user=user, clinic=clinic, queue=queue,
                      summaries=summaries, now=now)


@router.get("/queue")
def queue_fragment(request: Request, user: Annotated[User, Depends(signed_in_api)]) -> Response:
    """The queue table alone, which the home page polls every few seconds."""
    tether = tether_of(request)
    with tether.sessions() as session:
        clinic = _clinic(session, user)
        queue = staff.escalation_queue(session, user.clinic_id)
        return render(request, "_queue.html", user=user, clinic=clinic, queue=queue,
                      now=tether.clock.now(), fragment=True)


# ---- a client -------------------------------------------------------------------------


@router.get("/clients/{client_id}")
def client_page(request: Request, user: SignedIn, client_id: int) -> Response:
    tether = tether_of(request)
    now = tether.clock.now()
    with tether.sessions.begin() as session:
        clinic = _clinic(session, user)
        try:
            record = staff.view_client(session, user, client_id, now)
        except staff.NotFound as exc:
            return error_page(request, 404, str(exc), user=user, clinic=clinic)
        charts = []
        for instrument, title, bands in (("phq9", "PHQ-9 total", PHQ9_BANDS),
                                         ("gad7", "GAD-7 total", GAD7_BANDS)):
            points = [(r.recorded_at, r.total) for r in record.results
                      if r.instrument == instrument and r.status == "complete"
                      and r.total is not None]
            charts.append(trend_chart(title, points, bands, clinic.timezone))
        return render(request, "client.html", user=user, clinic=clinic, record=record,
                      charts=charts, now=now)


# ---- an escalation ----------------------------------------------------------------------


@router.get("/escalations/{escalation_id}")
def escalation_page(request: Request, user: SignedIn, escalation_id: int) -> Response:
    tether = tether_of(request)
    now = tether.clock.now()
    with tether.sessions.begin() as session:
        clinic = _clinic(session, user)
        try:
            escalation, pages = staff.view_escalation(session, user, escalation_id, now)
        except staff.NotFound as exc:
            return error_page(request, 404, str(exc), user=user, clinic=clinic)
        return render(request, "escalation.html", user=user, clinic=clinic,
                      escalation=escalation, pages=pages, outcomes=staff.OUTCOMES, now=now,
                      messages=staff.messages_since(session, escalation))


def _act_on_escalation(request: Request, user: User, escalation_id: int, action: str,
                       **fields: str) -> Response:
    tether = tether_of(request)
    now = tether.clock.now()
    try:
        with tether.sessions.begin() as session:
            if action == "acknowledge":
                staff.acknowledge(session, user, escalation_id, now)
            elif action == "note":
                staff.add_note(session, user, escalation_id, fields["body"], now)
            else:
                staff.resolve(session, user, escalation_id, fields["outcome"], now,
                              note=fields["note"])
    except staff.NotFound as exc:
        return error_page(request, 404, str(exc), user=user, clinic=None)
    except staff.InvalidAction as exc:
        flash(request, str(exc))
    return _see_other(f"/escalations/{escalation_id}")


@router.post("/escalations/{escalation_id}/acknowledge")
def acknowledge(request: Request, user: SignedIn, escalation_id: int,
                csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    return _act_on_escalation(request, user, escalation_id, "acknowledge")


@router.post("/escalations/{escalation_id}/notes")
def add_note(request: Request, user: SignedIn, escalation_id: int, csrf_token: CsrfField,
             body: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    return _act_on_escalation(request, user, escalation_id, "note", body=body)


@router.post("/escalations/{escalation_id}/resolve")
def resolve(request: Request, user: SignedIn, escalation_id: int, csrf_token: CsrfField,
            outcome: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    return _act_on_escalation(request, user, escalation_id, "resolve", outcome=outcome,
                              note=note)


# ---- the audit log and static files ----------------------------------------------------


@router.get("/audit")
def audit_page(request: Request, user: SignedIn) -> Response:
    tether = tether_of(request)
    with tether.sessions() as session:
        clinic = _clinic(session, user)
        try:
            events = staff.audit_log(session, user)
        except staff.NotAllowed as exc:
            return error_page(request, 403, str(exc), user=user, clinic=clinic)
        return render(request, "audit.html", user=user, clinic=clinic, events=events)


STATIC_FILES = {"style.css": "text/css", "console.js": "text/javascript",
                "simulator.js": "text/javascript"}


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return FileResponse(STATIC_DIR / name, media_type=media_type,
                        headers={"Cache-Control": "max-age=300"})
