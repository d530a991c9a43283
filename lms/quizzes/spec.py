"""Questions as plain data: what GIFT and Moodle XML parse into and dump from, and what the bank stores.

These classes know nothing of the database. `lms.quizzes.kinds` gives each kind its behaviour
(render, grade); `lms.quizzes.models.Question` stores a QuestionSpec as a row.
"""

from dataclasses import dataclass, field

KINDS = ("multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay", "description")
TEXT_FORMATS = ("moodle", "markdown", "html", "plain")
# Where the blank of a missing-word question sits in its text ("Moodle costs _____ to download.").
BLANK = "_____"


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
