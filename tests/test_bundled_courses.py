"""The bundled courses keep the authoring conventions of docs/course-authoring.md."""

import math
import re
import tomllib
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
COURSES = sorted(p.parent for p in ROOT.joinpath("courses").glob("*/course.toml"))
EXERCISE = {
    "en": re.compile(r"^## Exercise[^\n(]*\(about (\d+) minutes\)$", re.M),
    "el": re.compile(r"^## Άσκηση[^\n(]*\(περίπου (\d+) λεπτά\)$", re.M),
    "mk": re.compile(r"^## Вежба[^\n(]*\(околу (\d+) минути\)$", re.M),
}
QUIZ_MINUTES = 10  # each module's knowledge check
READING_WORDS_PER_MINUTE = 100  # study reading, often in a second language


def _manifest(course: Path) -> dict:
    return tomllib.loads(course.joinpath("course.toml").read_text(encoding="utf-8"))


def _lessons(course: Path) -> list[Path]:
    """The lessons (a forum's or an assignment's .md file is another kind, with no reading time)."""
    from lms.activities import kind_for_file

    return sorted(p for p in course.glob("*/*.md") if kind_for_file(p.name).name == "lesson")


def lesson_minutes(text: str, language: str) -> tuple[int, int]:
    """(minutes in the front matter, minutes the lesson really takes: reading plus its exercise)."""
    front, body = text.split("---", 2)[1:]
    stated = int(re.search(r"^minutes: (\d+)$", front, re.M)[1])
    exercise = int(EXERCISE[language].findall(body)[-1])
    reading = math.ceil(len(re.findall(r"\w+", body)) / READING_WORDS_PER_MINUTE)
    return stated, 5 * math.ceil((reading + exercise) / 5)


@pytest.mark.parametrize("course", COURSES, ids=lambda p: p.name)
def test_each_lesson_ends_with_an_exercise_and_its_minutes_are_honest(course):
    language = _manifest(course)["language"]
    for lesson in _lessons(course):
        text = lesson.read_text(encoding="utf-8")
        headings = re.findall(r"^## .*$", text, re.M)
        assert EXERCISE[language].match(headings[-1]), f"{lesson}: the last section is not a timed exercise"
        stated, honest = lesson_minutes(text, language)
        assert stated == honest, f"{lesson}: says {stated} minutes, takes {honest}"


@pytest.mark.parametrize("course", COURSES, ids=lambda p: p.name)
def test_course_hours_are_the_sum_of_its_lessons_and_quizzes(course):
    language = _manifest(course)["language"]
    minutes = sum(lesson_minutes(p.read_text(encoding="utf-8"), language)[1] for p in _lessons(course))
    minutes += QUIZ_MINUTES * len(list(course.glob("*/*.gift")))
    assert _manifest(course)["hours"] == round(minutes / 30) / 2  # to the half hour


@pytest.mark.parametrize("course", COURSES, ids=lambda p: p.name)
def test_each_course_states_its_learning_outcomes(course):
    summary = _manifest(course)["summary"]
    lead, _, outcomes = summary.partition("\n\n**")[2].partition("**\n\n")
    assert lead.endswith(":") and len(re.findall(r"^- \S", outcomes, re.M)) >= 3, course.name


def _scripts(word: str) -> set[str]:
    return {unicodedata.name(c).split()[0] for c in word if c.isalpha()}


def _texts():
    for path in sorted(ROOT.joinpath("courses").rglob("*")):
        if path.suffix in (".md", ".gift", ".toml"):
            yield path
    yield from sorted(ROOT.joinpath("lms", "translations").glob("*/LC_MESSAGES/messages.po"))


def test_no_word_mixes_scripts():
    """A Latin 'è' inside a Cyrillic word ('сè') looks right and breaks search and screen readers."""
    mixed = [
        f"{path.relative_to(ROOT)}:{number}: {word}"
        for path in _texts()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for word in re.findall(r"\w+", line)
        if len(_scripts(word)) > 1
    ]
    assert mixed == []
