"""GIFT, Moodle's plain-text quiz format <-> QuestionSpec.

parse_gift reads GIFT as https://docs.moodle.org/en/GIFT_format documents it and as Moodle's importer
(qformat_gift) reads it, but refuses what Moodle would quietly misread: every problem raises GiftError
with the 1-based line where it is. dump_gift writes a canonical GIFT that parse_gift reads back unchanged.
"""

import math
import re
from decimal import Decimal
from itertools import pairwise

from lms.quizzes.spec import (
    BLANK,
    KINDS,
    NUMBER,
    TEXT_FORMATS,
    AnswerSpec,
    QuestionFormatError,
    QuestionSpec,
    UnitSpec,
    moodle_grade_problem,
    percent_fraction,
    question_text_problem,
)


class GiftError(QuestionFormatError):
    """A GIFT text we cannot import; `line` (1-based) is where the problem is, `message` says what it is."""


# While a question's structure is parsed, each escaped character (\~ \= \# \{ \} \: \\ \n) stands as a
# Unicode noncharacter (reserved for internal use, never in real text), so that str.find and split never
# take it for syntax; _clean turns the placeholders into the characters they stand for.
_ESCAPED = "\\~=#{}:n"
_PLACEHOLDER = {c: chr(0xFDD0 + i) for i, c in enumerate(_ESCAPED)}
_CHARACTER = {p: "\n" if c == "n" else c for c, p in _PLACEHOLDER.items()}
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_FORMAT = re.compile(r"\[(" + "|".join(TEXT_FORMATS) + r")\]")
_CONTEXT = re.compile(r"\A\$\w+\$(/|\Z)")  # "$course$/" (or "$system$/" ...) in front of a category path
_UNITS = re.compile(r"\s*//\s*units:(.*)\Z", re.IGNORECASE)
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def parse_gift(text: str) -> list[QuestionSpec]:
    questions, category = [], ""
    for lines, numbers, units in _paragraphs(text):
        while lines and lines[0].lstrip().startswith("$CATEGORY:"):
            category = _category(lines.pop(0).split(":", 1)[1])
            numbers.pop(0)
        if lines:
            question = _Question(lines, numbers).parse(category)
            if units:
                number, declared = units
                if question.kind != "numerical":
                    raise GiftError(number, "'// units:' belongs to a numerical question ({#...})")
                question.units = _units(declared, number)
            questions.append(question)
        elif units:
            raise GiftError(units[0], "'// units:' is not followed by a numerical question")
    return questions


def _paragraphs(text: str):
    """Each question's lines with their 1-based numbers, and its '// units:' line (number, text) if any.
    Blank lines separate questions; other // comment lines are dropped without ending a question (as in
    Moodle, which also ignores the units line: there the question takes bare numbers only)."""
    lines, numbers, units = [], [], None
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            if lines:
                yield lines, numbers, units
            lines, numbers, units = [], [], None
        elif found := _UNITS.match(line):
            units = (number, found[1])
        elif not line.lstrip().startswith("//"):
            lines.append(line)
            numbers.append(number)
    if lines or units:
        yield lines, numbers, units


def _units(declared: str, number: int) -> list[UnitSpec]:
    """'// units: EUR, cents = 100': the first unit is the answers' own; others carry a multiplier."""
    units = []
    for item in declared.split(","):
        name, equals, multiplier = (part.strip() for part in item.partition("="))
        if not name:
            raise GiftError(number, "an empty unit in '// units:': write names separated by commas")
        if equals and not (NUMBER.fullmatch(multiplier) and float(multiplier) > 0):
            raise GiftError(number, f"unit {name!r}: the multiplier {multiplier!r} is not a positive number")
        units.append(UnitSpec(name, float(multiplier) if equals else 1.0))
    if units[0].multiplier != 1.0:
        raise GiftError(number, f"the first unit ({units[0].name}) is the answers' own: its multiplier is 1")
    return units


def _category(path: str) -> str:
    path = _CONTEXT.sub("", path.strip(), count=1)
    return "" if path == "top" else path.removeprefix("top/")


def _clean(raw: str) -> str:
    """Stored text from raw GIFT text: placeholders back to characters, surrounding whitespace gone."""
    return "".join(_CHARACTER.get(c, c) for c in raw).strip()


def _split_format(raw: str) -> tuple[str, str]:
    """("html", rest) for "[html]rest"; ("moodle", raw) when there is no format marker."""
    raw = raw.strip()
    found = _FORMAT.match(raw)
    return (found[1], raw[found.end() :]) if found else ("moodle", raw)


def _plain(raw: str) -> str:
    """Answer and feedback text: a format marker there is allowed but has no use, so it is dropped."""
    return _clean(_split_format(raw)[1])


def _default_name(text: str, text_format: str) -> str:
    if text_format != "plain":
        text = re.sub(r"<[^>]*>", "", text)
    return " ".join(text.split())[:60].rstrip()


class _Question:
    """One question's text (escapes replaced by placeholders) and where each of its lines came from."""

    def __init__(self, lines: list[str], numbers: list[int]):
        self.text = _ESCAPE.sub(lambda m: _PLACEHOLDER[m[1]], "\n".join(lines))
        self.numbers = numbers

    def fail(self, pos: int, message: str):
        raise GiftError(self.numbers[self.text.count("\n", 0, pos)], message)

    def parse(self, category: str) -> QuestionSpec:
        t = self.text
        start = len(t) - len(t.lstrip())
        title = ""
        if t.startswith("::", start):
            end = t.find("::", start + 2)
            if end < 0:
                self.fail(start, "the question title is not closed: write ::title:: before the question")
            title, start = _clean(t[start + 2 : end]), end + 2
        opening, closing = t.find("{", start), t.find("}", start)
        if closing >= 0 and (opening < 0 or closing < opening):
            self.fail(closing, "'}' without an opening '{'")
        body = t[start:]
        if opening >= 0:
            if closing < 0 or "{" in t[opening + 1 : closing]:
                self.fail(opening, "'{' is not closed: the answers must end with '}'")
            after = t[closing + 1 :]
            if extra := re.search("[{}]", after):
                where = closing + 1 + extra.start()
                if extra[0] == "}":
                    self.fail(where, "'}' without an opening '{'")
                self.fail(where, "a second answer block: a question has only one {...}")
            # Text after the block makes it a missing-word question: the blank goes where the block was.
            body = t[start:opening] + (BLANK + after if after.strip() else "")
        text_format, body = _split_format(body)
        text = _clean(body)
        if not text:
            self.fail(start, "the question has no text")
        if problem := question_text_problem(text, text_format):
            self.fail(start, problem)
        name = title or _default_name(text, text_format) or "question"
        q = QuestionSpec("description", name, text, text_format, category)
        if opening >= 0:
            self.answers(q, t[opening + 1 : closing], opening)
        return q

    def answers(self, q: QuestionSpec, content: str, opening: int) -> None:
        """Kind, answers and general feedback from the text between '{' and '}' (Moodle's order of tests)."""
        base = opening + 1  # where content starts in self.text
        general = content.find("####")  # everything after #### is the general feedback
        if general >= 0:
            q.general_feedback = _plain(content[general + 4 :])
            content = content[:general]
        answers = content.strip()
        if not answers:
            q.kind = "essay"
        elif answers[0] == "#":
            q.kind, q.answers = "numerical", self.numerical(content, base)
        elif "~" in answers:
            q.kind, q.answers = "multichoice", self.choices(content, base)
            positive = [a.fraction for a in q.answers if a.fraction > 0]
            if not positive:
                self.fail(opening, "no correct answer: mark one with '=' or give weights such as ~%50%")
            # Checkboxes when no answer is marked '=' or when several answers share the full mark
            # (within 0.01 %: three times %33.33333% is full marks too).
            several = len(positive) > 1 and math.isclose(sum(positive), 1.0, abs_tol=1e-4)
            q.single = "=" in answers and not several
        elif "=" in answers and "->" in answers:
            q.kind, q.answers = "matching", self.matching(content, base)
            if (pairs := sum(1 for a in q.answers if a.text)) < 3:
                self.fail(opening, f"a matching question needs at least 3 pairs (left -> right), has {pairs}")
        elif answers.partition("#")[0].strip() in _TRUE_FALSE:
            q.kind, q.answers = "truefalse", self.true_false(answers)
        else:
            q.kind, q.answers = "shortanswer", self.choices(content, base, lead_answers=True)

    def items(self, content: str, base: int, lead_answers: bool = False) -> list[tuple[str, str, int]]:
        """(marker, text, position) of each answer: an answer starts at each '=' or '~'; with
        lead_answers, text before the first of them is an answer too (marker "")."""
        cuts = [i for i, c in enumerate(content) if c in "=~"]
        lead = content[: cuts[0]] if cuts else content
        items = [(content[i], content[i + 1 : j], base + i) for i, j in pairwise([*cuts, len(content)])]
        if lead.strip():
            where = base + len(lead) - len(lead.lstrip())
            if not lead_answers:
                self.fail(where, f"{_clean(lead)!r} is not an answer: answers start with '=' or '~'")
            items.insert(0, ("", lead, where - 1))
        return items

    def weight(self, raw: str, pos: int, default: float) -> tuple[float, str]:
        """The weight of "%50%text" as a fraction (0.5) and the rest; (default, raw) without a weight."""
        rest = raw.lstrip()
        if not rest.startswith("%"):
            return default, raw
        number, percent, rest = rest[1:].partition("%")
        fraction = percent_fraction(number) if percent else None
        if fraction is None:
            self.fail(pos, f"unknown weight '%{_clean(number)}{percent}': use a percentage from -100 to 100")
        if problem := moodle_grade_problem(fraction):
            self.fail(pos, f"weight '%{_clean(number)}%': {problem}")
        return fraction, rest

    def choices(self, content: str, base: int, lead_answers: bool = False) -> list[AnswerSpec]:
        """Multiple-choice and short answers: [=|~][%weight%]text[#feedback].

        As in Moodle, a bare '~' right before another answer ("~a ~=b") is dropped, and a short answer
        may start without '=' ("{One}", "{One =Two}").
        """
        answers = []
        for marker, raw, pos in self.items(content, base, lead_answers):
            if marker == "~" and not raw.strip() and content[pos - base + 1 :].lstrip()[:1] in ("=", "~"):
                continue
            fraction, raw = self.weight(raw, pos, 0.0 if marker == "~" else 1.0)
            text, _, feedback = raw.partition("#")
            if not _plain(text):
                self.fail(pos, f"an empty answer after '{marker}'")
            if lead_answers and "->" in text:  # written back as "=a->b" it would read as a matching pair
                self.fail(pos, f"a short answer cannot contain '->' (in {_plain(text)!r})")
            answers.append(AnswerSpec(_plain(text), fraction, _plain(feedback)))
        return answers

    def matching(self, content: str, base: int) -> list[AnswerSpec]:
        answers = []
        for _, raw, pos in self.items(content, base):
            pair, hash_, _ = raw.partition("#")
            if hash_:  # Moodle would keep "#..." in the right-hand text: refuse rather than differ
                self.fail(pos, "matching pairs have no feedback in Moodle: write \\# for a # in the text")
            left, arrow, right = pair.partition("->")
            if not arrow:
                self.fail(pos, f"the matching pair {_clean(pair)!r} has no '->' between its two sides")
            if not _plain(right):
                self.fail(pos, "the matching pair has nothing after '->'")
            # An empty left side is an extra wrong choice on the right, as in Moodle.
            answers.append(AnswerSpec(_plain(left), 1.0, match=_plain(right)))
        return answers

    def true_false(self, answers: str) -> list[AnswerSpec]:
        # {T#feedback if wrong#feedback if right}: the first text goes to whoever answers wrongly.
        word, _, feedback = answers.partition("#")
        wrong, _, right = (_plain(f) for f in feedback.partition("#"))
        truth = _TRUE_FALSE[word.strip()]
        return [
            AnswerSpec("true", float(truth), right if truth else wrong),
            AnswerSpec("false", float(not truth), wrong if truth else right),
        ]

    def numerical(self, content: str, base: int) -> list[AnswerSpec]:
        """{#3:0.5}, {#1..5}, {#=%50%3:1#feedback ...} and a last {... ~#feedback} for any other answer."""
        start = content.index("#") + 1
        body, other, rest = content[start:].partition("~")
        cuts = [-1] + [i for i, c in enumerate(body) if c == "="]
        items = [(body[i + 1 : j], base + start + i + 1) for i, j in pairwise([*cuts, len(body)])]
        if not items[0][0].strip():
            items.pop(0)  # nothing before the first '=' (a first answer may omit it: {#3:0.5})
        answers = [self.number(raw, pos) for raw, pos in items]
        if not answers:
            self.fail(base - 1, "a numerical question needs an answer, as in {#3:0.5}")
        if other:  # Moodle's "*" answer: whatever else the trainee types, with its feedback
            text, hash_, feedback = rest.partition("#")
            answers.append(AnswerSpec(feedback=_plain(feedback if hash_ else text)))
        return answers

    def number(self, raw: str, pos: int) -> AnswerSpec:
        fraction, raw = self.weight(raw, pos, 1.0)
        spec, _, feedback = raw.partition("#")
        if ".." in spec:
            low, high = (self.to_float(x, pos) for x in spec.split("..", 1))
            value, tolerance = (low + high) / 2, (high - low) / 2
        else:
            value, colon, tolerance = spec.partition(":")
            value, tolerance = self.to_float(value, pos), self.to_float(tolerance, pos) if colon else 0.0
        if not (math.isfinite(value) and math.isfinite(tolerance)):
            self.fail(pos, f"numerical answer {_clean(spec)!r} is out of range")
        if tolerance < 0:
            self.fail(pos, f"numerical answer {_clean(spec)!r}: the tolerance (or range) is negative")
        return AnswerSpec(fraction=fraction, feedback=_plain(feedback), value=value, tolerance=tolerance)

    def to_float(self, raw: str, pos: int) -> float:
        if not NUMBER.fullmatch(raw.strip()):
            self.fail(pos, f"numerical answer {_clean(raw)!r} is not a number")
        return float(raw)


# Every kind but cloze: Moodle's GIFT has no way to write embedded answers.
GIFT_KINDS = frozenset(KINDS) - {"cloze"}


def dump_gift(questions: list[QuestionSpec]) -> str:
    parts, category = [], ""
    for q in questions:
        if q.kind not in GIFT_KINDS:
            raise ValueError(f"question {q.name!r}: a {q.kind} question has no GIFT form; use Moodle XML")
        if q.category != category:
            # The full Moodle path, so that a category that itself starts with "top/" survives.
            parts.append(f"$CATEGORY: $course$/top/{q.category}" if q.category else "$CATEGORY: $course$/top")
            category = q.category
        if q.units:
            units = (
                u.name if u.multiplier == 1.0 else f"{u.name} = {_number(u.multiplier)}" for u in q.units
            )
            parts.append("// units: " + ", ".join(units) + "\n" + _dump_question(q))
        else:
            parts.append(_dump_question(q))
    return "".join(part + "\n\n" for part in parts).removesuffix("\n")


def _escape(text: str) -> str:
    return "".join("\\n" if c == "\n" else "\\" + c if c in "\\~=#{}:" else c for c in text)


def _out(text: str) -> str:
    """Escaped answer or feedback text; "[moodle]" protects a text that itself starts with "[html]"."""
    return ("[moodle]" if _FORMAT.match(text) else "") + _escape(text)


def _number(x: float) -> str:
    text = repr(float(x))
    return text.removesuffix(".0")


def _percent(fraction: float) -> str:
    """The weight whose exact hundredth is the shortest repr of fraction: 0.3333333 -> "33.33333"."""
    return format(Decimal(repr(float(fraction))).scaleb(2), "f")


def _weighted(marker: str, default: float, a: AnswerSpec) -> str:
    # A text starting with "%" would read as a weight: an explicit weight in front keeps it text.
    weight = "" if a.fraction == default and not a.text.startswith("%") else f"%{_percent(a.fraction)}%"
    return marker + weight + _out(a.text) + _feedback(a.feedback)


def _feedback(text: str) -> str:
    return "#" + _out(text) if text else ""


def _block(q: QuestionSpec) -> str:
    head, lines = "", []
    if q.kind == "multichoice":
        # '=' marks the right answers of a one-answer question; checkbox questions use weights only.
        right = [q.single and a.fraction > 0 for a in q.answers]
        if right and all(right):  # without a '~' it would read as a short answer
            right[-1] = False
        for a, is_right in zip(q.answers, right, strict=True):
            lines.append(_weighted("=", 1.0, a) if is_right else _weighted("~", 0.0, a))
    elif q.kind == "shortanswer":
        lines = [_weighted("=", 1.0, a) for a in q.answers]
    elif q.kind == "numerical":
        head = "#"
        for a in q.answers:
            if a.value is None:
                lines.append("~" + _feedback(a.feedback))
                continue
            weight = "" if a.fraction == 1.0 else f"%{_percent(a.fraction)}%"
            tolerance = f":{_number(a.tolerance)}" if a.tolerance else ""
            lines.append(f"={weight}{_number(a.value)}{tolerance}{_feedback(a.feedback)}")
    elif q.kind == "matching":
        lines = [f"={_out(a.text)} -> {_out(a.match)}{_feedback(a.feedback)}" for a in q.answers]
    elif q.kind == "truefalse":
        true, false = sorted(q.answers, key=lambda a: a.text != "true")  # any order in, "true" first
        right, wrong = (true, false) if true.fraction > 0 else (false, true)
        feedback = [_out(wrong.feedback), _out(right.feedback)]
        while feedback and not feedback[-1]:
            feedback.pop()
        head = ("T" if true.fraction > 0 else "F") + "".join("#" + f for f in feedback)
    if q.general_feedback:
        lines.append("####" + _out(q.general_feedback))
    return "{" + head + "".join("\n" + line for line in lines) + ("\n" if lines else "") + "}"


def _dump_question(q: QuestionSpec) -> str:
    marker = f"[{q.text_format}]" if q.text_format != "moodle" or _FORMAT.match(q.text) else ""
    head, text = f"::{_escape(q.name)}::{marker}", _escape(q.text)
    if q.kind == "description":
        return head + text
    before, blank, after = text.partition(BLANK)
    if blank and after:  # a missing-word question: the block goes where the blank is
        return head + before + _block(q) + after
    return head + text + _block(q)
