"""Languages: the locale order, the switcher, and catalogues that are complete for every marked string."""

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from lms.auth.models import User
from lms.db import db
from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = {"el": "el", "mk": "mk", "bg": "bg", "sr": "sr_Latn"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _marked_strings() -> set[str]:
    found = set()
    for directory, method in (("lms", "python"), ("templates", "jinja2")):
        mapping = (
            [("**.py", "python")] if method == "python" else [("**.html", "jinja2"), ("**.txt", "jinja2")]
        )
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / directory,
            method_map=mapping,
            keywords={"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None},
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.fixture(scope="module")
def marked():
    return _marked_strings()


@pytest.mark.parametrize("language", CATALOGUES)
def test_every_marked_string_has_a_translation(marked, language):
    path = ROOT / "lms" / "translations" / CATALOGUES[language] / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalogue = read_po(po)
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings) and not message.fuzzy:
            translated[key] = strings
    missing = sorted(marked - translated.keys())
    assert missing == [], f"{language}: {len(missing)} strings without translation, e.g. {missing[:5]}"
    for key in marked:
        for string in translated[key]:
            assert set(PLACEHOLDER.findall(string)) <= set(PLACEHOLDER.findall(key)), (language, key)


@pytest.mark.parametrize("language", CATALOGUES)
def test_plural_forms_follow_the_languages_cldr_rule(language):
    """Macedonian takes the singular for 1, 21, 31... but not 11; a wrong header misreads 18 strings."""
    locale = CATALOGUES[language]
    path = ROOT / "lms" / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        header = read_po(po, locale=locale).plural_forms
    ours = gettext.c2py(header.split("plural=", 1)[1].rstrip(";"))
    cldr = gettext.c2py(Catalog(locale=locale).plural_expr)
    assert Catalog(locale=locale).num_plurals == int(header.split("nplurals=")[1].split(";")[0])
    assert [ours(n) for n in range(1000)] == [cldr(n) for n in range(1000)]


@pytest.mark.parametrize(("language", "n", "word"), [("mk", 21, "час"), ("mk", 11, "часа"), ("el", 1, "ώρα")])
def test_hours_take_the_plural_of_their_number(app, language, n, word):
    from flask_babel import force_locale

    from lms.core.views import hours_label

    with app.test_request_context(), force_locale(CATALOGUES[language]):
        assert hours_label(n) == f"{n} {word}"


def test_accept_language_picks_the_language(client):
    page = client.get("/login", headers={"Accept-Language": "el-GR,el;q=0.9,en;q=0.5"})
    assert '<html lang="el">' in page.get_data(as_text=True)
    page = client.get("/login", headers={"Accept-Language": "sr"})
    assert '<html lang="sr-Latn">' in page.get_data(as_text=True)


def test_session_choice_beats_the_browser_and_user_choice_beats_both(client, create_user):
    token = csrf_token(client)
    response = client.post("/language", data={"locale": "bg", "next": "/login", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "el"}).get_data(as_text=True)
    assert '<html lang="bg">' in page

    user = create_user(locale="mk")
    client.post(
        "/login",
        data={"email": user.email, "password": "correct horse battery", "csrf_token": csrf_token(client)},
    )
    assert '<html lang="mk">' in client.get("/").get_data(as_text=True)


def test_switching_language_while_logged_in_saves_it_on_the_account(client, login_as):
    user = login_as("trainee")
    client.post("/language", data={"locale": "el", "csrf_token": csrf_token(client, "/")})
    assert db.session.get(User, user.id).locale == "el"


def test_greek_page_is_translated(client):
    page = client.get("/login", headers={"Accept-Language": "el"}).get_data(as_text=True)
    assert "Σύνδεση" in page or "Είσοδος" in page


def test_unknown_locale_is_refused_and_changes_nothing(client):
    token = csrf_token(client)
    client.post("/language", data={"locale": "el", "csrf_token": token})
    response = client.post("/language", data={"locale": "xx", "csrf_token": token})
    assert response.status_code == 400
    assert "xx" in response.get_data(as_text=True)
    assert '<html lang="el">' in client.get("/login").get_data(as_text=True)


def test_language_switch_ignores_an_offsite_next(client):
    response = client.post(
        "/language", data={"locale": "en", "next": "https://evil.example/", "csrf_token": csrf_token(client)}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "language,day,moment",
    [
        ("en", "1 Dec 2026", "1 Dec 2026, 15:04"),
        ("el", "1 Δεκ 2026", "1 Δεκ 2026, 15:04"),
        ("mk", "1 дек. 2026\u202fг.", "1 дек. 2026\u202fг., 15:04"),
        ("sr", "1. dec 2026.", "1. dec 2026. 15:04"),
    ],
)
def test_dates_name_the_month_in_the_readers_time_zone(app, language, day, moment):
    """Never '12/1/26, 3:04 PM' (read as 12 January in Europe): month names, 24-hour times, Athens time."""
    from datetime import UTC, date, datetime

    from lms.i18n import format_day, format_moment

    instant = datetime(2026, 12, 1, 13, 4, tzinfo=UTC)  # 15:04 in Athens
    with app.test_request_context(headers={"Accept-Language": language}):
        assert format_day(date(2026, 12, 1)) == day
        assert format_day(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == day  # already 1 Dec in Athens
        assert format_moment(instant) == moment
        assert format_moment(instant, zone=True) == f"{moment} (UTC+2)"
