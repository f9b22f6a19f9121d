"""The canary test: nothing a key may not see reaches its response bytes, on any route.

A unique marker is planted in every confidential string field, and in the name and id of
every hidden and counts-only entity (and their dependents: assessments, projects, goals) of
the sample. Every GET route, read from ``app.routes`` so a new route is covered without
editing this file, is called by every role and scope:

- no marker of a hidden or counts-only entity appears for a non-admin key;
- no confidential marker appears for a viewer (confidential fields, and properties a
  mapping added under any name), and a viewer's bytes are identical on a
  twin store whose confidential numbers all differ (no total, share or score change
  computed from them can reach a viewer);
- a hidden, counts-only or out-of-scope id answers byte-identically to an unknown id,
  list filters included;
- nothing answers 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.keys import KeyStore
from api.settings import Settings
from graph.schema import CONFIDENTIAL_PROPERTIES
from graph.sqlite_store import SQLiteStore
from graph.vocabulary import NodeLabel, RelType
from samples import SamplePortfolio, generate_portfolio
from tests.api.routes_of import RouteInfo, api_routes
from visualizations import ASSET_FILES

MARKER = re.compile(rb"zq([hcf])\d{5}zq", re.IGNORECASE)
UNKNOWN = "zz-unknown-id"
ROLES = {
    "viewer": ("viewer", None),
    "analyst": ("analyst", None),
    "admin": ("admin", None),
    "scoped": ("analyst", ["alliance-001"]),
    "scoped_viewer": ("viewer", ["alliance-001"]),
}
VIEWERS = {"viewer", "scoped_viewer"}
#: a visible value for each parameter a route may take (a new parameter must be added here)
FILLS: dict[str, list[str]] = {
    "node_id": ["org-focal", "alliance-000", "person-00001", "assessment-alliance-000-0"],
    "org": ["org-focal"],
    "alliance": ["alliance-000", "alliance-001"],
    "fmt": ["json", "graphml", "csv"],
    "name": sorted(ASSET_FILES),
    "source": ["person-00001"],
    "target": ["org-00500"],
    "a": ["alliance-000"],
    "b": ["alliance-001"],
    "organization": ["org-focal"],
}
ID_PARAMS = {"node_id", "org", "alliance", "source", "target", "a", "b", "organization"}
#: optional query parameters exercised besides the defaults
OPTIONAL: dict[str, list[str]] = {
    "as_of": ["2000-01-01", "2025-06-30"],
    "organization": ["org-focal"],  # the people list filter
    "q": ["zq"],  # a name search that matches every planted marker
}


def _plant(variant: str) -> tuple[SamplePortfolio, dict[str, list[str]]]:
    """The sample with markers planted; variant "B" changes every confidential number."""
    sample = generate_portfolio(1)
    nodes, rels = sample.nodes, sample.relationships
    # a tenth of the people (and everyone who staffs an alliance): whole-network metrics on
    # all 5,000 take tens of seconds a call, and this test makes thousands of calls
    staff = {r["source"] for r in rels["STAFFS"]}
    nodes["Person"] = [p for p in nodes["Person"] if p["id"] < "person-00500" or p["id"] in staff]
    people = {p["id"] for p in nodes["Person"]}
    for type_ in ("WORKS_AT", "KNOWS", "STAFFS"):
        rels[type_] = [
            r
            for r in rels[type_]
            if r["source"] in people and (type_ != "KNOWS" or r["target"] in people)
        ]
    count = iter(range(1, 100_000))
    # a hidden and a counts-only organization, each with one employee and a goal
    for sharing in ("hidden", "counts_only"):
        org = f"org-{sharing}"
        nodes["Organization"].append({"id": org, "name": org, "sharing": sharing})
        nodes["Person"].append({"id": f"person-of-{sharing}", "name": f"Staff of {sharing}"})
        nodes["Goal"].append({"id": f"goal-of-{sharing}", "name": "goal", "priority": 1})
        rels["WORKS_AT"].append({"source": f"person-of-{sharing}", "target": org, "title": "x"})
        rels["HAS_GOAL"].append({"source": org, "target": f"goal-of-{sharing}"})
        rels["MEMBER_OF"].append(
            {"source": org, "target": "alliance-001", "role": "member", "cash_contribution": 7e6}
        )
        rels["FUNDS"].append({"source": org, "target": "alliance-000", "amount": 9e6, "year": 2024})
    owners = {
        row["id"]: row["sharing"]
        for label in ("Organization", "Alliance")
        for row in nodes[label]
        if row.get("sharing") in ("hidden", "counts_only")
    }
    secret = dict(owners)
    for type_, owner_end in (("ASSESSES", "target"), ("PART_OF", "target"), ("HAS_GOAL", "source")):
        for row in rels[type_]:
            if row[owner_end] in owners:
                other = row["target" if owner_end == "source" else "source"]
                secret[other] = owners[row[owner_end]]
    renamed: dict[str, str] = {}
    for label_rows in nodes.values():
        for row in label_rows:
            if row["id"] in secret:
                marker = f"zq{'h' if secret[row['id']] == 'hidden' else 'c'}{next(count):05d}zq"
                renamed[row["id"]] = f"{row['id']}-{marker}"
                row["id"], row["name"] = renamed[row["id"]], marker
    for i, row in enumerate(nodes["Person"]):
        if i % 100 == 0:
            row["phone"] = row["linkedin"] = ""
    # properties a mapping added: whatever their name, a viewer never receives them
    for i, row in enumerate(nodes["Person"]):
        if i % 10 == 0:
            row["mobile"] = f"zqf{next(count):05d}zq"
            row["work_email"] = f"zqf{next(count):05d}zq"
    for row in rels["MEMBER_OF"]:
        row["contribution_usd"] = 1000.0 if variant == "A" else 3001.0
    for row in nodes["Assessment"]:
        row["trust_score"] = 2.0 if variant == "A" else 4.5
    for section in (nodes, rels):
        for label_rows in section.values():
            for row in label_rows:
                for end in ("source", "target"):
                    if end in row:
                        row[end] = renamed.get(row[end], row[end])
                for field in CONFIDENTIAL_PROPERTIES & row.keys():
                    value = row[field]
                    if isinstance(value, str):
                        row[field] = f"zqf{next(count):05d}zq"
                    elif isinstance(value, int | float) and variant == "B":
                        row[field] = _other(value)
    kinds: dict[str, list[str]] = {"hidden": [], "counts_only": []}
    for old, new in renamed.items():
        kinds[secret[old]].append(new)
    return sample, kinds


def _other(value: float) -> float:
    """A different value in the same valid range (shares 0..1, scores 1..5, amounts)."""
    if 0 <= value <= 1:
        return round(1 - value, 3) if value != 0.5 else 0.25
    if 1 <= value <= 5:
        return round(6 - value, 3) if value != 3 else 2.5
    return value * 3 + 1


@dataclass
class Twin:
    """One app over one planted store, with a key per role."""

    client: TestClient
    keys: dict[str, str]

    def get(self, url: str, role: str) -> tuple[int, str, bytes]:
        response = self.client.get(url, headers={"Authorization": f"Bearer {self.keys[role]}"})
        return response.status_code, response.headers.get("content-type", ""), response.content


def _twin(tmp: Path, variant: str) -> tuple[Twin, dict[str, list[str]], SQLiteStore]:
    sample, secrets = _plant(variant)
    store = SQLiteStore(tmp / "canary.db")
    for label in NodeLabel:
        if sample.nodes.get(str(label)):
            store.upsert_nodes(label, sample.nodes[str(label)])
    for type_ in RelType:
        if sample.relationships.get(str(type_)):
            store.upsert_relationships(type_, sample.relationships[str(type_)])
    ks = KeyStore(tmp / "keys.db")
    keys = {name: ks.create(role, name, scope) for name, (role, scope) in ROLES.items()}
    ks.close()
    settings = Settings(
        db_path=tmp / "canary.db", keys_path=tmp / "keys.db", rate_limit_per_minute=10_000_000
    )
    client = TestClient(create_app(settings, store=store), raise_server_exceptions=False)
    return Twin(client, keys), secrets, store


@pytest.fixture(scope="module")
def twins(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Twin, Twin, dict[str, list[str]]]]:
    a, secrets, store_a = _twin(tmp_path_factory.mktemp("canary-a"), "A")
    b, _, store_b = _twin(tmp_path_factory.mktemp("canary-b"), "B")
    with a.client, b.client:
        yield a, b, secrets
    store_a.close()
    store_b.close()


def _urls(route: RouteInfo, fills: dict[str, list[str]]) -> list[str]:
    """Every combination of the route's filled parameters, required query ones included."""
    combos: list[dict[str, str]] = [{}]
    names = list(route.path_params) + [n for n, required in route.query_params if required]
    for name in names:
        assert name in fills, f"{route.path}: add a canary value for the parameter {name!r}"
        combos = [{**c, name: v} for c in combos for v in fills[name]]
    out = []
    for combo in combos:
        path = route.path
        for name in route.path_params:
            path = path.replace("{" + name + "}", combo[name])
        query = {k: v for k, v in combo.items() if k not in route.path_params}
        out.append(path + ("?" + urlencode(query) if query else ""))
        optional = {n for n, required in route.query_params if not required}
        for name in sorted(optional & OPTIONAL.keys()):
            for value in OPTIONAL[name]:
                out.append(path + "?" + urlencode({**query, name: value}))
    return out


def _get_routes(app: Any) -> list[RouteInfo]:
    return [r for r in api_routes(app) if "GET" in r.methods]


def _finding_fills(twin: Twin) -> dict[str, list[str]]:
    """Every finding kind of the admin's report, so every finding map is drawn."""
    status, _, body = twin.get("/portfolio/org-focal/report", "admin")
    assert status == 200
    kinds = sorted(set(re.findall(rb'"kind":"([a-z_]+)"', body)))
    return {"kind": [k.decode() for k in kinds]}


def _check_bytes(role: str, url: str, status: int, body: bytes) -> None:
    assert status < 500, (role, url, status, body[:300])
    if role == "admin":
        return
    for match in MARKER.finditer(body):
        kind = match.group(1).lower()
        assert kind == b"f" and role not in VIEWERS, (role, url, match.group(0))


_STAMP = re.compile(rb"data loaded \d{4}-\d\d-\d\d \d\d:\d\d UTC")


def _unstamped(body: bytes) -> bytes:
    return _STAMP.sub(b"data loaded (stamp)", body)


def test_no_marker_reaches_a_key_that_may_not_see_it(
    twins: tuple[Twin, Twin, dict[str, list[str]]],
) -> None:
    a, b, _ = twins
    fills = {**FILLS, **_finding_fills(a)}
    checked = 0
    for route in _get_routes(a.client.app):
        for url in _urls(route, fills):
            urls = [url]
            if "{kind}" in route.path or "/maps/finding/" in url:
                urls += [f"{url}{'&' if '?' in url else '?'}index={i}" for i in range(1, 40)]
            for role in ROLES:
                for u in urls:
                    status, ctype, body = a.get(u, role)
                    _check_bytes(role, u, status, body)
                    checked += 1
                    if role in VIEWERS:
                        # the twins' projections were loaded at their own times: a map's
                        # "data loaded" stamp is the one byte run allowed to differ
                        twin = b.get(u, role)
                        assert (twin[0], twin[1], _unstamped(twin[2])) == (
                            status,
                            ctype,
                            _unstamped(body),
                        ), (role, u)
    assert checked > 500


def test_hidden_counts_only_and_unknown_ids_answer_the_same_bytes(
    twins: tuple[Twin, Twin, dict[str, list[str]]],
) -> None:
    a, _, secrets = twins
    fills = {**FILLS, **_finding_fills(a)}
    compared = 0
    for route in _get_routes(a.client.app):
        params = [
            p for p in (*route.path_params, *(n for n, _ in route.query_params)) if p in ID_PARAMS
        ]
        for param in params:
            for secret in secrets["hidden"] + secrets["counts_only"]:
                one = {**{k: v[:1] for k, v in fills.items()}, param: [secret]}
                other = {**one, param: [UNKNOWN]}
                pairs = zip(_with(route, param, one), _with(route, param, other), strict=True)
                for secret_url, unknown_url in pairs:
                    for role in ROLES:
                        if role == "admin":
                            continue
                        seen = a.get(secret_url, role)
                        _check_bytes(role, secret_url, seen[0], seen[2])
                        assert seen == a.get(unknown_url, role), (role, secret_url)
                        compared += 1
    assert compared > 100


def _with(route: RouteInfo, param: str, fills: dict[str, list[str]]) -> list[str]:
    """The route's URLs with ``param`` set (an optional query parameter is added)."""
    urls = _urls(route, fills)
    if param in route.path_params or dict(route.query_params).get(param):
        return urls
    base = urls[0]
    return [f"{base}{'&' if '?' in base else '?'}{urlencode({param: fills[param][0]})}"]


def test_a_scoped_key_gets_unknown_answers_for_ids_outside_its_scope(
    twins: tuple[Twin, Twin, dict[str, list[str]]],
) -> None:
    a, _, _ = twins
    for path in ("/organizations/{}", "/ego/{}", "/maps/ego/{}", "/people?organization={}"):
        for role in ("scoped", "scoped_viewer"):
            outside = a.get(path.format("org-00999"), role)
            assert outside == a.get(path.format(UNKNOWN), role), (role, path)


def test_a_name_search_finds_no_hidden_or_counts_only_entity(
    twins: tuple[Twin, Twin, dict[str, list[str]]],
) -> None:
    a, _, _ = twins
    for path in ("/organizations?q=zq", "/alliances?q=zq"):
        for role in ROLES:
            status, _, body = a.get(path, role)
            total = int(re.search(rb'"total":(\d+)', body).group(1))  # type: ignore[union-attr]
            assert status == 200
            assert (total > 0) == (role == "admin"), (role, path, total)
