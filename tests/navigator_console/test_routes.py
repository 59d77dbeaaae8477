"""The console pages: sign-in, CSRF, clinic scoping, audited views and actions."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.app import Tether
from bot.store.models import AuditEvent, Escalation, EscalationNote
from tests.navigator_console.conftest import csrf_of, sign_in
from tests.navigator_console.world import ADMIN_EMAIL, PASSWORD, World

Signed = tuple[httpx.AsyncClient, str]


def _audit(tether: Tether, action: str) -> list[AuditEvent]:
    with tether.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _escalation(tether: Tether, escalation_id: int) -> Escalation:
    with tether.sessions() as session:
        escalation = session.get(Escalation, escalation_id)
        assert escalation is not None
        return escalation


async def test_every_page_sends_a_stranger_to_the_login_page(
    browser: httpx.AsyncClient, world: World
) -> None:
    """Without signing in, pages redirect to /login and remember where you were going."""
    for path in (
        "/",
        f"/clients/{world.client_id}",
        f"/escalations/{world.high_escalation_id}",
        "/audit",
        "/simulator",
    ):
        response = await browser.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=%2F"), path
    assert (await browser.get("/queue")).status_code == 401
    assert (await browser.get("/login")).status_code == 200


async def test_a_wrong_password_is_refused(browser: httpx.AsyncClient, world: World) -> None:
    """A wrong password shows an error and signs nobody in."""
    token = csrf_of((await browser.get("/login")).text)
    response = await browser.post(
        "/login", data={"email": "nav@north.example", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "do not match" in response.text
    assert (await browser.get("/")).status_code == 303


async def test_signing_in_takes_you_where_you_were_going_but_never_off_site(
    browser: httpx.AsyncClient, world: World
) -> None:
    """After sign-in the console goes to the page asked for; an outside URL goes home."""
    token = csrf_of((await browser.get("/login")).text)
    data = {
        "email": "NAV@north.example",
        "password": PASSWORD,
        "csrf_token": token,
        "next": f"/clients/{world.client_id}",
    }
    response = await browser.post("/login", data=data)
    assert response.headers["location"] == f"/clients/{world.client_id}"
    browser.cookies.clear()
    token = csrf_of((await browser.get("/login")).text)
    response = await browser.post(
        "/login", data={**data, "csrf_token": token, "next": "//evil.example/"}
    )
    assert response.headers["location"] == "/"


async def test_the_login_form_needs_its_csrf_token(
    browser: httpx.AsyncClient, world: World
) -> None:
    """A login posted from another site (no token) is refused."""
    await browser.get("/login")
    response = await browser.post(
        "/login", data={"email": "nav@north.example", "password": PASSWORD}
    )
    assert response.status_code in (403, 422)
    response = await browser.post(
        "/login", data={"email": "nav@north.example", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403


async def test_home_shows_the_queue_and_the_clinics_clients(
    navigator: Signed, world: World
) -> None:
    """The home page lists open escalations, highest first, and the clinic's clients."""
    browser, _ = navigator
    page = (await browser.get("/")).text
    assert page.index(f"#{world.high_escalation_id}") < page.index(
        f"#{world.concern_escalation_id}"
    )
    assert "Ana Alvarez" in page
    assert "Ben Baker" in page
    assert '8 <span class="sev">mild</span>' in page  # latest PHQ-9 of Ana
    assert "2/3" in page  # adherence over the last 7 days
    assert "not responding" in page  # Ben's unanswered texts
    fragment = await browser.get("/queue")
    assert fragment.status_code == 200
    assert f"/escalations/{world.high_escalation_id}" in fragment.text
    assert "<html" not in fragment.text


async def test_another_clinics_clients_and_escalations_stay_hidden(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """A user never sees, or acts on, another clinic's clients and escalations."""
    browser, token = navigator
    page = (await browser.get("/")).text
    assert "Olga" not in page
    assert f"#{world.other_escalation_id}" not in page
    assert (await browser.get(f"/clients/{world.other_client_id}")).status_code == 404
    assert (await browser.get(f"/escalations/{world.other_escalation_id}")).status_code == 404
    response = await browser.post(
        f"/escalations/{world.other_escalation_id}/acknowledge", data={"csrf_token": token}
    )
    assert response.status_code == 404
    assert _escalation(tether, world.other_escalation_id).status == "open"
    assert (await browser.get(f"/simulator/{world.other_client_id}")).status_code == 404
    assert "Olga" not in (await browser.get("/simulator")).text


async def test_viewing_a_client_is_audited_and_shows_the_record(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """Opening a client's page records who looked; the page shows chart, results, diagnosis."""
    browser, _ = navigator
    page = (await browser.get(f"/clients/{world.client_id}")).text
    assert "F41.1 diagnosis of Ana" in page
    assert "<svg" in page
    assert "PHQ-9 total" in page
    views = _audit(tether, "client.viewed")
    assert [(v.actor, v.target_id) for v in views] == [
        (f"user:{world.navigator_id}", str(world.client_id))
    ]


async def test_acknowledging_and_resolving_are_audited(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """Acknowledge, note and resolve change the escalation and each leaves an audit entry."""
    browser, token = navigator
    base = f"/escalations/{world.high_escalation_id}"
    assert (
        await browser.post(f"{base}/acknowledge", data={"csrf_token": token})
    ).status_code == 303
    assert _escalation(tether, world.high_escalation_id).status == "acknowledged"
    await browser.post(f"{base}/notes", data={"csrf_token": token, "body": "Called; safe at home."})
    response = await browser.post(
        f"{base}/resolve", data={"csrf_token": token, "outcome": "reached_safe", "note": ""}
    )
    assert response.headers["location"] == base
    escalation = _escalation(tether, world.high_escalation_id)
    assert (escalation.status, escalation.outcome) == ("resolved", "reached_safe")
    assert escalation.resolved_by == world.navigator_id
    for action in ("escalation.acknowledged", "escalation.note_added", "escalation.resolved"):
        entries = _audit(tether, action)
        assert [e.actor for e in entries] == [f"user:{world.navigator_id}"], action
    with tether.sessions() as session:
        notes = session.scalars(select(EscalationNote.body)).all()
    assert notes == ["Called; safe at home."]
    assert f"#{world.high_escalation_id}" not in (await browser.get("/queue")).text


async def test_resolving_without_an_outcome_is_refused_with_a_message(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """Resolve needs an outcome; the page says so and the escalation stays open."""
    browser, token = navigator
    base = f"/escalations/{world.concern_escalation_id}"
    await browser.post(f"{base}/resolve", data={"csrf_token": token, "outcome": ""})
    assert "choose an outcome" in (await browser.get(base)).text
    assert _escalation(tether, world.concern_escalation_id).status == "open"


async def test_a_form_without_the_csrf_token_changes_nothing(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """A POST with a missing or wrong CSRF token is refused."""
    browser, _ = navigator
    base = f"/escalations/{world.high_escalation_id}"
    assert (
        await browser.post(f"{base}/acknowledge", data={"csrf_token": "forged"})
    ).status_code == 403
    assert (await browser.post(f"{base}/acknowledge")).status_code in (403, 422)
    assert _escalation(tether, world.high_escalation_id).status == "open"
    assert _audit(tether, "escalation.acknowledged") == []


async def test_the_audit_log_is_for_admins(navigator: Signed, world: World) -> None:
    """Navigators cannot open the audit log; admins see their clinic's entries."""
    browser, token = navigator
    await browser.get(f"/clients/{world.client_id}")
    assert (await browser.get("/audit")).status_code == 403
    await browser.post("/logout", data={"csrf_token": token})
    await sign_in(browser, ADMIN_EMAIL)
    page = (await browser.get("/audit")).text
    assert "client.viewed" in page
    assert f"user:{world.navigator_id}" in page
    assert "overdose" not in page  # the other clinic's escalation


async def test_signing_out_ends_the_session(navigator: Signed, world: World) -> None:
    """After signing out, pages ask to sign in again."""
    browser, token = navigator
    assert (await browser.post("/logout", data={"csrf_token": token})).status_code == 303
    assert (await browser.get("/")).status_code == 303


async def test_the_stylesheet_is_served(browser: httpx.AsyncClient, world: World) -> None:
    """The stylesheet loads without signing in; unknown files are 404."""
    assert (await browser.get("/static/style.css")).headers["content-type"].startswith("text/css")
    assert (await browser.get("/static/../app.py")).status_code == 404


async def test_an_escalation_shows_what_the_client_wrote_since(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """The clinician who picks up a crisis sees the texts that came after it, and not
    the client's older ones (those are on the client's record)."""
    from datetime import timedelta

    from bot.store.models import Message
    from tests.navigator_console.world import T0, _message

    with tether.sessions.begin() as session:
        _message(session, world.client_id, "in", "nadie me puede ayudar", T0 - timedelta(hours=2))
    browser, _ = navigator
    page = (await browser.get(f"/escalations/{world.high_escalation_id}")).text
    assert "Messages since it was raised" in page
    assert "nadie me puede ayudar" in page
    with tether.sessions() as session:
        older = session.scalars(select(Message.body).where(
            Message.client_id == world.client_id,
            Message.created_at < T0 - timedelta(hours=3))).all()
    assert older == ["2"]
    assert "<span class=\"body\">2</span>" not in page
