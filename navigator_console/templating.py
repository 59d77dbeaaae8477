"""Rendering pages: one Jinja2 environment (built on first use, not at import),
filters for clinic-local times, and the context every page shares."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from bot.store.models import Clinic, User
from navigator_console.auth import csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def local_time(moment: datetime | None, timezone: str, fmt: str = "%b %d %H:%M") -> str:
    """A UTC moment shown in `timezone`; a dash when there is none."""
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(timezone)).strftime(fmt)


def age(moment: datetime | None, now: datetime) -> str:
    """How long ago, briefly: 5m, 3h, 2d."""
    if moment is None:
        return "—"
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"


def label(value: str | None) -> str:
    """A stored code shown to people: moderately_severe -> moderately severe."""
    return (value or "").replace("_", " ")


@cache
def templates() -> Jinja2Templates:
    engine = Jinja2Templates(directory=TEMPLATES_DIR)
    engine.env.filters["label"] = label
    engine.env.globals["age"] = age
    engine.env.globals["local_time"] = local_time
    return engine


def render(request: Request, name: str, *, user: User | None, clinic: Clinic | None,
           status_code: int = 200, fragment: bool = False, **context: Any) -> Response:
    """Render a page with the signed-in user, the clinic and the CSRF token; a
    fragment (polled into a page) leaves the one-time message for the next page."""
    flash = None if fragment else request.session.pop("flash", None)
    context.update(
        user=user,
        clinic=clinic,
        tz=clinic.timezone if clinic is not None else "UTC",
        csrf=csrf_token(request),
        flash=flash,
    )
    return templates().TemplateResponse(request, name, context, status_code=status_code)


ERROR_TITLES = {403: "Not allowed", 404: "Not found"}


def error_page(request: Request, status_code: int, message: str, *, user: User | None,
               clinic: Clinic | None) -> Response:
    return render(request, "error.html", user=user, clinic=clinic, status_code=status_code,
                  title=ERROR_TITLES.get(status_code, "Something went wrong"), message=message)


def flash(request: Request, message: str) -> None:
    """A one-time message shown on the next page."""
    request.session["flash"] = message
