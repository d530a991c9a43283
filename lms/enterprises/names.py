"""How enterprise names compare: keys that ignore case, accents, script and legal form.

Pure functions (no app, no database), so the migration that turns free-text organisations into
enterprises groups them exactly as the running site does.
"""

import re
import unicodedata

from anyascii import anyascii

# Legal forms written after (or before) a company's name in the partner countries and their
# neighbours, as they read once transliterated and stripped of dots: "Ι.Κ.Ε." -> "ike", "д.о.о." -> "doo".
LEGAL_FORMS = frozenset(
    (
        "ae",
        "ike",
        "oe",
        "ee",
        "epe",
        "mike",
        "ioe",
        "ad",
        "ead",
        "ood",
        "eood",
        "et",
        "kd",
        "knd",
        "sd",
        "dooel",
        "doo",
        "dd",
        "jtd",
        "sp",
        "zoo",
        "szrl",
        "srl",
        "srls",
        "spa",
        "sas",
        "snc",
        "sapa",
        "ltd",
        "plc",
        "llc",
        "inc",
        "gmbh",
        "ag",
        "kg",
        "ug",
        "sarl",
        "sa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
    )
)
_SEPARATORS = re.compile(r"[^0-9a-z]+")
# Spellings of one sound across transliterations ("Шумен" -> "Shumen", Serbian Latin "Šumen" -> "Sumen").
_DIGRAPHS = (("kh", "h"), ("sh", "s"), ("zh", "z"), ("ch", "c"), ("ts", "c"), ("dj", "d"), ("y", "i"))


def accent_free(text: str) -> str:
    """Lower case without accents or diacritics, in the same script: 'Αρτοποιία' -> 'αρτοποιια'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.replace("ς", "σ").split())


def name_key(text: str) -> str:
    """The key under which spellings are certainly the same name: case- and accent-insensitive,
    spaces and punctuation ignored ('Pekara Šumen, EOOD' == 'pekara sumen eood')."""
    return "".join(char for char in accent_free(text) if char.isalnum())


def latin(text: str) -> str:
    """A Latin transliteration for reports read abroad: 'Αρτοποιία Σερρών' -> 'Artopoiia Serron'."""
    return " ".join(anyascii(text).split())


def loose_key(text: str) -> str:
    """The key under which spellings are perhaps the same enterprise: transliterated to Latin and
    without legal forms, so 'Αρτοποιία Σερρών' and 'Artopoiia Serron IKE' meet. A coordinator confirms."""
    words = [word for word in _SEPARATORS.split(latin(text).lower().replace(".", "")) if word]
    key = "".join([word for word in words if word not in LEGAL_FORMS] or words)
    for spelling, sound in _DIGRAPHS:
        key = key.replace(spelling, sound)
    return key


LOOSE = "~"  # marks a loose key in search_text, so that an exact comparison never takes one


def search_text(*names: str) -> str:
    """What a search by name looks in: the certain key and (marked) the loose key of every spelling."""
    keys = dict.fromkeys(
        key for name in names if name for key in (name_key(name), LOOSE + loose_key(name)) if key != LOOSE
    )
    return "|".join(key for key in keys if key)
