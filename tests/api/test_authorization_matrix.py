"""A key scoped to one alliance, against every endpoint that takes another's id: 404, and
the answer is the same as for an id that does not exist (it learns nothing)."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

# ids outside the scoped key's reach: alliance-001 and its direct neighbours
OTHER_ORG, OTHER_ALLIANCE, OTHER_PERSON = "org-00999", "alliance-030", "person-04999"
ENDPOINTS = [
    "/organizations/{org}",
    "/alliances/{alliance}",
    "/people/{person}",
    "/networks/net-000",
    "/portfolio/{org}/report",
    "/portfolio/{org}/synergies",
    "/portfolio/{org}/constraints",
    "/portfolio/{org}/gaps",
    "/portfolio/{org}/scorecards",
    "/paths?source={person}&target=alliance-001",
    "/brokers?a={alliance}&b=alliance-001",
    "/ego/{alliance}",
    "/profile?target={org}&organization={org}",
    "/maps/portfolio/{org}",
    "/maps/ego/{alliance}",
    "/maps/alliance/{alliance}",
    "/maps/path?source={person}&target={org}",
    "/maps/finding/{org}/coopetition",
]


@pytest.fixture(autouse=True)
def _others_are_out_of_scope(api: Api) -> None:
    g = api.store.projection()
    near = set(g.successors("alliance-001")) | set(g.predecessors("alliance-001"))
    assert not {OTHER_ORG, OTHER_ALLIANCE, OTHER_PERSON} & near


def _fill(path: str, org: str, alliance: str, person: str) -> str:
    return path.format(org=org, alliance=alliance, person=person)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_scoped_key_gets_404_for_others_and_learns_nothing(api: Api, path: str) -> None:
    other = api.get(_fill(path, OTHER_ORG, OTHER_ALLIANCE, OTHER_PERSON), role="scoped")
    missing = api.get(
        _fill(path, "org-missing", "alliance-missing", "person-missing").replace(
            "net-000", "net-missing"
        ),
        role="scoped",
    )
    assert other.status_code in (403, 404)
    assert other.status_code == missing.status_code

    def strip(body: dict[str, str]) -> str:
        text = body["detail"]
        for ident in (
            OTHER_ORG,
            OTHER_ALLIANCE,
            OTHER_PERSON,
            "org-missing",
            "alliance-missing",
            "person-missing",
            "net-000",
            "net-missing",
        ):
            text = text.replace(ident, "X")
        return text

    assert strip(other.json()) == strip(missing.json())


def test_scoped_key_sees_its_own_alliance(api: Api) -> None:
    own = api.get("/alliances/alliance-001", role="scoped")
    assert own.status_code == 200
    neighbours = {n["id"] for n in own.json()["neighbours"]}
    assert "org-focal" in neighbours  # direct neighbours are in scope
    listed = api.get("/alliances?page_size=200", role="scoped").json()["items"]
    assert [a["id"] for a in listed] == ["alliance-001"]
