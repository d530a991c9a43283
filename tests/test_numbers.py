"""Numerical answers are read as trainees write them in their language, with the units a question takes."""

import re

import pytest

from lms.quizzes.kinds import kind_of
from lms.quizzes.models import Attempt, Question
from lms.quizzes.numbers import read_number
from lms.quizzes.spec import AnswerSpec, QuestionSpec, UnitSpec
from tests.conftest import csrf_token
from tests.test_quizzes import _start

pytest_plugins = ["tests.test_quizzes"]  # its make_quiz and trainee_in fixtures

COMMA_LOCALES = ["el", "mk", "bg", "sr_Latn"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2,300", 2300),
        ("2.3", 2.3),
        ("2,300.5", 2300.5),
        ("1 200", 1200),
        ("1\u00a0200", 1200),
        (".5", 0.5),
        ("-3", -3),
        ("12,345,678", 12345678),
        ("0,300", 0.3),
        ("2,3", 2.3),
    ],
)
def test_english_reads_the_comma_as_thousands(text, value):
    assert read_number(text, "en").value == pytest.approx(value)


@pytest.mark.parametrize("locale", COMMA_LOCALES)
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2.300", 2300),
        ("2,3", 2.3),
        ("2.300,5", 2300.5),
        ("1 200", 1200),
        ("1\u202f200,25", 1200.25),
        ("12.345.678", 12345678),
        ("2.3", 2.3),
        ("−4,5", -4.5),
    ],
)
def test_greek_and_balkan_languages_read_the_comma_as_the_decimal_mark(locale, text, value):
    assert read_number(text, locale).value == pytest.approx(value)


@pytest.mark.parametrize(
    ("locale", "text", "value"),
    [("en", "2,300", 2300), ("el", "2,300", 2.3), ("el", "2.300", 2300), ("en", "2.300", 2.3)],
)
def test_one_separator_before_three_digits_is_ambiguous_and_said(locale, text, value):
    reading = read_number(text, locale)
    assert reading.value == pytest.approx(value) and reading.ambiguous


@pytest.mark.parametrize("text", ["abc", "1,2,3", "2.3.4", "1.234,5.6", "", "nan", "12 3"])
def test_what_is_not_a_number_says_so(text):
    assert read_number(text, "el").problem == "not-a-number"


HOURS = [UnitSpec("hours"), UnitSpec("days", 1 / 24)]


@pytest.mark.parametrize(
    "text",
    [
        "72 hours",
        "72 h",
        "72 ώρες",
        "72 часа",
        "72 часови",
        "72 sati",
        "72 časova",
        "72",
        "3 days",
        "3 ημέρες",
        "3 дена",
        "3 dana",
    ],
)
def test_a_declared_unit_is_read_in_every_language(text):
    assert read_number(text, "el", [_unit(u) for u in HOURS]).value == pytest.approx(72)


def test_currency_and_percent_spellings():
    eur, percent = [_unit(UnitSpec("EUR"))], [_unit(UnitSpec("%"))]
    for text in ("576 EUR", "576 €", "€576", "576 ευρώ", "576 евра", "576 евро", "576 evra"):
        assert read_number(text, "el", eur).value == 576, text
    for text in ("25%", "25 %", "25 τοις εκατό", "25 проценти", "25 posto"):
        assert read_number(text, "en", percent).value == 25, text
    unknown = read_number("576 kg", "en", eur)
    assert unknown.value is None and unknown.problem == "unknown-unit" and unknown.number == 576


def _unit(spec):
    from lms.quizzes.numbers import Unit

    return Unit(spec.name, spec.multiplier)


def _question(answer, units=(), tolerance=0.0):
    question = Question(id=9)
    question.update_from(
        QuestionSpec(
            "numerical",
            "N",
            "How much?",
            answers=[AnswerSpec(value=answer, tolerance=tolerance, fraction=1.0)],
            units=list(units),
        )
    )
    return question


@pytest.mark.parametrize(
    ("locale", "typed"),
    [
        ("en", "2,300"),
        ("en", "2300"),
        ("en", "2 300"),
        ("el", "2.300"),
        ("el", "2300"),
        ("mk", "2.300"),
        ("bg", "2 300"),
        ("sr_Latn", "2.300"),
        ("el", "2.300 EUR"),
        ("mk", "2.300 евра"),
        ("en", "€2,300"),
    ],
)
def test_the_right_answer_written_as_the_course_writes_it_gets_full_marks(locale, typed):
    question = _question(2300, [UnitSpec("EUR")])
    assert kind_of(question).grade(question, {"text": typed, "locale": locale}) == 1.0


def test_answers_saved_before_locales_grade_as_before():
    question = _question(3.4, tolerance=0.05)
    assert kind_of(question).grade(question, "3,4") == 1.0
    assert kind_of(question).grade(question, "3.4") == 1.0


def test_a_multiplied_unit_converts_to_the_answers_unit():
    question = _question(1.5, [UnitSpec("hours"), UnitSpec("minutes", 60)])
    assert kind_of(question).grade(question, {"text": "90 λεπτά", "locale": "el"}) == 1.0
    assert kind_of(question).grade(question, {"text": "90 kg", "locale": "el"}) == 0.0


@pytest.fixture
def numerical_quiz(make_quiz):
    return make_quiz(
        questions=[
            QuestionSpec(
                "numerical",
                "Cost",
                "Yearly cost?",
                answers=[AnswerSpec(value=2300, fraction=1.0)],
                units=[UnitSpec("EUR")],
            )
        ],
        per_page=1,
    )


def _autosave(client, attempt_id, **answers):
    token = csrf_token(client, f"/quizzes/attempts/{attempt_id}")
    return client.post(
        f"/quizzes/attempts/{attempt_id}/autosave", data={"csrf_token": token, "page": 0, **answers}
    )


def test_the_attempt_page_says_how_an_ambiguous_number_was_read(client, numerical_quiz, trainee_in):
    user = trainee_in(numerical_quiz)
    user.locale = "el"
    from lms.db import db

    db.session.commit()
    attempt_id = _start(client, numerical_quiz)
    qid = db.session.get(Attempt, attempt_id).question_ids()[0]
    saved = _autosave(client, attempt_id, **{f"q{qid}": "2,300"}).get_json()
    assert saved["saved"] and saved["readings"] == {f"reading-q{qid}": "Διαβάστηκε ως 2,3."}
    page = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(rf'id="reading-q{qid}"[^>]*>Διαβάστηκε ως 2,3\.<', page)
    saved = _autosave(client, attempt_id, **{f"q{qid}": "2300 kg"}).get_json()
    assert "kg" in saved["readings"][f"reading-q{qid}"]
    _autosave(client, attempt_id, **{f"q{qid}": "2.300 €"})
    client.post(f"/quizzes/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, "/")})
    assert db.session.get(Attempt, attempt_id).score == 100.0
    review = client.get(f"/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Διαβάστηκε ως 2.300 EUR." in review  # the unit as the question declares it


LOCAL_UNITS = {
    "EUR": ["EUR", "€", "ευρώ", "евра", "евро", "evra"],
    "%": ["%", "τοις εκατό", "проценти"],
    "hours": ["hours", "ώρες", "часа", "sati"],
    "days": ["days", "ημέρες", "дена", "dana"],
}


def _bundled_numerical_questions():
    from pathlib import Path

    from lms.quizzes.gift import parse_gift

    for path in sorted(Path(__file__).parent.parent.joinpath("courses").glob("*/*/*.gift")):
        for question in parse_gift(path.read_text(encoding="utf-8")):
            if question.kind == "numerical":
                yield pytest.param(question, id=f"{path.parent.parent.name}:{question.name}")


@pytest.mark.parametrize("spec", list(_bundled_numerical_questions()))
def test_bundled_numerical_questions_take_every_reasonable_spelling(spec):
    from lms.quizzes.numbers import show_number

    question = Question(id=1)
    question.update_from(spec)
    right = [a.value for a in spec.answers if a.fraction == 1.0]
    assert right, "every numerical question has a right answer"
    units = LOCAL_UNITS.get(spec.units[0].name, [spec.units[0].name]) if spec.units else []
    for locale in ["en", *COMMA_LOCALES]:
        written = show_number(right[0], locale)  # as the course writes it: 2,300 or 2.300
        for typed in [
            written,
            written.replace("\u00a0", " "),
            f"{right[0]:g}",
            *(f"{written} {u}" for u in units),
        ]:
            value = {"text": typed, "locale": locale}
            assert kind_of(question).grade(question, value) == 1.0, (locale, typed)
