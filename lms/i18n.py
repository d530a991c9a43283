"""Which language and timezone a page is shown in: the user's choice, then the session, then the browser."""

from datetime import UTC, datetime

from babel import Locale, dates
from flask import current_app, request, session
from flask_babel import Babel, gettext, lazy_gettext, ngettext, to_user_timezone
from flask_login import current_user

_ = gettext
_l = lazy_gettext
__all__ = ["_", "_l", "ngettext", "babel", "select_locale", "site_language", "LANGUAGE_NAMES"]

# Each language named in itself, as the language switcher shows it.
LANGUAGE_NAMES = {
    "en": "English",
    "el": "Ελληνικά",
    "mk": "Македонски",
    "bg": "Български",
    "sr": "Srpski",
}

# The partners write Serbian in Latin script: the site's "sr" is Babel's sr_Latn (dates, country names).
BABEL_LOCALES = {"sr": "sr_Latn"}

babel = Babel()


def site_language() -> str:
    """The chosen language as the site names it (en, el, mk, bg, sr)."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LOCALE"]


def select_locale() -> str:
    language = site_language()
    return BABEL_LOCALES.get(language, language)


def select_timezone() -> str:
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def init_i18n(app) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_locale=app.config["DEFAULT_LOCALE"],
        default_timezone=app.config["DEFAULT_TIMEZONE"],
        default_translation_directories=str(app.config["TRANSLATIONS_DIR"]),
    )


def text_of(message) -> str:
    """A lazy message as text wherever the code runs: in the reader's language within a request, in
    English in the CLI or a job (no request to choose a language from)."""
    from flask import has_app_context, has_request_context
    from flask_babel import force_locale

    if has_request_context() or not has_app_context():
        return str(message)
    with force_locale("en"):
        return str(message)


# Dates never numeric in a way that reads differently across Europe ("12/1/26"): month names from CLDR
# skeletons, 24-hour times, and English dates in the European order ("1 Dec 2026, 15:04").
DATE_LOCALES = {"en": "en_GB"}
DATE_SKELETONS = {"medium": "yMMMd", "long": "yMMMMd", "weekday": "MMMEd"}


def date_locale() -> Locale:
    return Locale.parse(DATE_LOCALES.get(site_language(), select_locale()))


def _pattern(locale: Locale, skeleton: str) -> str:
    return str(locale.datetime_skeletons[skeleton])


def format_day(value, width: str = "medium") -> str:
    """A date (or a moment's date in the reader's time zone): '1 Dec 2026', '1 December 2026', 'Tue 1 Dec'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    locale = date_locale()
    return dates.format_date(value, _pattern(locale, DATE_SKELETONS[width]), locale=locale)


def format_clock(value: datetime) -> str:
    """The time of day of a moment in the reader's zone, 24-hour: '15:04'."""
    if value is None:
        return ""
    locale = date_locale()
    return dates.format_time(to_user_timezone(value), _pattern(locale, "Hm"), locale=locale)


def format_moment(value: datetime, width: str = "medium", zone: bool = False) -> str:
    """A moment in the reader's zone: '1 Dec 2026, 15:04' or 'Tue 1 Dec, 15:04'; zone adds '(UTC+2)'."""
    if value is None:
        return ""
    local = to_user_timezone(value)
    locale = date_locale()
    text = locale.datetime_formats["medium"].format(format_clock(value), format_day(local.date(), width))
    return f"{text} ({utc_offset(local)})" if zone else text


def utc_offset(local: datetime) -> str:
    """'UTC+2', 'UTC+5:30', 'UTC': the same in every language."""
    minutes = int(local.utcoffset().total_seconds() // 60)
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_note() -> str:
    """Where it matters (timetables, quiz deadlines): the reader's time zone, named and as an offset."""
    zone = select_timezone()
    offset = utc_offset(to_user_timezone(datetime.now(UTC)))
    return gettext("Times are in %(zone)s.", zone=f"{zone.replace('_', ' ')}, {offset}")
