"""Which language and timezone a page is shown in: the user's choice, then the session, then the browser."""

from datetime import UTC, datetime
from functools import cached_property, lru_cache

import flask
import flask_babel
from babel import Locale, dates
from flask import current_app, request, session
from flask.globals import _cv_app
from flask_babel import Babel, to_user_timezone
from flask_babel.speaklater import LazyString
from flask_login import current_user

__all__ = ["_", "_l", "ngettext", "babel", "select_locale", "site_language", "LANGUAGE_NAMES"]


def translations():
    """Flask-Babel's translations for the current locale, kept beside the locale it chose for this
    request (g._flask_babel): a page asks for a hundred messages, and Flask-Babel works out its context,
    locale and catalogue key again for each. A change of locale (force_locale, refresh) is seen: the
    catalogue is kept only while the context's locale is the very object it was found for."""
    app_ctx = _cv_app.get(None)
    state = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    if state is not None:
        kept = getattr(state, "lms_translations", None)
        if kept is not None and kept[0] is getattr(state, "babel_locale", None):
            return kept[1]
    found = flask_babel.get_translations()
    if app_ctx is not None:
        state = app_ctx.g._flask_babel
        state.lms_translations = (getattr(state, "babel_locale", None), found)
    return found


def gettext(string: str, **variables) -> str:
    """flask_babel.gettext, through `translations()`."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """flask_babel.ngettext, through `translations()`: `num` is also %(num)s."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


_ = gettext
_l = lazy_gettext

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


@lru_cache(maxsize=16)
def _wtforms_catalogue(locale: str):
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Request(flask.Request):
    @cached_property
    def wtforms_translations(self):
        """WTForms' own messages in the reader's language. Flask-WTF would read that catalogue from disk
        on every request that shows a form; it uses the one a request already has, so each process
        reads it once per language."""
        return _wtforms_catalogue(str(flask_babel.get_locale()))


def select_timezone() -> str:
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def init_i18n(app) -> None:
    app.request_class = Request
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_locale=app.config["DEFAULT_LOCALE"],
        default_timezone=app.config["DEFAULT_TIMEZONE"],
        default_translation_directories=str(app.config["TRANSLATIONS_DIR"]),
    )
    # Templates' _(), gettext and {% trans %} as Flask-Babel installs them, through `translations()`.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
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
    """The locale dates are written in for this reader (worked out once a request)."""
    app_ctx = _cv_app.get(None)
    state = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    locale = getattr(state, "babel_locale", None) if state is not None else None
    if locale is not None and getattr(state, "lms_date_locale", (None,))[0] is locale:
        return state.lms_date_locale[1]
    found = _parse_locale(DATE_LOCALES.get(site_language(), select_locale()))
    if locale is not None:
        state.lms_date_locale = (locale, found)
    return found


@lru_cache(maxsize=64)
def _parse_locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


@lru_cache(maxsize=256)
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
