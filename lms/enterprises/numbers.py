"""Registration and VAT numbers: checked with python-stdnum, which knows each country's format and
check digit, and stored in one compact form so that one enterprise cannot be entered twice."""

import re

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.util import get_cc_module

from lms.i18n import _

NUMBER_MAX = 32
# The partner countries' tax numbers, named here so that a change in stdnum's lookup cannot drop one:
# Greece's ΑΦΜ, North Macedonia's ЕДБ, Bulgaria's ЕИК/ДДС, Serbia's ПИБ, Slovenia's DDV, Italy's P.IVA.
PARTNER_MODULES = {
    "GR": "stdnum.gr.vat",
    "MK": "stdnum.mk.edb",
    "BG": "stdnum.bg.vat",
    "RS": "stdnum.rs.pib",
    "SI": "stdnum.si.ddv",
    "IT": "stdnum.it.iva",
}
_ANY_NUMBER = re.compile(r"[0-9A-Z]{4,20}")


class NumberError(ValueError):
    """The number cannot be right for that country; the message says why, in the reader's language."""


def _checker(country: str | None):
    if not country:
        return None
    if country in PARTNER_MODULES:
        from importlib import import_module

        return import_module(PARTNER_MODULES[country])
    return get_cc_module(country.lower(), "vat")


def has_check(country: str | None) -> bool:
    """True when numbers of this country are checked for their format and check digit."""
    return _checker(country) is not None


def clean_number(country: str | None, number: str) -> str:
    """The number in compact form (no spaces, dots or country prefix), or NumberError."""
    text = number.strip()
    if not text:
        raise NumberError(_("The number is empty."))
    checker = _checker(country)
    if checker is None:
        compact = re.sub(r"[\s.\-/]", "", text).upper()
        if not _ANY_NUMBER.fullmatch(compact):
            raise NumberError(_("A registration number has 4 to 20 letters and digits."))
        return compact
    try:
        return checker.validate(text)
    except InvalidChecksum:
        raise NumberError(
            _("“%(number)s” is not a valid number for this country: its check digit is wrong.", number=text)
        ) from None
    except InvalidLength:
        raise NumberError(
            _("“%(number)s” has the wrong length for a number of this country.", number=text)
        ) from None
    except (InvalidFormat, InvalidComponent, ValidationError):
        raise NumberError(
            _("“%(number)s” is not in the format of a number of this country.", number=text)
        ) from None
