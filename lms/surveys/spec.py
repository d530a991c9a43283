"""A survey as data: its questions, read from and written to its package file NN-slug.survey.toml.

    title = "How was the course?"
    anonymous = true
    intro = '''
    Markdown shown before the questions.
    '''

    [[questions]]
    key = "overall"
    kind = "rating"
    text = "Overall, how satisfied are you?"

Question kinds: "rating" (1 to 5), "choice" (one of `choices`), "yes_no" and "text" (free text).
`required` defaults to true; `key` names the question across versions (results, the indicator report).
The file is read with tomllib and written by `survey_toml`, one way only, so a written file reads
back to the same survey and is written again to the same bytes.
"""

import re
import tomllib
from dataclasses import dataclass, field

from lms.courses.package import toml_value

KINDS = ("rating", "choice", "yes_no", "text")
RATINGS = (1, 2, 3, 4, 5)
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_QUESTIONS = 50
MAX_CHOICES = 20
MAX_TEXT = 1000  # characters of a question or a choice
MAX_INTRO = 20_000
MAX_ANSWER = 5000  # characters of a free-text answer
FILE_KEYS = ("title", "anonymous", "intro", "optional", "published", "questions")
QUESTION_KEYS = ("key", "kind", "text", "choices", "required")


@dataclass
class Question:
    key: str
    kind: str
    text: str
    choices: list[str] = field(default_factory=list)
    required: bool = True

    def to_dict(self) -> dict:
        data = {"key": self.key, "kind": self.kind, "text": self.text}
        if self.kind == "choice":
            data["choices"] = list(self.choices)
        if not self.required:
            data["required"] = False
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Question":
        return cls(
            key=data["key"],
            kind=data["kind"],
            text=data["text"],
            choices=list(data.get("choices", [])),
            required=data.get("required", True),
        )


@dataclass
class Survey:
    """What a survey activity keeps in `settings` (its title, optional and published are columns)."""

    anonymous: bool = True
    intro: str = ""
    questions: list[Question] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "anonymous": self.anonymous,
            "intro": self.intro,
            "questions": [q.to_dict() for q in self.questions],
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> "Survey":
        data = data or {}
        return cls(
            anonymous=data.get("anonymous", True),
            intro=data.get("intro", ""),
            questions=[Question.from_dict(q) for q in data.get("questions", [])],
        )

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    def rating_questions(self) -> list[Question]:
        return [q for q in self.questions if q.kind == "rating"]


def check_question(data, number: int) -> tuple[Question | None, list[str]]:
    """A question from its table, or the problems with it (`number` counts from 1, for messages)."""
    where = f"question {number}"
    if not isinstance(data, dict):
        return None, [f"{where} must be a table ([[questions]])"]
    problems = [f"{where}: unknown key '{key}'" for key in sorted(set(data) - set(QUESTION_KEYS))]
    key, kind, text = data.get("key"), data.get("kind"), data.get("text")
    if not isinstance(key, str) or not KEY_RE.match(key):
        problems.append(f"{where}: key must be lower-case letters, digits, '-' or '_' (at most 40)")
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)}")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        problems.append(f"{where}: text must be a non-empty text of at most {MAX_TEXT} characters")
    choices = data.get("choices", [])
    if kind == "choice":
        if (
            not isinstance(choices, list)
            or not 2 <= len(choices) <= MAX_CHOICES
            or not all(isinstance(c, str) and c.strip() and len(c) <= MAX_TEXT for c in choices)
        ):
            problems.append(f"{where}: a choice question needs 2 to {MAX_CHOICES} non-empty choices")
        elif len(set(choices)) != len(choices):
            problems.append(f"{where}: two choices are the same")
    elif "choices" in data:
        problems.append(f"{where}: only a choice question has choices")
    required = data.get("required", True)
    if not isinstance(required, bool):
        problems.append(f"{where}: required must be true or false")
    if problems:
        return None, problems
    return Question(key, kind, text, list(choices) if kind == "choice" else [], required), []


def parse_survey(text: str) -> tuple[dict, list[tuple[int | None, str]]]:
    """(title, optional, published and the Survey as a dict; problems as (line, message))."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        return {}, [(int(match.group(1)) if match else None, f"invalid TOML: {error}")]
    problems: list[tuple[int | None, str]] = []
    for key in sorted(set(data) - set(FILE_KEYS)):
        problems.append((_line_of(text, key), f"unknown key '{key}'"))
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        problems.append((_line_of(text, "title"), "a survey needs a 'title' (at most 200 characters)"))
    for key in ("anonymous", "optional", "published"):
        if key in data and not isinstance(data[key], bool):
            problems.append((_line_of(text, key), f"{key} must be true or false"))
    intro = data.get("intro", "")
    if not isinstance(intro, str) or len(intro) > MAX_INTRO:
        problems.append((_line_of(text, "intro"), f"intro must be a text of at most {MAX_INTRO} characters"))
    questions, raw = [], data.get("questions", [])
    if not isinstance(raw, list) or not raw:
        problems.append((None, "a survey needs at least one [[questions]] table"))
        raw = []
    if len(raw) > MAX_QUESTIONS:
        problems.append((None, f"a survey has at most {MAX_QUESTIONS} questions"))
    lines = [n for n, line in enumerate(text.split("\n"), start=1) if line.strip() == "[[questions]]"]
    for number, item in enumerate(raw, start=1):
        question, wrong = check_question(item, number)
        line = lines[number - 1] if number <= len(lines) else None
        problems += [(line, message) for message in wrong]
        if question is not None:
            questions.append(question)
    keys = [q.key for q in questions]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append((None, f"two questions share the key '{key}'"))
    survey = Survey(bool(data.get("anonymous", True)), intro if isinstance(intro, str) else "", questions)
    return {
        "title": title.strip() if isinstance(title, str) else "",
        "optional": data.get("optional", False) is True,
        "published": data.get("published", True) is not False,
        "survey": survey,
    }, problems


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.split("\n"), start=1):
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return None


def _text_value(value: str) -> str:
    """A multi-line text as a TOML literal block when it can be one (easier to edit), else a string."""
    block = "\n" in value and value.endswith("\n") and not value.startswith("\n") and "'''" not in value
    if block and all(c >= " " or c in "\n\t" for c in value):
        return "'''\n" + value + "'''"
    return toml_value(value)


def survey_toml(title: str, survey: Survey, optional: bool = False, published: bool = True) -> str:
    """The package file of a survey: always the same text for the same survey."""
    lines = [f"title = {toml_value(title)}", f"anonymous = {toml_value(survey.anonymous)}"]
    if optional:
        lines.append("optional = true")
    if not published:
        lines.append("published = false")
    if survey.intro:
        lines.append(f"intro = {_text_value(survey.intro)}")
    for question in survey.questions:
        lines += ["", "[[questions]]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in question.to_dict().items()]
    return "\n".join(lines) + "\n"
