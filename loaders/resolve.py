"""Entity resolution: is this incoming organization or person one we already have?

Organizations: exact id, then exact normalized name or alias, then fuzzy (rapidfuzz) —
merged only when the best candidate is clearly above ``merge_at`` and clearly ahead of the
next; candidates between ``review_at`` and ``merge_at`` go to the review queue and are never
merged silently; nor is a name match between two organizations whose recorded countries
differ (:func:`country_clash`). A person's decision in the queue is remembered, so a
re-import does not ask again. People: email first, then normalized name at the same
organization.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from loaders.names import legal_form, normalize_org, normalize_person, spelling_key

MERGE_AT = 95.0
REVIEW_AT = 85.0
LEAD = 3.0


def similarity(a: str, b: str) -> float:
    """0..100 similarity of two normalized organization names.

    Token-set similarity, but two names must share their first word unless one is a
    single-word abbreviation of the other; a missing distinctive word costs a lot
    ("Delta Air Lines" is not "Delta Electronics").
    """
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    ta, tb = a.split(), b.split()
    score = fuzz.token_sort_ratio(a, b)
    if set(ta) <= set(tb) or set(tb) <= set(ta):
        shorter, longer = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
        extra = len(longer) - len(shorter)
        score = max(score, 100.0 - 12.0 * extra)
    if ta[0] != tb[0] and fuzz.ratio(ta[0], tb[0]) < 85:
        score = min(score, 60.0)
    only_a, only_b = set(ta) - set(tb), set(tb) - set(ta)
    if only_a and only_b and any(max(fuzz.ratio(x, y) for y in only_b) < 80 for x in only_a):
        score = min(score, 80.0)  # a distinct word on each side: "Save the Children US" / "UK"
    digits_a = {t for t in ta if any(c.isdigit() for c in t)}
    if digits_a != {t for t in tb if any(c.isdigit() for c in t)}:
        score = min(score, 60.0)  # "Company 1" is not "Company 10"
    return float(score)


@dataclass
class Decision:
    """What a person decided about one ambiguous match."""

    review_id: str
    incoming_name: str
    candidates: list[dict[str, Any]]
    decision: str | None = None  # "accept:<id>" or "reject"
    reason: str | None = None  # why it was asked, when not just a close name


class ReviewQueue:
    """Ambiguous organization matches and the decisions taken on them, in one JSON file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.items: dict[str, Decision] = {}
        if self.path.exists():
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.items = {k: Decision(**v) for k, v in raw.items()}

    @staticmethod
    def key(incoming_name: str, context: str = "") -> str:
        """The item's id: of the normalized name, and of ``context`` when the question
        depends on more than the name (the incoming country of a country clash)."""
        text = normalize_org(incoming_name) + (f"\x00{context}" if context else "")
        return hashlib.sha1(text.encode()).hexdigest()[:10]

    def ask(
        self,
        incoming_name: str,
        candidates: list[dict[str, Any]],
        reason: str | None = None,
        context: str = "",
    ) -> Decision:
        """The remembered decision for this name (and ``context``), or a new open item."""
        key = self.key(incoming_name, context)
        with self._lock:
            item = self.items.get(key)
            if item is None:
                item = Decision(key, incoming_name, candidates, reason=reason)
                self.items[key] = item
        return item

    def decide(self, review_id: str, decision: str) -> Decision:
        """Accept (``accept`` picks the best candidate, ``accept:<id>`` a given one) or reject."""
        with self._lock:
            item = self.items.get(review_id)
            if item is None:
                raise ValueError(f"no review item {review_id!r}; see `alliancegraph review list`")
            if decision == "accept":
                decision = f"accept:{item.candidates[0]['id']}"
            if decision.startswith("accept:"):
                target = decision.split(":", 1)[1]
                if target not in {c["id"] for c in item.candidates}:
                    raise ValueError(f"{target!r} is not a candidate of {review_id}")
            elif decision != "reject":
                raise ValueError("decide with accept, accept:<id> or reject")
            item.decision = decision
            return item

    def open_items(self) -> list[Decision]:
        return [d for d in self.items.values() if d.decision is None]

    def save(self) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(
                json.dumps(
                    {k: d.__dict__ for k, d in self.items.items()}, ensure_ascii=False, indent=1
                ),
                encoding="utf-8",
            )
            tmp.replace(self.path)


@dataclass
class Match:
    """The outcome for one incoming organization."""

    into: str | None  # existing id to merge into, or None: a new organization
    rule: str
    score: float | None = None
    review: Decision | None = None


def country_clash(known: Any, incoming: Any, how: str = "same name") -> str | None:
    """Why two organizations matched by name are held apart: both record a country in the
    same form (two ISO codes of one length, or two names) and the two differ, compared as
    folded text; ``None`` when either is unrecorded, they agree, or one is a code and the
    other a name ("US" and "United States": no table of codes is assumed, so a file and a
    store that write countries differently do not send every organization to review)."""
    if not known or not incoming:
        return None
    a, b = spelling_key(str(known)), spelling_key(str(incoming))
    if a == b or _country_form(a) != _country_form(b):
        return None
    return f"{how}, different country: {known} vs {incoming}"


def _country_form(key: str) -> str:
    """``"code2"``, ``"code3"`` (an ISO 3166 alpha-2 or alpha-3 code) or ``"name"``."""
    if len(key) in (2, 3) and key.isalpha():
        return f"code{len(key)}"
    return "name"


def _other_legal_entity(known: str, incoming: str) -> bool:
    """Whether two names of one stem in two countries name two legal entities: both give
    a legal form and the forms differ ("Biopharm AG", Israel, and "Biopharm KK", Canada: a
    subsidiary at most, never the same company), so nobody need be asked."""
    a, b = legal_form(known), legal_form(incoming)
    return bool(a and b and a != b)


FIRST_WORD_CAP = 60.0  # what :func:`similarity` caps a pair with different first words at
FIRST_WORD_SIMILAR = 85.0  # first words at least this similar escape that cap


def _block(key: str) -> tuple[str, frozenset[str]]:
    """The first word and the numbers of a normalized name: a pair that differs in either
    scores at most ``FIRST_WORD_CAP`` (see :func:`similarity`)."""
    words = key.split()
    return words[0], frozenset(w for w in words if any(c.isdigit() for c in w))


@dataclass
class OrgIndex:
    """Known organizations by id and normalized name/alias.

    Fuzzy matching compares an incoming name only with names whose first word is the same
    or close and whose numbers are the same, the only pairs :func:`similarity` can score
    above ``FIRST_WORD_CAP``; so matching stays fast with tens of thousands of
    organizations and gives the same answer as comparing with all of them.
    """

    names: dict[str, str] = field(default_factory=dict)  # id -> display name
    keys: dict[str, list[str]] = field(default_factory=dict)  # normalized name/alias -> ids
    choices: dict[str, str] = field(default_factory=dict)  # id -> normalized name (fuzzy)
    blocks: dict[tuple[str, frozenset[str]], dict[str, str]] = field(default_factory=dict)
    near: dict[str, set[str]] = field(default_factory=dict)  # first word -> close first words
    countries: dict[str, str] = field(default_factory=dict)  # id -> recorded country

    def add(
        self,
        org_id: str,
        name: str,
        aliases: list[str] | None = None,
        country: str | None = None,
    ) -> None:
        self.names[org_id] = name
        if country:
            self.countries[org_id] = str(country)
        for text in [name, *(aliases or [])]:
            key = normalize_org(text)
            if key:
                ids = self.keys.setdefault(key, [])
                if org_id not in ids:
                    ids.append(org_id)
        key = normalize_org(name)
        old = self.choices.get(org_id)
        if old:
            self.blocks.get(_block(old), {}).pop(org_id, None)
        self.choices[org_id] = key
        if key:
            block = _block(key)
            self._first_word(block[0])
            self.blocks.setdefault(block, {})[org_id] = key

    def _close_words(self, word: str) -> set[str]:
        """Known first words at least ``FIRST_WORD_SIMILAR`` like ``word`` (one C-speed scan)."""
        found = process.extract(
            word, list(self.near), scorer=fuzz.ratio, score_cutoff=FIRST_WORD_SIMILAR, limit=None
        )
        return {str(w) for w, _, _ in found}

    def _first_word(self, word: str) -> set[str]:
        """The known first words close to ``word`` (kept up to date as words arrive)."""
        if word not in self.near:
            close = self._close_words(word)
            for w in close:
                self.near[w].add(word)
            self.near[word] = close | {word}
        return self.near[word]

    def _candidates(self, key: str, review_at: float) -> dict[str, str]:
        if review_at <= FIRST_WORD_CAP:
            return self.choices
        first, numbers = _block(key)
        close = self.near.get(first)
        if close is None:
            close = self._close_words(first)
        out: dict[str, str] = {}
        for word in close:
            out.update(self.blocks.get((word, numbers), {}))
        return out

    def match(
        self,
        org_id: str,
        name: str,
        queue: ReviewQueue | None,
        merge_at: float = MERGE_AT,
        review_at: float = REVIEW_AT,
        country: str | None = None,
    ) -> Match:
        """Resolve one incoming organization (recorded in ``country``, if known) against
        the index. A name match onto an organization of another recorded country is asked
        about, never merged (see :func:`country_clash`); the same id always merges."""
        if org_id in self.names:
            return Match(org_id, "exact_id")
        key = normalize_org(name)
        same = self.keys.get(key)
        if same:  # another legal form in another country is another company: not a candidate
            same = [i for i in same if not self._other_company(i, name, country)]
            if not same:
                return Match(None, "new")
        if same and len(same) == 1:
            clash = country_clash(self.countries.get(same[0]), country)
            if clash is None:
                return Match(same[0], "exact_alias", 100.0)
            return self._clash(name, country, [self._candidate(same[0], 100.0)], queue, clash)
        if same:  # two known organizations share this name: never pick one silently
            local = [
                i for i in same if country and not country_clash(self.countries.get(i), country)
            ]
            if len(local) == 1 and self.countries.get(local[0]):  # unless one is of its country
                return Match(local[0], "exact_alias", 100.0)
            candidates = [self._candidate(i, 100.0) for i in same]
            return self._ask(name, candidates, queue, 100.0, transient=True)
        if not key or not self.choices:
            return Match(None, "new")
        pool = self._candidates(key, review_at)
        best = process.extract(key, pool, scorer=lambda a, b, **_: similarity(a, b), limit=3)
        if not best or best[0][1] < review_at:
            return Match(None, "new")
        top_score, top_id = best[0][1], best[0][2]
        runner_up = best[1][1] if len(best) > 1 else 0.0
        if top_score >= merge_at and top_score - runner_up >= LEAD:
            clash = country_clash(self.countries.get(top_id), country, "similar name")
            if clash is None:
                return Match(top_id, "fuzzy", top_score)
            if _other_legal_entity(self.names.get(top_id, ""), name):
                return Match(None, "new")
            candidates = [self._candidate(top_id, round(top_score, 1))]
            return self._clash(name, country, candidates, queue, clash, top_score)
        if queue is None:
            return Match(None, "new")
        candidates = [self._candidate(c[2], round(c[1], 1)) for c in best if c[1] >= review_at]
        return self._ask(name, candidates, queue, top_score)

    def _other_company(self, org_id: str, name: str, country: str | None) -> bool:
        """Whether a known organization of the same name stem is another company than an
        incoming ``name`` of ``country``: recorded in another country, under another legal
        form ("Biopharm AG", Israel, against "Biopharm KK", Canada)."""
        return bool(country_clash(self.countries.get(org_id), country)) and _other_legal_entity(
            self.names.get(org_id, ""), name
        )

    def _candidate(self, org_id: str, score: float) -> dict[str, Any]:
        """A review item's candidate: id, name, score and, when recorded, country."""
        out: dict[str, Any] = {"id": org_id, "name": self.names.get(org_id, org_id), "score": score}
        if org_id in self.countries:
            out["country"] = self.countries[org_id]
        return out

    @staticmethod
    def _clash(
        name: str,
        country: str | None,
        candidates: list[dict[str, Any]],
        queue: ReviewQueue | None,
        reason: str,
        score: float = 100.0,
    ) -> Match:
        """A name match across recorded countries: asked about under its own item (per
        incoming country, so that one decision does not answer for another country),
        with the reason on the item and its candidates; without a queue, a new one."""
        for candidate in candidates:
            candidate["reason"] = reason
        if queue is None:
            return Match(None, "new")
        decision = queue.ask(name, candidates, reason, spelling_key(str(country or "")))
        return OrgIndex._answer(decision, score)

    @staticmethod
    def _ask(
        name: str,
        candidates: list[dict[str, Any]],
        queue: ReviewQueue | None,
        score: float,
        transient: bool = False,
    ) -> Match:
        """The review queue's answer for an ambiguous name: a remembered decision, or held.

        With no queue, a ``transient`` question is still held (an unsaved item) rather than
        answered by picking a candidate."""
        if queue is None:
            if not transient:
                return Match(None, "new")
            decision = Decision(ReviewQueue.key(name), name, candidates)
        else:
            decision = queue.ask(name, candidates)
        return OrgIndex._answer(decision, score)

    @staticmethod
    def _answer(decision: Decision, score: float) -> Match:
        """The match a review item gives: its remembered decision, or held."""
        if decision.decision and decision.decision.startswith("accept:"):
            return Match(decision.decision.split(":", 1)[1], "review", score)
        if decision.decision == "reject":
            return Match(None, "new")
        return Match(None, "ambiguous", score, decision)


def name_at(name_key: str, org: str) -> str:
    """One string for (normalized person name, organization id): a tuple of two strings
    costs twice the memory, per person of a million-row file. A normalized name holds no
    NUL (:func:`normalize_person` makes punctuation spaces), so the key is unambiguous."""
    return f"{name_key}\x00{org}"


def profile_key(url: object) -> str | None:
    """A LinkedIn profile URL as one person has one: without scheme, ``www.``, query or
    trailing slash, in lower case (``https://www.linkedin.com/in/AnaRuiz/`` and
    ``linkedin.com/in/anaruiz`` are one profile).

    >>> profile_key("https://www.linkedin.com/in/AnaRuiz/?trk=x")
    'linkedin.com/in/anaruiz'
    """
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip().casefold().split("?", 1)[0].split("#", 1)[0].rstrip("/")
    for prefix in ("https://", "http://", "www."):
        text = text.removeprefix(prefix)
    return text or None


@dataclass
class PersonIndex:
    """Known people by email and by (normalized name, organization), with the LinkedIn
    profile of those who have one: namesakes at one employer with two different profiles
    are two people, whatever their names say."""

    emails: dict[str, str] = field(default_factory=dict)
    #: :func:`name_at` (normalized name, organization) -> person id
    names: dict[str, str] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    #: person id -> :func:`profile_key` of her LinkedIn profile (only people with one)
    profiles: dict[str, str] = field(default_factory=dict)

    def add(
        self,
        person_id: str,
        name: str,
        email: str | None,
        orgs: list[str],
        profile: object = None,
    ) -> None:
        self.ids.add(person_id)
        if email:
            self.emails.setdefault(email.strip().casefold(), person_id)
        if orgs:
            key = normalize_person(name)
            for org in orgs:
                self.names.setdefault(name_at(key, org), person_id)
        self.note_profile(person_id, profile)

    def note_profile(self, person_id: str, profile: object) -> None:
        """Remember a person's LinkedIn profile (a URL, or nothing)."""
        key = profile_key(profile)
        if key is not None:
            self.profiles[person_id] = key

    def other_profile(self, person_id: str, profile: object) -> bool:
        """Whether ``person_id`` is known with a LinkedIn profile other than ``profile``."""
        known = self.profiles.get(person_id) if self.profiles else None
        return known is not None and profile_key(profile) not in (None, known)

    def match(
        self,
        person_id: str,
        name: str,
        email: str | None,
        org: str | None,
        profile: object = None,
    ) -> Match:
        if person_id in self.ids:
            return Match(person_id, "exact_id")
        if email and email.strip().casefold() in self.emails:
            return Match(self.emails[email.strip().casefold()], "email")
        if org:
            found = self.names.get(name_at(normalize_person(name), org))
            if found is not None and not self.other_profile(found, profile):
                return Match(found, "name_and_organization")
        return Match(None, "new")
