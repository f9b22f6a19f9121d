"""The browser app's sign-in sessions: the cookie carries a random token, never the API key.

A token names a key held in this process's memory for a while (12 hours), so a copied
cookie is no API key, and signing out ends the session on the server too (the copied
cookie stops working at once). Sessions end with the server process, like form tokens.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

#: how long a sign-in lasts (the cookie's max-age is the same)
LIFETIME_S = 12 * 3600
#: sessions kept at most; beyond it the oldest sign-in ends first
MAX_SESSIONS = 10_000


class Sessions:
    """Session token -> (API key, when it ends), oldest sign-in first; thread-safe."""

    def __init__(self, lifetime_s: float = LIFETIME_S, max_sessions: int = MAX_SESSIONS) -> None:
        self.lifetime_s = lifetime_s
        self.max_sessions = max_sessions
        self._open: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, key: str) -> str:
        """A new session for ``key``: its token, for the cookie."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            while len(self._open) >= self.max_sessions:
                self._open.popitem(last=False)
            self._open[token] = (key, time.monotonic() + self.lifetime_s)
        return token

    def key_of(self, token: str | None) -> str | None:
        """The key a live session holds; ``None`` for an unknown or ended one."""
        if not token:
            return None
        with self._lock:
            found = self._open.get(token)
            if found is None:
                return None
            key, ends = found
            if time.monotonic() >= ends:
                del self._open[token]
                return None
            return key

    def end(self, token: str | None) -> None:
        """Sign out: the token names nothing any more."""
        if token:
            with self._lock:
                self._open.pop(token, None)

    def __len__(self) -> int:
        return len(self._open)
