"""Builders for the focal organization's goals, projects and collaboration history."""

from __future__ import annotations

from graph.vocabulary import NodeLabel, RelType
from samples.builder import FOCAL_ID, World


def add_goals(w: World) -> list[str]:
    """Eight strategy goals; goals 0 and 1 need topics no alliance addresses.

    Returns the goals that are strategy gaps.
    """
    b = w.b
    for i in range(8):
        gid = b.node(
            NodeLabel.GOAL,
            {"id": f"goal-{i}", "name": f"Strategy goal {i + 1}", "priority": 1 + i % 5},
        )
        b.rel(RelType.HAS_GOAL, FOCAL_ID, gid)
        needs = [w.orphan_topics[i % 2]] if i < 2 else w.rng.sample(w.alliance_topics[:10], 2)
        for topic in needs:
            b.rel(RelType.NEEDS, gid, topic, weight=1.0)
    addressed = {r["target"] for r in b.p.relationships[str(RelType.ADDRESSES)]}
    return sorted(
        {r["source"] for r in b.p.relationships[str(RelType.NEEDS)] if r["target"] not in addressed}
    )


def add_projects(w: World) -> None:
    """One to three projects per alliance with up to three participants; random history of
    collaboration between organizations."""
    rng, b = w.rng, w.b
    for i, alliance in enumerate(w.alliances):
        for k in range(rng.randint(1, 3)):
            pid = b.node(
                NodeLabel.PROJECT,
                {
                    "id": f"project-{i:03d}-{k}",
                    "name": f"Project {i}.{k}",
                    "started": b.month(2019, 2025),
                },
            )
            b.rel(RelType.PART_OF, pid, alliance)
            members = sorted(w.members[alliance])
            for org in rng.sample(members, min(3, len(members))):
                b.rel(RelType.PARTICIPATES_IN, org, pid)
    for _ in range(300 * w.scale):
        o1, o2 = rng.sample(w.orgs, 2)
        b.rel(
            RelType.COLLABORATED_WITH,
            o1,
            o2,
            key=str(rng.randint(2010, 2025)),
            year=rng.randint(2010, 2025),
            outcome=rng.choice(["success", "mixed", "failed"]),
        )
