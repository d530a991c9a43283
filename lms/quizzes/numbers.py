"""Numbers as trainees type them, in the language of the page they answered on, with optional units.

A numerical answer is read by the locale's decimal mark: in English `2,300` is two thousand three hundred
and `2.3` two point three; in Greek, Macedonian, Bulgarian and Serbian the comma is the decimal mark and a
dot groups thousands (`2.300` is 2300, `2,3` is 2.3). Spaces, no-break spaces and thin spaces group
thousands everywhere. A lone separator followed by exactly three digits ("2,300" in Greek) could mean
either, so the reading says it is ambiguous and the attempt page shows how it was read.

A question may declare units (as Moodle's <units>): the first is the unit the answers are in, each other
one has a multiplier (Moodle's meaning: value in that unit = value in the first unit x multiplier). A
declared unit is recognised after the number (or a currency sign before it) in the usual spellings of the
five languages, so a question declaring "hours" accepts "72 ώρες" and "72 часа".
"""

import math
import re
import unicodedata
from dataclasses import dataclass

from babel.numbers import format_decimal, get_decimal_symbol

# Spellings of common units across en, el, mk, bg and sr (Latin and Cyrillic), each group under one key.
# A declared unit outside this table is matched by its own spelling only (case-insensitively).
_SPELLINGS = {
    "percent": "% percent per-cent pct τοις-εκατό τοις-εκ. ποσοστό процент процента проценти отсто посто "
    "posto procenat procenta procenata",
    "eur": "eur € euro euros ευρώ евро евра evro evra",
    "hour": "h hr hrs hour hours ώρα ώρες ω. ч час часа часови часове sat sata sati časa časova",
    "minute": "min mins minute minutes λεπτό λεπτά мин минута минути minut minuta minute",
    "day": "d day days ημέρα ημέρες μέρα μέρες ден дена дни денови dan dana",
    "month": "month months μήνας μήνες месец месеци месеца mesec meseci meseca",
    "year": "y yr year years έτος έτη χρόνος χρόνια година години godina godine",
    "person": "person people persons άτομο άτομα лице лица души особа особе osoba osobe",
}


def _fold(name: str) -> str:
    """A spelling without case, accents or inner spaces: "Ώρες" and "ωρες" are one unit."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(" ", "-")


UNIT_KEYS = {_fold(spelling): key for key, words in _SPELLINGS.items() for spelling in words.split()}

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_READ = re.compile(
    r"(?P<pre>[^\d+\-.,]*?)\s*(?P<sign>[+\-]?)\s*"
    r"(?P<num>\d(?:[\d., ]*\d)?|[.,]\d+)(?P<exp>[eE][+\-]?\d+)?\s*(?P<post>\D*?)\s*"
)
_SPACE_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?")
_GROUPED = re.compile(r"\d{1,3}(?:X\d{3})+")  # X: the grouping mark being checked


@dataclass(frozen=True)
class Unit:
    name: str
    multiplier: float = 1.0


@dataclass(frozen=True)
class Reading:
    """What a typed answer was read as. `value` is in the question's first unit; None when unreadable."""

    text: str
    number: float | None = None
    unit: str = ""
    value: float | None = None
    ambiguous: bool = False
    problem: str = ""  # "" | "not-a-number" | "unknown-unit"


def unit_key(name: str) -> str:
    folded = _fold(name)
    return UNIT_KEYS.get(folded, folded)


def _decimal_mark(locale: str) -> str:
    mark = get_decimal_symbol(locale)
    return mark if mark in ".," else "."


def _number(num: str, decimal: str) -> tuple[float, bool] | None:
    """(value, ambiguous) of the digits and separators of a number, or None when they make no number."""
    if " " in num and not _SPACE_GROUPED.fullmatch(num):
        return None
    digits = num.replace(" ", "")
    other = "," if decimal == "." else "."
    has_decimal, has_other = decimal in digits, other in digits

    def grouped(mark: str, text: str) -> bool:
        return bool(_GROUPED.fullmatch(text.replace(mark, "X")))

    if has_decimal and has_other:
        last = decimal if digits.rfind(decimal) > digits.rfind(other) else other
        group = other if last == decimal else decimal
        whole, _, fraction = digits.rpartition(last)
        if not grouped(group, whole) or last in whole:
            return None
        return float(whole.replace(group, "") + "." + fraction), False
    mark = decimal if has_decimal else other if has_other else ""
    if not mark:
        return float(digits), False
    if digits.count(mark) > 1:
        return (float(digits.replace(mark, "")), mark == decimal) if grouped(mark, digits) else None
    whole, _, fraction = digits.partition(mark)
    # "2,300": three digits after one separator, behind a whole part that may be a thousands group.
    could_group = len(fraction) == 3 and whole[:1] not in ("", "0") and len(whole) <= 3
    if mark == other and could_group:
        return float(whole + fraction), True
    return float((whole or "0") + "." + fraction), could_group


def read_number(text: str, locale: str, units: list[Unit] | tuple = ()) -> Reading:
    cleaned = _SPACES.sub(" ", (text or "").replace("\u2212", "-")).strip()
    found = _READ.fullmatch(cleaned)
    if not found or (found["pre"].strip() and found["post"].strip()):
        return Reading(text, problem="not-a-number")
    parsed = _number(found["num"], _decimal_mark(locale))
    if parsed is None:
        return Reading(text, problem="not-a-number")
    magnitude, ambiguous = parsed
    number = magnitude * 10 ** int(found["exp"][1:]) if found["exp"] else magnitude
    number = -number if found["sign"] == "-" else number
    if not math.isfinite(number):
        return Reading(text, problem="not-a-number")
    typed_unit = (found["pre"] or found["post"]).strip()
    if not typed_unit:
        return Reading(text, number, "", number, ambiguous)
    wanted = unit_key(typed_unit)
    for unit in units:
        if unit_key(unit.name) == wanted and unit.multiplier:
            return Reading(text, number, unit.name, number / unit.multiplier, ambiguous)
    return Reading(text, number, typed_unit, None, ambiguous, "unknown-unit")


def show_number(value: float, locale: str) -> str:
    """A number as the locale writes it, with every digit the trainee could have meant."""
    return format_decimal(value, format="#,##0.##########", locale=locale)


def legacy_number(text: str) -> float | None:
    """How answers saved before locales were known were read: '3.5', '3,5', ' 1 200 '."""
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
