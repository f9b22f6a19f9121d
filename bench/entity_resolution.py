"""Entity resolution quality on labelled organization-name pairs from real naming patterns.

    python bench/entity_resolution.py [--json]

Each pair (bench/data/org_name_pairs.csv: legal suffixes, punctuation, accents, "&"/"and",
translated legal forms, dotted initials; look-alikes, subsidiaries, numbered siblings) is
put to the resolver exactly as a load would: the first name is known, the second arrives.
"Merged" means resolved onto it without review (exact alias or fuzzy). Beside it two
baselines: exact case-insensitive match, and rapidfuzz token_sort_ratio >= 90 alone.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz  # noqa: E402

from bench._common import emit_json, print_table  # noqa: E402
from loaders.resolve import OrgIndex  # noqa: E402

DATA = Path(__file__).with_name("data") / "org_name_pairs.csv"


def merged(a: str, b: str) -> bool:
    index = OrgIndex()
    index.add("known", a)
    return index.match("incoming", b, queue=None).into == "known"


def confusion(pairs: list[tuple[str, str, bool]], decide: object) -> dict[str, float]:
    tp = fp = fn = tn = 0
    for a, b, same in pairs:
        m = decide(a, b)  # type: ignore[operator]
        tp += m and same
        fp += m and not same
        fn += (not m) and same
        tn += (not m) and not same
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    with DATA.open(encoding="utf-8") as f:
        pairs = [(r["name_a"], r["name_b"], r["same"] == "1") for r in csv.DictReader(f)]
    ours = confusion(pairs, merged)
    exact = confusion(pairs, lambda a, b: a.casefold().strip() == b.casefold().strip())
    plain = confusion(pairs, lambda a, b: fuzz.token_sort_ratio(a.casefold(), b.casefold()) >= 90)
    print(
        f"{len(pairs)} labelled pairs ({sum(p[2] for p in pairs)} same, {sum(not p[2] for p in pairs)} different)"
    )
    print_table(
        "confusion table (merge decisions)",
        ["", "same", "different"],
        [["merged", ours["tp"], ours["fp"]], ["kept apart", ours["fn"], ours["tn"]]],
    )
    print_table(
        "precision and recall of merges",
        ["method", "precision", "recall"],
        [
            ["AllianceGraph resolver", ours["precision"], ours["recall"]],
            ["baseline: exact case-insensitive", exact["precision"], exact["recall"]],
            ["baseline: token_sort_ratio >= 90", plain["precision"], plain["recall"]],
        ],
    )
    if args.show_errors:
        for a, b, same in pairs:
            if merged(a, b) != same:
                print(f"  {'missed' if same else 'WRONG MERGE'}: {a!r} / {b!r}")
    if args.json:
        emit_json(
            {
                "pairs": len(pairs),
                "precision_ratio": round(ours["precision"], 4),
                "recall_ratio": round(ours["recall"], 4),
                "baseline_exact_recall_ratio": round(exact["recall"], 4),
                "baseline_fuzzy_precision_ratio": round(plain["precision"], 4),
            }
        )


if __name__ == "__main__":
    main()
