"""Embedded answers (Moodle's "Cloze" question): a text with gaps such as {1:SHORTANSWER:=Berlin#Right}.

The question text keeps Moodle's syntax as written, so a Moodle XML file round-trips unchanged; the gaps
are read from it when the question is saved (to check it) and when an attempt is shown or graded. What a
trainee's page shows is the text with each gap replaced by a placeholder (`placeholder(n)`), never the
answers. Each gap is one of Moodle's sub-question types:

- SHORTANSWER (SA, MW), SHORTANSWER_C (SAC, MWC: case matters): a text box;
- NUMERICAL (NM): a number, read in the trainee's language (lms.quizzes.numbers);
- MULTICHOICE (MC: drop-down, MCV: vertical buttons, MCH: horizontal buttons), MULTIRESPONSE (MR, MRH:
  check boxes); an S at the end (MCS, MCVS, MCHS, MRS, MRHS) shuffles the choices.

A gap's weight (the number before the first colon, 1 when absent) says how much it counts in the mark.
"""

import re
from dataclasses import dataclass, field

from lms.quizzes.spec import NUMBER, AnswerSpec, QuestionFormatError, moodle_grade_problem, percent_fraction

_GAP = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^\\}])*)\}", re.S)
_LOOKS_LIKE_GAP = re.compile(r"\{\d*:[A-Z_]+:")
_TYPES = {
    # name: (kind, layout, shuffle)
    **dict.fromkeys(("SHORTANSWER", "SA", "MW"), ("short", "text", False)),
    **dict.fromkeys(("SHORTANSWER_C", "SAC", "MWC"), ("short_case", "text", False)),
    **dict.fromkeys(("NUMERICAL", "NM"), ("numerical", "text", False)),
    **dict.fromkeys(("MULTICHOICE", "MC"), ("choice", "select", False)),
    **dict.fromkeys(("MULTICHOICE_S", "MCS"), ("choice", "select", True)),
    **dict.fromkeys(("MULTICHOICE_V", "MCV"), ("choice", "vertical", False)),
    **dict.fromkeys(("MULTICHOICE_VS", "MCVS"), ("choice", "vertical", True)),
    **dict.fromkeys(("MULTICHOICE_H", "MCH"), ("choice", "horizontal", False)),
    **dict.fromkeys(("MULTICHOICE_HS", "MCHS"), ("choice", "horizontal", True)),
    **dict.fromkeys(("MULTIRESPONSE", "MR"), ("multi", "vertical", False)),
    **dict.fromkeys(("MULTIRESPONSE_S", "MRS"), ("multi", "vertical", True)),
    **dict.fromkeys(("MULTIRESPONSE_H", "MRH"), ("multi", "horizontal", False)),
    **dict.fromkeys(("MULTIRESPONSE_HS", "MRHS"), ("multi", "horizontal", True)),
}


@dataclass
class Gap:
    number: int  # 1-based, in the order of the text
    type: str  # as written: "SHORTANSWER", "MCV", ...
    kind: str  # short | short_case | numerical | choice | multi
    layout: str  # text | select | vertical | horizontal
    shuffle: bool
    weight: int
    answers: list[AnswerSpec] = field(default_factory=list)


def placeholder(number: int) -> str:
    """What stands for gap `number` in the question's HTML until the page draws an input there."""
    return f"[[gap:{number}]]"


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).strip()


def _split(body: str, separator: str) -> list[str]:
    """Split on `separator` where it is not escaped with a backslash."""
    parts, current, chars = [], [], iter(body)
    for char in chars:
        if char == "\\":
            current.append(char + next(chars, ""))
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    return [*parts, "".join(current)]


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def parse_gaps(text: str) -> list[Gap]:
    """The gaps of a cloze text in order; QuestionFormatError names the line of a malformed one."""
    gaps = []
    for number, found in enumerate(_GAP.finditer(text), start=1):
        line = _line(text, found.start())
        weight, type_, body = found.groups()
        if type_ not in _TYPES:
            raise QuestionFormatError(
                line,
                f"gap {number}: unknown type {type_!r} (Moodle's are SHORTANSWER, "
                "NUMERICAL, MULTICHOICE, MULTIRESPONSE and their short forms)",
            )
        kind, layout, shuffle = _TYPES[type_]
        gap = Gap(number, type_, kind, layout, shuffle, int(weight) if weight else 1)
        gap.answers = [_answer(raw, kind, number, line) for raw in _split(body, "~")]
        if not any(a.fraction > 0 for a in gap.answers):
            raise QuestionFormatError(
                line, f"gap {number}: no answer gets credit: mark one with '=' or %100%"
            )
        gaps.append(gap)
    rest = _GAP.sub("", text)
    if stray := _LOOKS_LIKE_GAP.search(rest):
        raise QuestionFormatError(_line(rest, stray.start()), "a gap is not closed with '}'")
    if not gaps:
        raise QuestionFormatError(
            1, "a cloze question needs at least one gap, such as {1:SHORTANSWER:=answer}"
        )
    return gaps


def _answer(raw: str, kind: str, number: int, line: int) -> AnswerSpec:
    raw = raw.strip()
    fraction = 0.0
    if raw.startswith("="):
        fraction, raw = 1.0, raw[1:]
    elif raw.startswith("%"):
        percent, closed, rest = raw[1:].partition("%")
        fraction = percent_fraction(percent) if closed else None
        if fraction is None:
            raise QuestionFormatError(line, f"gap {number}: unknown weight '%{percent}%'")
        raw = rest
        if problem := moodle_grade_problem(fraction):
            raise QuestionFormatError(line, f"gap {number}: {problem}")
    text, _, feedback = _first_and_rest(raw)
    answer = AnswerSpec(_unescape(text), fraction, _unescape(feedback))
    if kind == "numerical" and answer.text != "*":
        value, _, tolerance = answer.text.partition(":")
        if not NUMBER.fullmatch(value.strip()) or (tolerance and not NUMBER.fullmatch(tolerance.strip())):
            raise QuestionFormatError(
                line, f"gap {number}: {answer.text!r} is not a number (as in =23.8:0.1)"
            )
        answer.value, answer.tolerance = float(value), abs(float(tolerance or 0))
    if not answer.text:
        raise QuestionFormatError(line, f"gap {number}: an empty answer")
    return answer


def _first_and_rest(raw: str) -> tuple[str, str, str]:
    """(answer text, '#', feedback) at the first unescaped '#'."""
    parts = _split(raw, "#")
    return parts[0], "#" if len(parts) > 1 else "", "#".join(parts[1:])


def text_with_placeholders(text: str) -> str:
    """The question text a trainee may see: each gap replaced by its placeholder."""
    counter = iter(range(1, 10_000))
    return _GAP.sub(lambda _m: placeholder(next(counter)), text)
