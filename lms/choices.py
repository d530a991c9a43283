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

SECTORS = [
    ("agriculture", _l("Agriculture and food")),
    ("manufacturing", _l("Manufacturing and crafts")),
    ("construction", _l("Construction")),
    ("trade", _l("Retail and wholesale trade")),
    ("tourism", _l("Tourism and hospitality")),
    ("ict", _l("ICT and software")),
    ("services", _l("Professional services")),
    ("creative", _l("Culture and creative industries")),
    ("health", _l("Health and social care")),
    ("other", _l("Other")),
]

ORG_SIZES = [
    ("micro", _l("Micro (fewer than 10 people)")),
    ("small", _l("Small (10 to 49 people)")),
    ("medium", _l("Medium (50 to 249 people)")),
    ("large", _l("Large (250 people or more)")),
    ("none", _l("Not yet a company")),
]

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
