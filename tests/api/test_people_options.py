"""The who-knows-whom routes' tie-kind and hop-limit options, end to end."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def _json(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def test_paths_restricted_to_knows_ties_use_only_knows_ties(api: Api) -> None:
    body = _json(api.get("/paths?source=org-focal&target=org-00500&ties=knows&k=2", "viewer"))
    assert body["ties"] == ["knows"] and body["max_hops"] == 8
    assert all(h["kind"] == "knows" for p in body["paths"] for h in p["hops"])


def test_paths_say_when_the_hop_limit_cut(api: Api) -> None:
    body = _json(api.get("/paths?source=org-focal&target=org-00500&max_hops=1", "viewer"))
    if body["hop_limited"]:
        assert "raise --max-hops" in body["explanation"]
    assert all(len(p["hops"]) <= 1 for p in body["paths"])


def test_an_unknown_tie_kind_is_refused_naming_the_kinds(api: Api) -> None:
    response = api.get("/paths?source=org-focal&target=org-00500&ties=knows,friends", "viewer")
    assert response.status_code == 422
    # the schema declares the kinds (a pattern), so the refusal names the parameter and them
    assert "ties" in response.text and "co_staff" in response.text


def test_metrics_and_brokers_report_the_tie_kinds_they_used(api: Api) -> None:
    metrics = _json(api.get("/metrics?top=3&ties=board,co_staff"))
    assert metrics["ties"] == ["board", "co_staff"]
    assert set(metrics["edge_kinds"]) == {"board", "co_staff"}
    found = _json(api.get("/brokers?a=alliance-000&b=alliance-001", "viewer"))
    assert found["ties"][0] == "knows"
    for broker in found["brokers"]:
        assert broker["paths"] > 0 and "carries" in broker["reason"]
