"""Normalizing organization and person names so that variants of one name compare equal.

"IBM Corp.", "I.B.M. Corporation" and "ibm" all normalize to ``ibm``; accents, case,
punctuation, "&"/"and" and legal suffixes (Inc., Ltd, GmbH, S.A., ...) are dropped.

>>> normalize_org("Société Générale S.A.")
'societe generale'
>>> normalize_org("Procter & Gamble Co.")
'procter and gamble'
>>> normalize_org("I.B.M. Corporation")
'ibm'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Legal-form words dropped wherever they stand at the end of a name (any order, repeated).
LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "plc",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "kgaa",
    "se",
    "sa",
    "sas",
    "sarl",
    "spa",
    "srl",
    "bv",
    "nv",
    "oy",
    "oyj",
    "ab",
    "as",
    "asa",
    "aps",
    "pty",
    "pte",
    "kk",
    "sl",
    "sau",
    "ltda",
    "cv",
    "sab",
    "de",
    "group",
    "holding",
    "holdings",
    "the",
    "aktiengesellschaft",
    "publ",
    "sca",
    "bhd",
    "sdn",
    "tbk",
    "pjsc",
    "jsc",
    "sae",
}
#: Legal forms that stand first ("AB Electrolux", "PT Bank Mandiri").
LEADING = {"the", "ab", "pt", "oao", "pao", "ooo", "ao"}
_PAREN = re.compile(r"\([^)]*\)")
#: Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "þ": "th", "ı": "i"}
)
_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, accents removed, compatibility characters folded."""
    if text.isascii():  # nothing to decompose or fold: most names, at a tenth of the cost
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.casefold().translate(_LETTERS)


def aliases_of(data: dict[str, object]) -> list[str]:
    """An entity's other names (former names, spellings met in imports)."""
    aliases = data.get("aliases")
    return [str(a) for a in aliases] if isinstance(aliases, list) else []


def matches_name(data: dict[str, object], needle: str) -> bool:
    """Whether ``needle`` (already :func:`fold`-ed) is in the entity's name
    or one of its other names, whatever the case and accents ("lefevre" finds Lefèvre)."""
    return needle in fold(str(data.get("name", ""))) or any(
        needle in fold(a) for a in aliases_of(data)
    )


@lru_cache(maxsize=65_536)
def normalize_org(name: str) -> str:
    """The comparison key of an organization name (see the module docstring)."""
    text = _PAREN.sub(" ", fold(name))
    text = text.replace("a/s", " as ").replace(".", "")
    text = text.replace("&", " and ").replace("+", " and ")
    text = _PUNCT.sub(" ", text)
    words = _SPACE.sub(" ", text).strip().split(" ")
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] in LEADING:
        words.pop(0)
    return " ".join(w for w in words if w)


def legal_form(name: str) -> str:
    """The legal-form words :func:`normalize_org` drops from the end of a name, folded
    ("Biopharm K.K." gives "kk", "Acme GmbH & Co KG" gives "kg"); "" when it has none.

    >>> legal_form("Biopharm AG"), legal_form("Biopharm K.K."), legal_form("Biopharm")
    ('ag', 'kk', '')
    """
    text = _PAREN.sub(" ", fold(name)).replace("a/s", " as ").replace(".", "")
    text = text.replace("&", " and ").replace("+", " and ")
    words = _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip().split(" ")
    form: list[str] = []
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        form.append(words.pop())
    return " ".join(reversed(form))


def spelling_key(text: str) -> str:
    """The letters and digits of ``text``, folded: two texts with the same key differ only
    in case, accents, punctuation or spacing (a name's or a country's spelling variants).

    >>> spelling_key("PFIZER  INC.") == spelling_key("Pfizer Inc") == "pfizerinc"
    True
    >>> spelling_key("José Müller") == spelling_key("Jose Muller")
    True
    """
    return "".join(c for c in fold(text) if c.isalnum())


def same_spelling(a: str, b: str, person: bool = False) -> bool:
    """Whether two names of one entity are spellings of one name, not a rename: they
    differ only in case, accents, punctuation or spacing (for people, also in word order,
    as :func:`normalize_person` reads them: "Ruiz, Ana" is "Ana Ruiz").

    For organizations a legal form written out or abbreviated is one spelling too
    ("Microsoft Corp" is "Microsoft Corporation"), but not another legal form or none.

    >>> same_spelling("Pfizer Inc.", "PFIZER INC"), same_spelling("Acme", "Acme Group")
    (True, False)
    >>> same_spelling("Microsoft Corp", "Microsoft Corporation"), same_spelling("Bayer", "Bayer AG")
    (True, False)
    """
    if a == b:
        return True
    key = spelling_key(a)
    if key and key == spelling_key(b):
        return True
    if person:
        return normalize_person(a) == normalize_person(b)
    form_a, form_b = legal_form(a), legal_form(b)
    return bool(form_a and form_b) and (
        _short_form(form_a) == _short_form(form_b) and normalize_org(a) == normalize_org(b)
    )


#: legal forms written out, and their abbreviation
_WRITTEN_OUT = {"incorporated": "inc", "corporation": "corp", "company": "co", "limited": "ltd"}


def _short_form(form: str) -> str:
    """A legal form with every word abbreviated ("corporation" -> "corp")."""
    return " ".join(_WRITTEN_OUT.get(w, w) for w in form.split(" "))


def normalize_person(name: str) -> str:
    """The comparison key of a person's name: folded, punctuation dropped, words sorted
    (so "Ruiz, Ana" and "Ana Ruiz" agree)."""
    text = _PUNCT.sub(" ", fold(name))
    return " ".join(sorted(w for w in _SPACE.sub(" ", text).strip().split(" ") if w))


def normalize_people(names: list[str]) -> list[str]:
    """:func:`normalize_person` of each name, in a few passes over all of them at once
    (plain ASCII names, the usual case; others one by one).

    >>> normalize_people(["Ruiz, Ana", "Ana  Ruiz", "Zoë Ng"])
    ['ana ruiz', 'ana ruiz', 'ng zoe']
    """
    text = "\n".join(names)
    if not text.isascii() or text.count("\n") != len(names) - 1:
        return [normalize_person(n) for n in names]
    # per name: lower case, punctuation to spaces ("\n" is a space to _PUNCT: kept), words
    # sorted; str.split() splits at exactly the runs _SPACE matches
    parts = _PUNCT.sub(" ", text.lower()).split("\n")
    return [" ".join(sorted(p.split())) for p in parts]


@lru_cache(maxsize=65_536)
def slug(text: str) -> str:
    """An id fragment: folded, alphanumerics and dashes only.

    >>> slug("Acme Corp. (Berlin)")
    'acme-corp-berlin'
    """
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
