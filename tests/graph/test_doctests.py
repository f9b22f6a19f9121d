"""Every docstring example in the library runs (numpydoc examples are documentation).

The modules are those whose source shows an example (``>>>``); each must run at least one,
so an example that doctest cannot find (outside a docstring, a broken prompt) fails here
instead of passing unrun.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ["graph", "queries", "loaders", "visualizations", "api"]


def _modules_with_examples() -> list[str]:
    names = []
    for pkg_name in PACKAGES:
        pkg = importlib.import_module(pkg_name)
        for info in pkgutil.walk_packages(pkg.__path__, f"{pkg_name}."):
            spec = importlib.util.find_spec(info.name)
            if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
                continue
            with open(spec.origin, encoding="utf-8") as f:
                if ">>> " in f.read():
                    names.append(info.name)
    return names


MODULES = _modules_with_examples()


def test_examples_are_found_at_all() -> None:
    assert len(MODULES) >= 5, MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} shows examples but doctest runs none of them"
    assert result.failed == 0
