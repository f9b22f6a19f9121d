"""Sign-in sessions: the cookie is a session token, never the API key, and signing out or
revoking the key ends it on the server."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.web.auth import COOKIE
from api.web.sessions import Sessions
from tests.api.conftest import make_api

OWN = {"Origin": "http://testserver"}  # what a browser sends with the app's forms


def _sign_in(client: TestClient, key: str) -> str:
    r = client.post("/app/signin", data={"key": key}, headers=OWN, follow_redirects=False)
    assert r.status_code == 303
    return str(client.cookies[COOKIE])


def _signed_in(client: TestClient, cookie: str) -> bool:
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    r = client.get("/app/search?q=a", follow_redirects=False)
    client.cookies.clear()
    assert r.status_code in (200, 303), r.status_code
    return r.status_code == 200


def test_the_cookie_holds_a_session_not_the_key(tmp_path: Path) -> None:
    client, keys, store = make_api(tmp_path)
    with client:
        cookie = _sign_in(client, keys["viewer"])
        secret = keys["viewer"].split("_")[-1]
        assert secret not in cookie and keys["viewer"] not in cookie
        assert _signed_in(client, cookie)
        assert not _signed_in(client, keys["viewer"])  # the key itself is no session
    store.close()


def test_signing_out_ends_the_session_on_the_server(tmp_path: Path) -> None:
    client, keys, store = make_api(tmp_path)
    with client:
        cookie = _sign_in(client, keys["analyst"])
        out = client.post("/app/signout", headers=OWN, follow_redirects=False)
        assert out.status_code == 303
        assert not _signed_in(client, cookie)  # a copy kept from before signs nobody in
    store.close()


def test_a_revoked_key_ends_its_sessions(tmp_path: Path) -> None:
    client, keys, store = make_api(tmp_path)
    with client:
        cookie = _sign_in(client, keys["viewer"])
        assert _signed_in(client, cookie)
        keystore = client.app.state.ag.keys  # type: ignore[attr-defined]
        assert keystore.revoke(keys["viewer"].split("_")[1])
        assert not _signed_in(client, cookie)
    store.close()


def test_a_session_ends_after_its_lifetime() -> None:
    ended = Sessions(lifetime_s=0)
    assert ended.key_of(ended.start("ag_k_s")) is None
    live = Sessions(lifetime_s=3600)
    token = live.start("ag_k_s")
    assert live.key_of(token) == "ag_k_s" and live.key_of("made-up") is None


def test_the_oldest_sign_in_ends_first_when_full() -> None:
    sessions = Sessions(max_sessions=2)
    first, second, third = (sessions.start(f"key{i}") for i in range(3))
    assert sessions.key_of(first) is None
    assert sessions.key_of(second) == "key1" and sessions.key_of(third) == "key2"
    assert len(sessions) == 2
