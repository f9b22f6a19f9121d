"""Browser safety for a server on someone's machine: a Host allow-list and writes that a
page on another site cannot send.

- **Host allow-list** (DNS rebinding): a request whose ``Host`` is not one of the server's
  names is refused with 400 before any route runs, so a page on ``rebind.attacker.example``
  that resolves to 127.0.0.1 reaches nothing.
- **Writes** (every method but GET/HEAD/OPTIONS) are refused with 403 when the browser says
  they come from another site (an ``Origin`` other than the server's own, or
  ``Sec-Fetch-Site: cross-site``); a write the browser says comes from the server's own page
  (``Sec-Fetch-Site: same-origin`` or its ``Origin``, which no other page can set; with
  ``Referrer-Policy: no-referrer`` a form's ``Origin`` is ``null``) passes; any other carries
  one of ``Authorization``,
  ``X-API-Key`` or ``X-Requested-With``: a page can add such a header only to a
  cross-origin request that the server first allows by CORS, which this server never does,
  so a ``no-cors`` form post from another origin cannot write even to the keyless demo.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from api import problems

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: a header that only a same-origin script (or a non-browser client) can add to a write
WRITE_HEADERS = (b"authorization", b"x-api-key", b"x-requested-with")


def host_name(netloc: str) -> str:
    """``netloc`` without its port, lower case (``[::1]:8000`` -> ``::1``)."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    if netloc.count(":") == 1:
        return netloc.split(":", 1)[0]
    return netloc


class BrowserGuard:
    """Refuse foreign ``Host`` headers (400) and cross-site or header-less writes (403)."""

    def __init__(
        self, app: ASGIApp, *, allowed_hosts: Iterable[str], allowed_origins: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.hosts = frozenset(host_name(h) for h in allowed_hosts)
        self.origins = frozenset(o.rstrip("/").lower() for o in allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get(b"host", "")
        if "*" not in self.hosts and host_name(host) not in self.hosts:
            refusal = problems.problem_response(
                400,
                "this server does not answer to that Host name; "
                "set ALLIANCEGRAPH_ALLOWED_HOSTS to add a name it is reached by",
                slug="host-not-allowed",
            )
            await refusal(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS:
            reason = self._write_refusal(headers, host)
            if reason:
                refusal = problems.problem_response(403, reason, slug="cross-site-write")
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _write_refusal(self, headers: dict[bytes, str], host: str) -> str | None:
        if headers.get(b"sec-fetch-site") == "same-origin":
            return None  # the browser vouches for the server's own page (no page can set it)
        origin = headers.get(b"origin")
        if origin is not None:
            own = urlsplit(origin).netloc.lower() == host.lower()
            if not own and origin.rstrip("/").lower() not in self.origins:
                return "a write from a page on another origin is refused"
            if own:  # the browser vouches for the server's own page (its forms, its scripts)
                return None
        if headers.get(b"sec-fetch-site") == "cross-site" and origin is None:
            return "a write from a page on another site is refused"
        if not any(h in headers for h in WRITE_HEADERS):
            return (
                "a write needs an Authorization, X-API-Key or X-Requested-With header "
                "(a page on another site cannot send one)"
            )
        return None
