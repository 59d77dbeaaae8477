"""The simulator page: staff text the bot as one of their clinic's clients,
through the same path an SMS takes, and watch the replies arrive.

Without JavaScript the form posts and the page reloads; with it, the page
polls `/simulator/{id}/messages?after=<id>` every second.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from bot import staff
from bot.app import Tether
from bot.channels.base import InboundMessage
from bot.runs import UnknownFlow, start_flow_for_client
from bot.store.models import Clinic, Message, User
from bot.transcripts.model import parse_duration
from navigator_console.auth import check_csrf, signed_in, signed_in_api, tether_of
from navigator_console.templating import error_page, flash, local_time, render

router = APIRouter(prefix="/simulator")

MAX_TEXT = 1600  # ten SMS segments


def _message_json(message: Message, timezone: str) -> dict[str, Any]:
    return {
        "id": message.id,
        "direction": message.direction,
        "body": message.body,
        "status": message.status,
        "at": message.created_at.isoformat(),
        "time": local_time(message.created_at, timezone, "%H:%M"),
    }


@router.get("")
def simulator_home(request: Request, user: Annotated[User, Depends(signed_in)]) -> Response:
    tether = tether_of(request)
    with tether.sessions() as session:
        clinic = session.get(Clinic, user.clinic_id)
        contacts = staff.simulator_contacts(session, user)
        return render(request, "simulator.html", user=user, clinic=clinic, contacts=contacts,
                      chosen=None, messages=[], flows=[])


@router.get("/{client_id}")
def simulator_chat(request: Request, user: Annotated[User, Depends(signed_in)],
                   client_id: int) -> Response:
    tether = tether_of(request)
    with tether.sessions() as session:
        clinic = session.get(Clinic, user.clinic_id)
        contacts = staff.simulator_contacts(session, user)
        try:
            chosen = staff.simulator_contact(session, user, client_id)
        except staff.NotFound as exc:
            return error_page(request, 404, str(exc), user=user, clinic=clinic)
        messages = staff.simulator_messages(session, chosen)
        assert clinic is not None
        demo_now = (local_time(tether.clock.now(), clinic.timezone, "%a %b %d %H:%M")
                    if tether.demo else None)
        return render(request, "simulator.html", user=user, clinic=clinic, contacts=contacts,
                      chosen=chosen, messages=messages, flows=sorted(tether.services.flows),
                      demo_now=demo_now)


@router.post("/{client_id}/send")
def simulator_send(request: Request, user: Annotated[User, Depends(signed_in)], client_id: int,
                   csrf_token: Annotated[str, Form()],
                   text: Annotated[str, Form()] = "") -> Response:
    """Text the bot as the client; "/start <flow>" starts a flow instead."""
    check_csrf(request, csrf_token)
    tether = tether_of(request)
    with tether.sessions() as session:
        try:
            address = staff.simulator_contact(session, user, client_id).address
        except staff.NotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    body = text.strip()[:MAX_TEXT]
    back = RedirectResponse(f"/simulator/{client_id}", status_code=status.HTTP_303_SEE_OTHER)
    if not body:
        return back
    command, _, argument = body.partition(" ")
    if command == "/advance":
        return _advance_clock(request, tether, argument.strip(), back)
    if command == "/start":
        try:
            started = start_flow_for_client(tether.sessions, tether.services, client_id,
                                            argument.strip(), tether.clock.now())
        except UnknownFlow as exc:
            flash(request, str(exc))
            return back
        if started:
            tether.wake()
        else:
            flash(request, "A conversation is already running for this client; "
                           "answer it or wait for it to expire.")
        return back
    tether.handle(InboundMessage(channel="simulator", address=address, text=body,
                                 received_at=tether.clock.now(),
                                 provider_id=str(uuid.uuid4())))
    return back


def _advance_clock(request: Request, tether: Tether, argument: str, back: Response) -> Response:
    """The demo's "/advance 1d": the clock moves on and what falls due fires."""
    try:
        fired = tether.advance_clock(parse_duration(argument))
    except ValueError as exc:
        flash(request, str(exc))
        return back
    flash(request, f"The demo clock moved on {argument}; {fired} scheduled event(s) fired.")
    return back


@router.get("/{client_id}/messages")
def simulator_messages(request: Request, user: Annotated[User, Depends(signed_in_api)],
                       client_id: int, after: int = 0) -> dict[str, Any]:
    """New messages of the chat after message id `after`, for the page to append."""
    tether = tether_of(request)
    with tether.sessions() as session:
        clinic = session.get(Clinic, user.clinic_id)
        assert clinic is not None
        try:
            contact = staff.simulator_contact(session, user, client_id)
        except staff.NotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        messages = staff.simulator_messages(session, contact, after=after)
        return {"messages": [_message_json(m, clinic.timezone) for m in messages]}
