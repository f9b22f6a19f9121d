"""Numbers, amounts and currencies as spreadsheets and finance exports write them.

``EUR 1.200.000``, ``€250k``, ``USD 3,000``, ``3.000,50 €``, ``1.2m``, ``CHF 1'500``: a
mapping's ``type: money`` reads the amount and ``type: currency`` the ISO 4217 code of such
a cell (two fields over one column), and ``type: int``/``float`` read numbers with either
decimal mark. Nothing is guessed silently: a number whose separators could mean either
(``1,5,00``) is refused with the reason, and ``decimal: ","`` (or ``"."``) settles a file's
convention for cells such as ``1.250``, which otherwise read as one thousand two hundred and
fifty (a lone separator followed by exactly three digits groups thousands). With a scale
word such a cell (``8,850m``: 8.85 million or 8,850 million?) is refused unless
``decimal`` says which.
"""

from __future__ import annotations

import math
import re

#: Currency signs and the ISO 4217 code each stands for. A bare ``$`` is read as US
#: dollars (a file in another dollar names it, or sets ``currency: {value: CAD}``).
SIGNS = {
    "US$": "USD",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "R$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
    "₦": "NGN",
    "Fr.": "CHF",
    "SFr.": "CHF",
}
#: Words after a number that scale it.
SCALES = {
    "k": 1e3,
    "K": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "M": 1e6,
    "mn": 1e6,
    "mio": 1e6,
    "mln": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "bln": 1e9,
    "mrd": 1e9,
}
#: The ISO 4217 codes in use (and XAU/XAG/XDR): a three-letter word that is none of
#: these is refused rather than stored as a currency.
_ISO_4217 = """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
    JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER
    ZAR ZMW ZWG XAU XAG XDR"""
CODES = frozenset(_ISO_4217.split())
_CODE = r"[A-Za-z]{3}"
_SIGN = "|".join(re.escape(s) for s in sorted(SIGNS, key=len, reverse=True))
_SCALE = "|".join(re.escape(s) for s in sorted(SCALES, key=len, reverse=True))
_MONEY = re.compile(
    rf"^(?P<before>{_SIGN}|{_CODE})?\s*(?P<minus>[-\u2212])?\s*(?P<number>\d[\d.,'\s]*?)"
    rf"\s*(?P<scale>{_SCALE})?\.?\s*(?P<after>{_SIGN}|{_CODE})?$",
    re.IGNORECASE,
)
_SIGNS_ANY_CASE = {sign.lower(): code for sign, code in SIGNS.items()}
_CURRENCY_ONLY = re.compile(rf"^(?:{_SIGN}|{_CODE})$", re.IGNORECASE)
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
DECIMAL_MARKS = (".", ",")


class AmbiguousMark(ValueError):
    """A lone separator before exactly three digits and a scale word (``8,850m``): it may
    group thousands or be the decimal mark, and nothing says which."""

    def __init__(self, text: str, mark: str, whole: str, fraction: str) -> None:
        super().__init__(
            f"{text!r}: {mark!r} before three digits and a scale word may group thousands or "
            "be the decimal mark; set the column's decimal"
        )
        self.mark, self.whole, self.fraction = mark, whole, fraction


def parse_number(text: str, decimal: str | None = None, *, scaled: bool = False) -> float:
    """A number written with thousands separators (``,`` ``.`` space ``'``) and either
    decimal mark. ``decimal`` fixes the mark. ``scaled`` (a ``k``/``m`` follows) reads a
    lone separator as the decimal mark (``1.5m``) except before exactly three digits, which
    could group thousands as well (``8,850m``): that is refused without ``decimal``.
    ``ValueError`` says why a number is refused."""
    raw = text.translate(_SPACES).strip()
    digits = raw.replace(" ", "").replace("'", "")
    if not digits or not re.fullmatch(r"\d[\d.,]*", digits) or digits[-1] in ".,":
        raise ValueError(f"{text!r} is not a number")
    if decimal is not None:
        thousands = "," if decimal == "." else "."
        whole, _, fraction = digits.partition(decimal)
        if decimal in fraction or thousands in fraction:
            raise ValueError(f"{text!r} has a separator after its decimal mark {decimal!r}")
        return float(_grouped(whole, thousands, text) + ("." + fraction if fraction else ""))
    marks = [c for c in digits if c in ".,"]
    if not marks:
        return float(digits)
    last = marks[-1]
    if len(set(marks)) == 2:  # both: the last one is the decimal mark
        whole, _, fraction = digits.rpartition(last)
        if last in whole:
            raise ValueError(f"{text!r} uses {last!r} both to group and as the decimal mark")
        return float(_grouped(whole, "," if last == "." else ".", text) + "." + fraction)
    if len(marks) > 1:  # one mark, repeated: it groups thousands
        return float(_grouped(digits, last, text))
    whole, _, fraction = digits.partition(last)
    if len(fraction) == 3 and whole.strip("0"):
        if scaled:  # 8,850m: 8.85 million, or 8,850 million?
            raise AmbiguousMark(text, last, whole, fraction)
        return float(whole + fraction)  # 1,250 or 1.250: thousands
    return float(whole + "." + fraction)


def _grouped(whole: str, mark: str, text: str) -> str:
    """``whole`` without its thousands marks, refused unless they group by three."""
    groups = whole.split(mark)
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        raise ValueError(f"{text!r}: {mark!r} does not group its digits by three")
    if any(c in ".," for c in "".join(groups)):
        raise ValueError(f"{text!r} mixes its separators")
    return "".join(groups)


def _parts(text: str) -> re.Match[str]:
    match = _MONEY.match(text.translate(_SPACES).strip())
    if match is None:
        raise ValueError(f"{text!r} is not an amount such as 'EUR 1,200,000' or '€250k'")
    if match["before"] and match["after"]:
        raise ValueError(f"{text!r} names its currency twice")
    return match


def parse_amount(text: str, decimal: str | None = None) -> float:
    """The amount of a money cell (its currency and a scale word read, not kept): >= 0."""
    match = _parts(text)
    written = match["before"] or match["after"]
    if written:
        _code(written)  # an amount in a currency nobody uses is no amount
    if match["minus"]:
        raise ValueError(f"{text!r} is negative; an amount is >= 0")
    scale = match["scale"]
    try:
        value = parse_number(match["number"], decimal, scaled=bool(scale))
    except AmbiguousMark as exc:
        other = "." if exc.mark == "," else ","
        raise ValueError(
            f"{text!r} is ambiguous before the scale word {scale!r}: {exc.whole}{exc.fraction} "
            f"{scale} ({exc.mark!r} groups thousands) or {exc.whole}.{exc.fraction} {scale} "
            f'({exc.mark!r} is the decimal mark); set the column\'s decimal: "{other}" for '
            f'the first, "{exc.mark}" for the second'
        ) from None
    if scale:
        value *= SCALES.get(scale) or SCALES[scale.lower()]
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite amount")
    return value


def parse_currency(text: str) -> str | None:
    """The ISO 4217 code of a money cell or of a cell holding only a code or sign; ``None``
    when the cell gives an amount without one."""
    cell = text.translate(_SPACES).strip()
    if _CURRENCY_ONLY.match(cell):
        return _code(cell)
    match = _parts(cell)
    written = match["before"] or match["after"]
    return _code(written) if written else None


#: Signs several currencies write, and the currencies each may be: a currency column
#: beside such a cell says which one it is (``$`` with CAD is Canadian dollars).
SHARED_SIGNS: dict[str, frozenset[str]] = {
    "$": frozenset(
        {
            "USD", "CAD", "AUD", "NZD", "HKD", "SGD", "TWD", "MXN", "ARS", "CLP", "COP", "CUP",
            "DOP", "UYU", "BSD", "BBD", "BZD", "BMD", "BND", "FJD", "GYD", "JMD", "KYD", "LRD",
            "NAD", "SBD", "SRD", "TTD", "XCD",
        }
    ),
    "¥": frozenset({"JPY", "CNY"}),
    "£": frozenset({"GBP", "EGP", "GIP", "FKP", "SHP", "SSP", "SYP", "LBP"}),
    "fr.": frozenset({"CHF", "XOF", "XAF", "XPF", "CDF", "GNF", "RWF", "BIF", "DJF", "KMF"}),
    "sfr.": frozenset({"CHF"}),
}


def currencies_named(text: str) -> frozenset[str] | None:
    """The currencies a money cell may be in by what it writes: its code, or every
    currency of a shared sign; ``None`` when it writes none.

    >>> sorted(currencies_named("¥8.850.000")), currencies_named("JPY 1"), currencies_named("1m")
    (['CNY', 'JPY'], frozenset({'JPY'}), None)
    """
    match = _parts(text.translate(_SPACES).strip())
    written = match["before"] or match["after"]
    if not written:
        return None
    return SHARED_SIGNS.get(written.lower()) or frozenset({_code(written)})


def _code(written: str) -> str:
    """The ISO 4217 code of a written sign (``us$``, ``Fr.``) or code (``eur``)."""
    sign = _SIGNS_ANY_CASE.get(written.lower())
    if sign is not None:
        return sign
    code = written.upper()
    if code not in CODES:
        raise ValueError(f"{written!r} is not an ISO 4217 currency code")
    return code
