"""Builder for the relational-capital scorecard over time, with planted weak, declining,
stale and never-assessed alliances and a score just above the floor (must not be reported)."""

from __future__ import annotations

from graph.vocabulary import NodeLabel, RelType
from samples.builder import World

SCORES = ("trust", "social_interaction", "transparency", "commitment", "compatibility")


def add_assessments(w: World) -> dict[str, set[str]]:
    """Three dated assessments per alliance (two, older, when stale); returns the planted
    blocks by name (never, stale, weak, near_weak, declining)."""
    rng, b = w.rng, w.b
    planted = {
        "never": set(w.block("never_assessed", 3)),
        "stale": set(w.block("stale_assessment", 3)),
        "weak": set(w.block("weak", 3)),
        "near_weak": set(w.block("near_weak", 2)),
        "declining": set(w.block("declining", 2)),
    }
    for alliance in w.alliances:
        if alliance in planted["never"]:
            continue
        dates = ["2025-06-15", "2025-12-15", "2026-05-15"]
        if alliance in planted["stale"]:
            dates = ["2024-03-15", "2025-04-15"]
        level = rng.uniform(3.3, 4.5)  # each alliance has its own level, with small noise
        for k, when in enumerate(dates):
            scores = {s: round(level + rng.uniform(-0.3, 0.3), 1) for s in SCORES}
            if alliance in planted["declining"]:
                scores = dict.fromkeys(scores, 4.5 - 0.8 * k)
            is_last = k == len(dates) - 1
            if is_last and alliance in planted["weak"]:
                scores["trust"] = 2.0
            if is_last and alliance in planted["near_weak"]:
                scores["trust"] = 2.6
            aid = b.node(
                NodeLabel.ASSESSMENT,
                {
                    "id": f"assessment-{alliance}-{k}",
                    "name": f"Scorecard {when}",
                    "date": when,
                    "outcome": round(rng.uniform(2.5, 4.5), 1),
                    "progress": round(min(1.0, 0.3 * (k + 1)), 2),
                    **scores,
                },
            )
            b.rel(RelType.ASSESSES, aid, alliance)
    return planted
