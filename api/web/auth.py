"""Who is using the browser app: the API key a sign-in session holds (served mode; the
HttpOnly cookie carries the session's token, :mod:`api.web.sessions`) or the local demo
principal (loopback demo mode, no keys), and the sharing view of that key.

The app uses the very same keys, roles and :class:`~api.access.Access` view as the API:
``get_access`` is called with the principal found here, so a page never holds more than
the key's API answers would.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from api.access import Access
from api.deps import (
    LOCAL,
    AppState,
    StateDep,
    _rate_limit,
    count_failure,
    get_access,
    verify_guarded,
)
from api.keys import Principal, Role
from api.web.sessions import Sessions

#: the session cookie (an earlier ``ag_key`` cookie, which held the key itself, is ignored)
COOKIE = "ag_session"


class SignInRequired(Exception):
    """No valid key: the page sends the browser to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class NotAllowed(Exception):
    """The key's role is too low for this page."""

    def __init__(self, role: Role, principal: Principal) -> None:
        super().__init__(
            f"this page needs the {role.value} role; the key has {principal.role.value}"
        )
        self.role = role


class PageNotFound(Exception):
    """No such id, or not one this key may see: the same answer for both, as in the API."""


def _secret(request: Request) -> bytes:
    """A per-process secret for form tokens (forms are only valid while this server runs)."""
    app_state = request.app.state
    if not hasattr(app_state, "web_secret"):
        app_state.web_secret = secrets.token_bytes(32)
    secret: bytes = app_state.web_secret
    return secret


_sessions_made = threading.Lock()


def sessions(request: Request) -> Sessions:
    """This server's sign-in sessions (made once: two first sign-ins at the same moment
    must not each get a store of their own)."""
    app_state = request.app.state
    if not hasattr(app_state, "web_sessions"):
        with _sessions_made:
            if not hasattr(app_state, "web_sessions"):
                app_state.web_sessions = Sessions()
    found: Sessions = app_state.web_sessions
    return found


def verify_key(state: AppState, request: Request, token: str | None) -> Principal | None:
    """The principal of an API key, ``None`` if it is missing, unknown or revoked (failures
    count toward the API's limit on wrong keys per address: 429 beyond it)."""
    if state.settings.auth == "none":
        return LOCAL
    return verify_guarded(state, request, token)


async def web_principal(request: Request, state: StateDep) -> Principal:
    """The signed-in key (cookie, or an API header), or the demo principal without keys."""
    if state.settings.auth == "none":
        return LOCAL
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    if token is None and (cookie := request.cookies.get(COOKIE)):
        token = sessions(request).key_of(cookie)
        if token is None:  # an ended or made-up session counts as a wrong key
            count_failure(state, request)
    principal = verify_key(state, request, token)
    if principal is None:
        raise SignInRequired(
            str(request.url.path) + ("?" + request.url.query if request.url.query else "")
        )
    _rate_limit(state, principal)  # the same per-key limit as the API's
    return principal


WebPrincipal = Annotated[Principal, Depends(web_principal)]


async def web_access(state: StateDep, principal: WebPrincipal) -> AsyncIterator[Access]:
    """What the signed-in key may see (the API's own view, cached per version and key,
    unchanged until the page is rendered)."""
    async for access in get_access(state, principal):
        yield access


WebAccess = Annotated[Access, Depends(web_access)]


def need(access: Access, role: Role) -> None:
    """Refuse the page below ``role``."""
    if not access.principal.at_least(role):
        raise NotAllowed(role, access.principal)


def form_token(request: Request, principal: Principal) -> str:
    """The token every form of this key carries (a cross-site form cannot know it)."""
    mac = hmac.new(_secret(request), principal.key_id.encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def check_form_token(request: Request, principal: Principal, token: str | None) -> bool:
    """Whether a posted form came from one of our own pages for this key."""
    return bool(token) and hmac.compare_digest(form_token(request, principal), str(token))
