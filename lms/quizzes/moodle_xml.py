"""Moodle XML quiz files <-> QuestionSpec.

parse_moodle_xml reads what Moodle's "Export questions > Moodle XML format" writes (the question
types in spec.KINDS); dump_moodle_xml writes a file Moodle imports and parse_moodle_xml reads back
unchanged. Files come from users, so the XML goes through lms.safe_xml (defusedxml, DTDs forbidden):
nothing is ever expanded or fetched.
"""

import math
import re
from decimal import Decimal
from xml.etree import ElementTree as ET

from lms.quizzes.cloze import parse_gaps
from lms.quizzes.spec import (
    KINDS,
    NUMBER,
    AnswerSpec,
    QuestionFormatError,
    QuestionSpec,
    UnitSpec,
    moodle_grade_problem,
    percent_fraction,
    question_text_problem,
)
from lms.safe_xml import Element, XmlError, parse_xml

# Moodle's format names <-> ours (TEXT_FORMATS).
_FORMATS = {"html": "html", "moodle_auto_format": "moodle", "plain_text": "plain", "markdown": "markdown"}
_MOODLE_FORMATS = {ours: moodle for moodle, ours in _FORMATS.items()}
_CONTEXT = re.compile(r"\$\w+\$/")  # "$course$/", "$system$/", ... in front of a category path
# Characters XML 1.0 cannot carry, not even as &#...; (a dump containing one could not be read back).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class MoodleXmlError(QuestionFormatError):
    """A Moodle XML file we cannot import. `line` is the line of the offending element (1 if unknown)."""


def parse_moodle_xml(data: bytes | str) -> list[QuestionSpec]:
    try:
        root = parse_xml(data, "Moodle XML")
    except XmlError as error:
        raise MoodleXmlError(error.line, error.message) from None
    if root.tag != "quiz":
        raise MoodleXmlError(root.line, f"the root element must be <quiz>, not <{root.tag}>")
    questions, category = [], ""
    for el in root:
        kind = el.get("type", "")
        if el.tag != "question":
            raise MoodleXmlError(el.line, f"expected <question> inside <quiz>, found <{el.tag}>")
        if kind == "category":  # a pseudo-question: sets the category of the questions after it
            path = _CONTEXT.sub("", _text(el, "category"), count=1)
            category = "" if path == "top" else path.removeprefix("top/")
        elif kind in KINDS:
            questions.append(_question(el, kind, category))
        else:  # refuse rather than skip: a quietly shorter quiz is worse than an error
            raise MoodleXmlError(el.line, f"unsupported question type {kind!r}")
    return questions


def dump_moodle_xml(questions: list[QuestionSpec]) -> str:
    quiz = ET.Element("quiz")
    category = ""
    for q in questions:
        if q.category != category:  # a category pseudo-question only where the category changes
            category = q.category
            cat = ET.SubElement(quiz, "question", type="category")
            _add_text(cat, "category", f"$course$/top/{category}" if category else "$course$/top")
        quiz.append(_dump_question(q))
    ET.indent(quiz)
    # ElementTree writes "\r" raw and every XML parser reads that back as "\n": keep it as a reference.
    body = ET.tostring(quiz, encoding="unicode").replace("\r", "&#13;")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _text(parent: Element, tag: str) -> str:
    """The stripped text of parent's <tag><text>...</text></tag> ("" if absent); tag "." is parent."""
    holder = parent.find(tag)
    node = None if holder is None else holder.find("text")
    if node is None:
        return ""
    if len(node):  # ElementTree would keep only the text before the first child: refuse, don't truncate
        raise MoodleXmlError(node[0].line, "<text> contains XML elements: put HTML in <![CDATA[...]]>")
    return (node.text or "").strip()


def _question(el: Element, kind: str, category: str) -> QuestionSpec:
    name, text = _text(el, "name"), _text(el, "questiontext")
    if not name:
        raise MoodleXmlError(el.line, f"{kind} question without a <name>")
    if not text:
        raise MoodleXmlError(el.line, f"question {name!r} has no <questiontext>")
    fmt = el.find("questiontext").get("format", "moodle_auto_format")  # Moodle's default
    if fmt not in _FORMATS:
        raise MoodleXmlError(el.line, f"question {name!r}: unknown text format {fmt!r}")
    if problem := question_text_problem(text, _FORMATS[fmt], kind):
        raise MoodleXmlError(el.find("questiontext").line, f"question {name!r}: {problem}")
    q = QuestionSpec(kind, name, text, _FORMATS[fmt], category, general_feedback=_text(el, "generalfeedback"))

    if kind == "multichoice":
        single = (el.findtext("single") or "true").strip().lower()
        if single not in ("true", "false", "1", "0"):
            raise MoodleXmlError(el.find("single").line, f"<single> must be true or false, not {single!r}")
        q.single = single in ("true", "1")
    if kind == "matching":
        q.answers = [_pair(sub) for sub in el.findall("subquestion")]
        # A subquestion without text is one of Moodle's extra wrong answers, not a pair.
        if (pairs := sum(1 for a in q.answers if a.text)) < 3:
            raise MoodleXmlError(el.line, f"matching question {name!r} needs at least 3 pairs, has {pairs}")
    elif kind in ("multichoice", "truefalse", "shortanswer", "numerical"):  # essay answers are ignored
        q.answers = [_answer(a, kind) for a in el.findall("answer")]
        if not q.answers:
            raise MoodleXmlError(el.line, f"{kind} question {name!r} has no answers")
    if kind == "numerical":
        q.units = [_unit(unit) for unit in el.iterfind("units/unit")]
        if q.units and q.units[0].multiplier != 1.0:
            raise MoodleXmlError(
                el.line, f"numerical question {name!r}: the first unit's multiplier must be 1"
            )
    if kind == "cloze":
        try:
            parse_gaps(text)
        except QuestionFormatError as error:  # its line within the text, counted from the <text>
            raise MoodleXmlError(el.find("questiontext/text").line + error.line - 1, error.message) from None
    if kind == "truefalse" and sorted(a.text for a in q.answers) != ["false", "true"]:
        raise MoodleXmlError(el.line, f"truefalse question {name!r} needs one 'true' and one 'false' answer")
    return q


def _answer(el: Element, kind: str) -> AnswerSpec:
    percent = el.get("fraction", "0").strip()
    fraction = percent_fraction(percent)
    if fraction is None:
        raise MoodleXmlError(el.line, f"answer fraction {percent!r} is not a number from -100 to 100")
    answer = AnswerSpec(fraction=fraction, feedback=_text(el, "feedback"))
    if problem := moodle_grade_problem(answer.fraction):
        raise MoodleXmlError(el.line, f"answer fraction {percent!r}: {problem}")
    text = _text(el, ".")
    if kind == "numerical":
        # Moodle's "*" is the catch-all answer: anything else, usually with feedback and no credit.
        answer.value = None if text == "*" else _number(text, el, "numerical answer")
        answer.tolerance = _number((el.findtext("tolerance") or "0").strip(), el, "tolerance")
    elif not text:
        raise MoodleXmlError(el.line, f"{kind} answer without text")
    else:
        answer.text = text.lower() if kind == "truefalse" else text
    return answer


def _unit(el: Element) -> UnitSpec:
    name = (el.findtext("unit_name") or "").strip()
    if not name:
        raise MoodleXmlError(el.line, "<unit> without a <unit_name>")
    multiplier = _number((el.findtext("multiplier") or "1").strip(), el, "unit multiplier")
    if multiplier <= 0:
        raise MoodleXmlError(el.line, f"unit {name!r}: the multiplier must be above 0")
    return UnitSpec(name, multiplier)


def _pair(el: Element) -> AnswerSpec:
    match = _text(el, "answer")
    if not match:
        raise MoodleXmlError(el.line, "matching subquestion without an <answer>")
    return AnswerSpec(text=_text(el, "."), fraction=1.0, match=match)


def _number(text: str, el: Element, what: str) -> float:
    if not NUMBER.fullmatch(text) or not math.isfinite(value := float(text)):
        raise MoodleXmlError(el.line, f"{what} {text!r} is not a number")
    return value


def _dump_question(q: QuestionSpec) -> ET.Element:
    if q.text_format not in _MOODLE_FORMATS:
        raise ValueError(f"question {q.name!r}: unknown text format {q.text_format!r}")
    fmt = _MOODLE_FORMATS[q.text_format]
    el = ET.Element("question", type=q.kind)
    _add_text(el, "name", q.name)
    _add_text(el, "questiontext", q.text, fmt)
    if q.general_feedback:
        _add_text(el, "generalfeedback", q.general_feedback, fmt)
    if q.kind == "multichoice":
        ET.SubElement(el, "single").text = "true" if q.single else "false"
    if q.kind == "shortanswer":
        ET.SubElement(el, "usecase").text = "0"  # we always compare case-insensitively
    for a in q.answers if q.kind not in ("essay", "description") else ():
        if q.kind == "matching":
            _add_text(_add_text(el, "subquestion", a.text, fmt), "answer", a.match)
            continue
        text = a.text
        if q.kind == "numerical":
            text = "*" if a.value is None else repr(float(a.value))
        # Exact decimal shift of the shortest repr: parse gets back the very same float.
        percent = format(Decimal(repr(float(a.fraction))).scaleb(2), "f")
        answer = _add_text(el, "answer", text, fmt, fraction=percent)
        if q.kind == "numerical":
            ET.SubElement(answer, "tolerance").text = repr(float(a.tolerance))
        if a.feedback:
            _add_text(answer, "feedback", a.feedback, fmt)
    if q.units:
        units = ET.SubElement(el, "units")
        for unit in q.units:
            holder = ET.SubElement(units, "unit")
            ET.SubElement(holder, "multiplier").text = repr(float(unit.multiplier))
            ET.SubElement(holder, "unit_name").text = unit.name
        # Moodle's settings for "units are optional": a bare number is in the first unit.
        ET.SubElement(el, "unitgradingtype").text = "0"
        ET.SubElement(el, "showunits").text = "0"  # typed in the answer box, after the number
    return el


def _add_text(parent: ET.Element, tag: str, value: str, fmt: str = "", **attrs: str) -> ET.Element:
    """Add <tag format=fmt ...><text>value</text></tag> to parent and return the <tag>."""
    if _NOT_XML.search(value):
        raise ValueError(f"{value!r} contains a character XML cannot carry")
    holder = ET.SubElement(parent, tag, attrs | ({"format": fmt} if fmt else {}))
    ET.SubElement(holder, "text").text = value
    return holder
