"""Entity resolution quality on labelled organization-name pairs from real naming patterns.

    python bench/entity_resolution.py [--json] [--orgs 10000]

Each pair (bench/data/org_name_pairs.csv: legal suffixes, punctuation, accents, "&"/"and",
translated legal forms, dotted initials; look-alikes, subsidiaries, numbered siblings) is
put to the resolver exactly as a load would: the first name is known, the second arrives.
"Merged" means resolved onto it without review (exact alias or fuzzy). Beside it two
baselines: exact case-insensitive match, and rapidfuzz token_sort_ratio >= 90 alone.

Identity before similarity, through the real load pipeline and embedded store:

- bench/data/code_keyed_pairs.csv: look-alike pairs whose ids come from codes (countries,
  a company and its regional subsidiary, two carriers of one group). Loaded with the
  default ``by_code`` mode they must give 0 review items and 0 merges; the same files
  loaded ``by_name`` are the baseline that shows why.
- Identical names held: each name is in the store twice under different ids; a name-keyed
  row with that name must be held every time (never merged into one of them).
- A load of ``--orgs`` code-keyed organizations with many look-alike names (brands with
  Cargo / Express / Regional / country variants): its time and review items, beside the
  same file loaded ``by_name``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz  # noqa: E402

from bench._common import emit_json, print_table, timer  # noqa: E402
from graph.sqlite_store import SQLiteStore  # noqa: E402
from loaders.pipeline import load_path  # noqa: E402
from loaders.resolve import OrgIndex  # noqa: E402

DATA = Path(__file__).with_name("data") / "org_name_pairs.csv"
CODE_KEYED = Path(__file__).with_name("data") / "code_keyed_pairs.csv"
BRANDS = [
    "Aurora",
    "Atlas",
    "Boreal",
    "Cobalt",
    "Condor",
    "Coral",
    "Delta",
    "Eagle",
    "Falcon",
    "Galaxy",
    "Harbor",
    "Horizon",
    "Iberica",
    "Jade",
    "Kestrel",
    "Lagoon",
    "Meridian",
    "Monarch",
    "Nordic",
    "Oasis",
    "Orion",
    "Pacific",
    "Pegasus",
    "Phoenix",
    "Polar",
    "Quantum",
    "Regal",
    "Sahara",
    "Sierra",
    "Solar",
    "Summit",
    "Tango",
    "Titan",
    "Trident",
    "Tundra",
    "Unity",
    "Vector",
    "Vertex",
    "Viking",
    "Zenith",
    "Alpine",
    "Andes",
    "Baltic",
    "Cascade",
    "Crescent",
    "Dune",
    "Ember",
    "Fjord",
    "Glacier",
    "Granite",
]
SECTORS = ["Air", "Airlines", "Airways", "Energy", "Bank", "Telecom", "Logistics", "Foods"]
VARIANTS = ["", " Cargo", " Express", " Regional", " Connect", " International", " Holdings"]
COUNTRIES = ["", " UK", " Deutschland", " France", " España", " Italia", " Brasil", " USA"]


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


def _write_orgs(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Name"])
        w.writerows(rows)
    return path


def _mapping(folder: Path, mode: str) -> Path:
    path = folder / f"orgs-{mode}.yaml"
    path.write_text(
        f"nodes:\n  - label: Organization\n    id: Id\n    name: Name\n    resolve: {mode}\n",
        encoding="utf-8",
    )
    return path


def code_keyed(folder: Path, mode: str) -> dict[str, int]:
    """Review items and merges when the look-alike pairs load with ``mode``: the first
    names, then the second ones against them; and both in one file into an empty store."""
    with CODE_KEYED.open(encoding="utf-8") as f:
        pairs = list(csv.DictReader(f))
    first = {p["id_a"]: p["name_a"] for p in pairs}
    second = {p["id_b"]: p["name_b"] for p in pairs if p["id_b"] not in first}
    mapping = _mapping(folder, mode)
    out = {"review_items": 0, "merges": 0, "held": 0, "created": 0}
    runs = [[first, second], [{**first, **second}]]
    for n, run in enumerate(runs):
        store = SQLiteStore(folder / f"pairs-{mode}-{n}.db")
        for k, orgs in enumerate(run):
            path = _write_orgs(folder / f"pairs-{mode}-{n}-{k}.csv", list(orgs.items()))
            report = load_path(store, path, mapping)
            out["review_items"] += len(report.ambiguities)
            out["merges"] += len(report.merges)
            out["held"] += len(report.held)
            out["created"] += report.counts["Organization"].created
        store.close()
    return out


def identical_names_held(folder: Path) -> tuple[int, int]:
    """(rows held, rows) when name-keyed rows arrive whose name two stored organizations
    (different ids) share exactly."""
    with CODE_KEYED.open(encoding="utf-8") as f:
        names = sorted({p["name_a"] for p in csv.DictReader(f)} - {""})
    store = SQLiteStore(folder / "identical.db")
    rows = [{"id": f"reg-{i}-{k}", "name": n} for i, n in enumerate(names) for k in "ab"]
    store.upsert_nodes("Organization", rows)
    path = _write_orgs(folder / "crm.csv", [(f"crm-{i}", n) for i, n in enumerate(names)])
    report = load_path(store, path, _mapping(folder, "by_name"))
    store.close()
    assert not report.merges, report.merges
    return len(report.held), len(names)


def look_alike_orgs(n: int) -> list[tuple[str, str]]:
    """``n`` code-keyed organizations whose names are brand / sector / variant / country
    combinations: "Aurora Air", "Aurora Air Cargo", "Aurora Airlines UK" ..."""
    out: list[tuple[str, str]] = []
    for brand in BRANDS:
        for sector in SECTORS:
            for variant in VARIANTS:
                for country in COUNTRIES:
                    out.append((f"reg-{len(out):06d}", f"{brand} {sector}{variant}{country}"))
                    if len(out) == n:
                        return out
    raise ValueError(f"at most {len(out)} look-alike names; ask for fewer")


def big_load(folder: Path, n: int, mode: str) -> dict[str, Any]:
    """Seconds and review items of one load of ``n`` look-alike organizations."""
    path = _write_orgs(folder / f"big-{mode}.csv", look_alike_orgs(n))
    store = SQLiteStore(folder / f"big-{mode}.db")
    with timer() as elapsed:
        report = load_path(store, path, _mapping(folder, mode))
    store.close()
    return {
        "s": elapsed(),
        "review_items": len(report.ambiguities),
        "merges": len(report.merges),
        "created": report.counts["Organization"].created,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--orgs", type=int, default=10_000, help="code-keyed load size")
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
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with CODE_KEYED.open(encoding="utf-8") as f:
            n_pairs = sum(1 for _ in csv.DictReader(f))
        by_code = code_keyed(folder, "by_code")
        by_name = code_keyed(folder, "by_name")
        held, asked = identical_names_held(folder)
        big = big_load(folder, args.orgs, "by_code")
        big_names = big_load(folder, args.orgs, "by_name")
    print_table(
        f"{n_pairs} code-keyed look-alike pairs (countries, subsidiaries, carriers of one group)",
        ["mode", "review items", "merges", "created"],
        [
            [
                "by_code (default for code ids)",
                *(by_code[k] for k in ("review_items", "merges", "created")),
            ],
            ["baseline: by_name", *(by_name[k] for k in ("review_items", "merges", "created"))],
        ],
    )
    print_table(
        "identical names, different ids in the store",
        ["incoming name-keyed rows", "held for review", "held ratio"],
        [[asked, held, held / asked]],
    )
    print_table(
        f"one load of {args.orgs:,} code-keyed look-alike organizations (embedded store; "
        "shared machine, times are noisy)",
        ["mode", "seconds", "review items", "merges", "created", "time ratio to by_name"],
        [
            [
                "by_code",
                big["s"],
                big["review_items"],
                big["merges"],
                big["created"],
                big["s"] / big_names["s"],
            ],
            [
                "baseline: by_name",
                big_names["s"],
                big_names["review_items"],
                big_names["merges"],
                big_names["created"],
                1.0,
            ],
        ],
    )
    if args.json:
        emit_json(
            {
                "pairs": len(pairs),
                "precision_ratio": round(ours["precision"], 4),
                "recall_ratio": round(ours["recall"], 4),
                "baseline_exact_recall_ratio": round(exact["recall"], 4),
                "baseline_fuzzy_precision_ratio": round(plain["precision"], 4),
                "code_keyed_pairs": n_pairs,
                "code_keyed_review_items": by_code["review_items"],
                "code_keyed_merges": by_code["merges"],
                "baseline_by_name_review_items": by_name["review_items"],
                "baseline_by_name_merges": by_name["merges"],
                "identical_names_held_ratio": round(held / asked, 4),
                "code_keyed_load_orgs": args.orgs,
                "code_keyed_load_s": round(big["s"], 3),
                "code_keyed_load_review_items": big["review_items"],
                "baseline_by_name_load_s": round(big_names["s"], 3),
                "baseline_by_name_load_review_items": big_names["review_items"],
                "code_keyed_load_time_ratio": round(big["s"] / big_names["s"], 3),
            }
        )


if __name__ == "__main__":
    main()
