"""Report settings and dates from query parameters: validated, echoed, part of the cache key."""

from __future__ import annotations

from datetime import date

from tests.api.conftest import Api


def test_report_defaults_to_today_and_as_of_all_is_all_of_history(api: Api) -> None:
    today = api.get("/portfolio/org-focal/report").json()
    assert today["as_of"] == date.today().isoformat()
    everything = api.get("/portfolio/org-focal/report?as_of=all").json()
    assert everything["as_of"] is None
    assert "alliance-left-000" in everything["alliances"]
    assert "alliance-left-000" not in today["alliances"]


def test_settings_from_query_parameters_are_used_and_echoed(api: Api) -> None:
    base = api.get("/portfolio/org-focal/report?as_of=2026-06-30").json()
    assert base["settings"]["donor_share"] == 0.5
    assert any(f["kind"] == "donor_concentration" for f in base["constraints"])
    loose = api.get("/portfolio/org-focal/report?as_of=2026-06-30&donor_share=0.9").json()
    assert loose["settings"]["donor_share"] == 0.9
    assert not any(f["kind"] == "donor_concentration" for f in loose["constraints"])
    rated = api.get(
        "/portfolio/org-focal/constraints?as_of=2026-06-30&currency=USD"
        "&rates=EUR@2025-01-01=1.1&rates=JPY@2025-01-01=0.0065"
    )
    assert rated.status_code == 200
    concentration = [f for f in rated.json() if f["kind"] == "donor_concentration"]
    assert concentration and "(USD)" in concentration[0]["explanation"]


def test_bad_settings_are_a_422_naming_the_setting(api: Api) -> None:
    for query, word in (
        ("donor_share=2", "donor_share"),
        ("max_staff_roles=many", "max_staff_roles"),
        ("rates=JPY", "CURRENCY@YYYY-MM-DD=VALUE"),
        ("as_of=2026-13-01", "as_of"),
    ):
        r = api.get(f"/portfolio/org-focal/report?{query}")
        assert r.status_code == 422, query
        assert word in r.json()["detail"], (query, r.json())


def test_an_unknown_setting_is_a_422_not_ignored(api: Api) -> None:
    """A misspelt setting (``donor_shares``) used to be dropped: the report ran with the
    default and said nothing."""
    r = api.get("/portfolio/org-focal/report?donor_shares=0.9")
    assert r.status_code == 422
    assert "unknown setting 'donor_shares'" in r.json()["detail"]
    assert "donor_share" in r.json()["detail"]
    for route in ("report", "synergies", "scorecards"):  # the route's own parameters pass
        ok = api.get(f"/portfolio/org-focal/{route}?as_of=2025-06-30&donor_share=0.6")
        assert ok.status_code == 200, (route, ok.json())


def test_an_empty_as_of_is_today(api: Api) -> None:
    """The workbench's date field, cleared, sends ``as_of=``: that was a raw 422 page."""
    empty = api.get("/portfolio/org-focal/report?as_of=")
    assert empty.status_code == 200
    assert empty.json()["as_of"] == api.get("/portfolio/org-focal/report").json()["as_of"]
