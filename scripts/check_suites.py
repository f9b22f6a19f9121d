"""Fail unless the Bolt-server and browser suites ran and none of their tests skipped.

Reads pytest's JUnit XML: a Bolt test has "bolt" in its parametrized id or lives in a
module named for Bolt; a browser test lives under tests/browser.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET  # our own pytest output, not untrusted input


def main(path: str) -> int:
    cases = ET.parse(path).getroot().iter("testcase")
    suites = {"bolt": [0, 0], "browser": [0, 0]}  # [ran, skipped]
    for case in cases:
        where = f"{case.get('classname', '')}.{case.get('name', '')}"
        kinds = []
        if "bolt" in where.lower():
            kinds.append("bolt")
        if "tests.browser" in where:
            kinds.append("browser")
        skipped = case.find("skipped") is not None
        for kind in kinds:
            suites[kind][1 if skipped else 0] += 1
    ok = True
    for kind, (ran, skipped) in suites.items():
        print(f"{kind} suite: {ran} ran, {skipped} skipped")
        if ran == 0 or skipped:
            ok = False
    if not ok:
        print("FAIL: the Bolt and browser suites must run in CI, with no test skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "artifacts/junit.xml"))
