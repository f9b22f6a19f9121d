"""Every option of the who-knows-whom commands says what it does."""

from __future__ import annotations

import argparse

import pytest

from api.cli.main import build_parser


def _command(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: argparse.ArgumentParser = sub.choices[name]
    return found


@pytest.mark.parametrize("name", ["paths", "brokers", "profile", "metrics"])
def test_every_option_has_help_text(name: str) -> None:
    for action in _command(name)._actions:
        if action.option_strings and action.dest not in ("help", "json"):
            assert action.help, f"{name} {action.option_strings[0]} has no help text"


def test_max_hops_help_says_the_limit_is_part_of_the_search() -> None:
    (hops,) = (a for a in _command("paths")._actions if "--max-hops" in a.option_strings)
    assert hops.default == 8 and "introductions" in str(hops.help)
