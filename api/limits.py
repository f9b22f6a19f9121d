"""Upload size and request time limits, and the nosniff header, as plain ASGI middleware.

Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``: that one re-streams every
response through a task and a queue, which cost about a millisecond a request.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems


class LimitsMiddleware:
    """413 for a declared body over ``max_upload_bytes``; 504 when the app has not started
    its response within ``timeout_s``; ``X-Content-Type-Options: nosniff`` everywhere."""

    def __init__(self, app: ASGIApp, *, max_upload_bytes: int, timeout_s: float) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_nosniff(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-content-type-options" for k, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        length = dict(scope["headers"]).get(b"content-length", b"").decode("latin-1")
        if length.isdigit() and int(length) > self.max_upload_bytes:
            response = problems.problem_response(
                413,
                f"the upload is {int(length):,} bytes; the limit is {self.max_upload_bytes:,} bytes",
            )
            await response(scope, receive, send_nosniff)
            return
        try:
            # a deadline on this task, not wait_for's extra task per request
            async with asyncio.timeout(self.timeout_s):
                await self.app(scope, receive, send_nosniff)
        except TimeoutError:
            if started:
                raise
            response = problems.problem_response(
                504, f"the request took longer than {self.timeout_s:g} s"
            )
            await response(scope, receive, send_nosniff)
