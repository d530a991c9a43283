"""Questions as plain data: what GIFT and Moodle XML parse into and dump from, and what the bank stores.

These classes know nothing of the database. `lms.quizzes.kinds` gives each kind its behaviour
(render, grade); `lms.quizzes.models.Question` stores a QuestionSpec as a row.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

KINDS = ("multichoice", "truefalse", "shortanswer", "numerical", "matching", "cloze", "essay", "description")
TEXT_FORMATS = ("moodle", "markdown", "html", "plain")
# The grades Moodle allows for an answer, as fractions (its question bank's grade list; negatives too).
# Moodle refuses any other on import, so a file that imports here imports there: 33 % per right answer
# would leave full marks out of reach. Compared within 0.00001, as Moodle does.
MOODLE_GRADES = sorted(
    {
        sign * g
        for g in (
            1.0,
            0.9,
            0.8333333,
            0.8,
            0.75,
            0.7,
            0.6666667,
            0.6,
            0.5,
            0.4,
            0.3333333,
            0.3,
            0.25,
            0.2,
            0.1666667,
            0.1428571,
            0.125,
            0.1111111,
            0.1,
            0.05,
            0.0,
        )
        for sign in (1, -1)
    }
)


# A number as GIFT, Cloze and Moodle XML write one: sign, digits, point, exponent.
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def percent_fraction(percent: str) -> float | None:
    """The fraction of a percentage from -100 to 100 ("33.33333" -> 0.3333333), None if it is not one.

    Decimal shifts the point exactly, so the float is that of "0.3333333" and a dump writes it back."""
    percent = percent.strip()
    if not NUMBER.fullmatch(percent) or not -100 <= Decimal(percent) <= 100:
        return None
    return float(Decimal(percent).scaleb(-2))


def moodle_grade_problem(fraction: float) -> str:
    """'' for a grade Moodle allows; otherwise the message naming the nearest one it does."""
    if any(abs(fraction - grade) < 0.00001 for grade in MOODLE_GRADES):
        return ""
    nearest = min(MOODLE_GRADES, key=lambda grade: abs(fraction - grade))
    return (
        f"{format_percent(fraction)} is not a grade Moodle allows (100, 90, 83.33333, 80, 75, 70, "
        f"66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0 % "
        f"and their negatives): the nearest is {format_percent(nearest)}"
    )


def format_percent(fraction: float) -> str:
    return f"{fraction * 100:.5f}".rstrip("0").rstrip(".") + " %"


# Where the blank of a missing-word question sits in its text ("Moodle costs _____ to download.").
BLANK = "_____"
MAX_QUESTION_CHARS = 20_000  # a question's text: enough for a case study, small enough to render fast


def render_question_text(text: str, text_format: str, kind: str = "") -> str:
    """The question's text as safe HTML; plain text is escaped first, so it can never become markup, and
    a cloze question's gaps become placeholders where the trainee writes the answers.
    Raises lms.markup.MarkdownError for text too complex to render."""
    from markupsafe import escape

    from lms.markup import render_markdown

    source = str(escape(text)) if text_format == "plain" else text
    if kind == "cloze":
        from lms.quizzes.cloze import text_with_placeholders

        source = text_with_placeholders(source)
    return str(render_markdown(source))


def question_text_problem(text: str, text_format: str, kind: str = "") -> str | None:
    """Why a question's text cannot be stored (too long, or too complex to render), or None: the one check
    that GIFT and Moodle XML imports make for every question."""
    from lms.markup import MarkdownError

    if len(text) > MAX_QUESTION_CHARS:
        return (
            f"the question text is {len(text):,} characters long; at most {MAX_QUESTION_CHARS:,} are allowed"
        )
    try:
        render_question_text(text, text_format, kind)
    except MarkdownError as error:
        return f"the question text cannot be displayed: {error}"
    return None


@dataclass
class AnswerSpec:
    """One answer of a question.

    multichoice: `text` is a choice, `fraction` its credit (1.0 = 100 %, negative allowed).
    truefalse: two answers, texts "true" and "false"; `feedback` is shown to whoever picks that answer.
    shortanswer: `text` is an accepted answer (compared case-insensitively), `fraction` its credit.
    numerical: `value` +- `tolerance` is accepted with `fraction` credit (a range min..max is
    value = (min + max) / 2, tolerance = (max - min) / 2); `text` is empty.
    matching: `text` is the left side (the sub-question), `match` the right side; `fraction` is 1.0.
    """

    text: str = ""
    fraction: float = 0.0
    feedback: str = ""
    value: float | None = None
    tolerance: float = 0.0
    match: str = ""


@dataclass
class UnitSpec:
    """A unit a numerical answer may carry: the question's first unit has multiplier 1; in another unit
    the same quantity is the value times `multiplier` (Moodle's <units>: m = 1, cm = 100)."""

    name: str
    multiplier: float = 1.0


@dataclass
class QuestionSpec:
    kind: str  # one of KINDS
    name: str
    text: str  # for a missing-word question, the text holds BLANK where the choices go
    text_format: str = "moodle"  # one of TEXT_FORMATS, from GIFT's [markdown] [html] [plain] [moodle]
    category: str = ""  # e.g. "Marketing/Module 1"; Moodle's "$course$/" and "top/" prefixes removed
    answers: list[AnswerSpec] = field(default_factory=list)
    general_feedback: str = ""
    # multichoice only: True = one answer (radio buttons), False = several answers (checkboxes).
    single: bool = True
    # numerical only: the units an answer may be written with (none: a bare number).
    units: list[UnitSpec] = field(default_factory=list)

    @property
    def is_missing_word(self) -> bool:
        return self.kind == "multichoice" and BLANK in self.text


class QuestionFormatError(ValueError):
    """Malformed question text. `line` is the 1-based line of the input where the problem is."""

    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")
