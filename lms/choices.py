"""Choice lists that several forms share, with labels in the reader's language."""

from flask_babel import get_locale
from wtforms import SelectChoice

from lms.i18n import _l

# Europe and its neighbours: the partners' countries come first, the rest follow by name.
PARTNER_COUNTRIES = ["GR", "MK", "BG", "RS", "IT", "SI"]
OTHER_COUNTRIES = [
    "AL",
    "AT",
    "BA",
    "BE",
    "CH",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GB",
    "HR",
    "HU",
    "IE",
    "IS",
    "LI",
    "LT",
    "LU",
    "LV",
    "MD",
    "ME",
    "MT",
    "NL",
    "NO",
    "PL",
    "PT",
    "RO",
    "SE",
    "SK",
    "TR",
    "UA",
    "XK",
]

TIMEZONES = [
    "Europe/Athens",
    "Europe/Skopje",
    "Europe/Sofia",
    "Europe/Belgrade",
    "Europe/Rome",
    "Europe/Ljubljana",
    "Europe/Bucharest",
    "Europe/Zagreb",
    "Europe/Tirane",
    "Europe/Istanbul",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/London",
    "Europe/Lisbon",
    "UTC",
]

# NACE Rev. 2 sections, the EU's classification of economic activities.
NACE_SECTIONS = [
    ("A", _l("A · Agriculture, forestry and fishing")),
    ("B", _l("B · Mining and quarrying")),
    ("C", _l("C · Manufacturing")),
    ("D", _l("D · Electricity, gas, steam and air conditioning supply")),
    ("E", _l("E · Water supply, sewerage and waste management")),
    ("F", _l("F · Construction")),
    ("G", _l("G · Wholesale and retail trade, repair of vehicles")),
    ("H", _l("H · Transportation and storage")),
    ("I", _l("I · Accommodation and food service activities")),
    ("J", _l("J · Information and communication")),
    ("K", _l("K · Financial and insurance activities")),
    ("L", _l("L · Real estate activities")),
    ("M", _l("M · Professional, scientific and technical activities")),
    ("N", _l("N · Administrative and support service activities")),
    ("O", _l("O · Public administration and defence")),
    ("P", _l("P · Education")),
    ("Q", _l("Q · Human health and social work activities")),
    ("R", _l("R · Arts, entertainment and recreation")),
    ("S", _l("S · Other service activities")),
    ("T", _l("T · Activities of households as employers")),
    ("U", _l("U · Extraterritorial organisations and bodies")),
]

# The EU SME size classes, labelled by the headcount a person knows.
SIZE_CLASS_CHOICES = [
    ("micro", _l("Micro (fewer than 10 people)")),
    ("small", _l("Small (10 to 49 people)")),
    ("medium", _l("Medium (50 to 249 people)")),
    ("large", _l("Large (250 people or more)")),
]

SIZE_CLASS_CHOICES_SHORT = [
    ("micro", _l("Micro")),
    ("small", _l("Small")),
    ("medium", _l("Medium")),
    ("large", _l("Large")),
]

NOT_STATED = _l("Not stated")

GENDER_CHOICES = [
    ("", _l("Prefer not to say")),
    ("female", _l("Female")),
    ("male", _l("Male")),
    ("other", _l("Other")),
]


def options(pairs, blank: str | None = None) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs, optionally led by an empty choice labelled `blank`."""
    leading = [SelectChoice("", blank)] if blank is not None else []
    return leading + [SelectChoice(value, label) for value, label in pairs]


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return get_locale().territories.get(code, code)


def country_choices() -> list[SelectChoice]:
    others = sorted(OTHER_COUNTRIES, key=country_name)
    return options(((code, country_name(code)) for code in PARTNER_COUNTRIES + others), blank="—")


def language_choices() -> list[SelectChoice]:
    from lms.i18n import LANGUAGE_NAMES

    return options(LANGUAGE_NAMES.items())
