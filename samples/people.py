"""Builders for people: employment (with ended jobs and board seats), alliance staffing
with planted over-commitment, and KNOWS ties of varied strength."""

from __future__ import annotations

from graph.vocabulary import NodeLabel, RelType
from samples import names
from samples.builder import FOCAL_ID, World


def add_people(w: World) -> None:
    """``5000 * scale`` people; the first ``80 * scale`` work at the focal organization."""
    rng, b = w.rng, w.b
    focal_staff_n = 80 * w.scale
    for i in range(5000 * w.scale):
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
        pid = f"person-{i:05d}"
        org = FOCAL_ID if i < focal_staff_n else rng.choice(w.orgs)
        email_local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        b.node(
            NodeLabel.PERSON,
            {"id": pid, "name": f"{first} {last}", "email": f"{email_local}.{i}@example.org"},
        )
        b.rel(RelType.WORKS_AT, pid, org, since=str(rng.randint(2008, 2024)), kind="employee")
        w.employer[pid] = org
        w.staff_of[org].append(pid)
        w.people.append(pid)
        r = rng.random()
        if r < 0.08:  # a previous employer, ended
            b.rel(
                RelType.WORKS_AT,
                pid,
                rng.choice(w.orgs),
                since="2010",
                until=str(rng.randint(2012, 2020)),
            )
        elif r < 0.11:  # a board seat elsewhere, current
            b.rel(
                RelType.WORKS_AT,
                pid,
                rng.choice(w.orgs),
                since="2021",
                kind="board",
                title="Board member",
            )


def add_staffing(w: World) -> tuple[set[str], str]:
    """Staff roles on every alliance; a block without an alliance manager; ``3 * scale``
    focal staff over-committed and one exactly at the role limit (must not be reported).

    Returns the alliances missing a manager and the person at the limit.
    """
    rng, b = w.rng, w.b
    focal_staff = w.staff_of[FOCAL_ID]
    missing_manager = set(w.block("missing_alliance_manager", 3))
    over_committed = focal_staff[: 3 * w.scale]
    near_over = focal_staff[3 * w.scale]
    regular = focal_staff[3 * w.scale + 1 :]
    cursor = 0
    for alliance in w.alliances:
        wanted = ["alliance_director", "km_intermediary", "communications"]
        if alliance not in missing_manager:
            wanted.insert(0, "alliance_manager")
        for role in wanted:
            if role != "alliance_manager" and rng.random() < 0.3:
                continue
            person = regular[cursor % len(regular)]
            cursor += 1
            if b.rel(RelType.STAFFS, person, alliance, key=role, role=role, since="2023"):
                w.roles[person] += 1
        for org in sorted(w.members[alliance])[:2]:
            if w.staff_of[org]:
                b.rel(
                    RelType.STAFFS,
                    w.staff_of[org][0],
                    alliance,
                    key="researcher",
                    role="researcher",
                )
                w.roles[w.staff_of[org][0]] += 1
    for k, person in enumerate(over_committed):
        for alliance in w.alliances[k * 6 : k * 6 + 6]:
            if b.rel(
                RelType.STAFFS,
                person,
                alliance,
                key="business_developer",
                role="business_developer",
            ):
                w.roles[person] += 1
    for alliance in w.alliances[-4:]:
        if b.rel(RelType.STAFFS, near_over, alliance, key="finance", role="finance"):
            w.roles[near_over] += 1
    return missing_manager, near_over


def add_ties(w: World) -> None:
    """Three tie attempts per person, half to colleagues: CRM ties with a strength, email
    ties with interaction counts and a last contact."""
    rng, b = w.rng, w.b
    for pid in w.people:
        for _ in range(3):
            roll = rng.random()
            colleagues = w.staff_of[w.employer[pid]]
            other = (
                rng.choice(colleagues)
                if roll < 0.5 and len(colleagues) > 1
                else rng.choice(w.people)
            )
            if rng.random() < 0.6:
                b.rel(
                    RelType.KNOWS,
                    pid,
                    other,
                    strength=round(rng.uniform(0.15, 0.95), 2),
                    source_system="crm",
                    since=str(rng.randint(2010, 2024)),
                )
            else:
                b.rel(
                    RelType.KNOWS,
                    pid,
                    other,
                    interactions=rng.randint(1, 60),
                    last_contact=f"{rng.randint(2023, 2026)}-{rng.randint(1, 6):02d}",
                    source_system="email",
                )
