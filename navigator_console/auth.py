"""Who is signed in, and the CSRF token every POST form carries.

The signed session cookie (Starlette's SessionMiddleware) holds the user id and
a random CSRF token; signing in starts a fresh session so a planted cookie is
worthless. Pages redirect to /login when nobody is signed in; the small JSON
and fragment endpoints the pages poll answer 401 instead.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import HTTPException, Request, status

from bot.staff import active_user
from bot.store.models import User

if TYPE_CHECKING:
    from bot.app import Tether

SESSION_USER = "user_id"
SESSION_CSRF = "csrf"


def tether_of(request: Request) -> Tether:
    tether: Tether = request.app.state.tether
    return tether


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


def check_csrf(request: Request, submitted: str) -> None:
    """Refuse a form whose token does not match the session's."""
    expected = request.session.get(SESSION_CSRF)
    if not (isinstance(expected, str) and expected
            and secrets.compare_digest(expected.encode(), submitted.encode())):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the form expired; reload the page")


def sign_in(request: Request, user: User) -> None:
    request.session.clear()
    request.session[SESSION_USER] = user.id
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()


def _current(request: Request) -> User | None:
    user_id = request.session.get(SESSION_USER)
    if user_id is None:
        return None
    with tether_of(request).sessions() as session:
        user = active_user(session, user_id)
    if user is None:
        request.session.clear()
    return user


def signed_in(request: Request) -> User:
    """Dependency for pages: the signed-in user, else a redirect to the login page."""
    user = _current(request)
    if user is None:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        raise HTTPException(status.HTTP_303_SEE_OTHER, "sign in first",
                            headers={"Location": f"/login?next={quote(target, safe='')}"})
    return user


def signed_in_api(request: Request) -> User:
    """Dependency for polled endpoints: the signed-in user, else 401."""
    user = _current(request)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")
    return user


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything else goes home."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"
