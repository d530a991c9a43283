"""Which language and timezone a page is shown in: the user's choice, then the session, then the browser."""

from flask import current_app, request, session
from flask_babel import Babel, gettext, lazy_gettext, ngettext
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
