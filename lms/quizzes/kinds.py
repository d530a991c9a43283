"""The registry of question kinds: one class per kind says how to lay out, read and grade a question.

A new kind is one class here, one template in templates/quizzes/kinds/, and its tests.

Form values never name an answer: a choice is sent as its position on the trainee's screen, and the
attempt's layout maps positions back to answers. So no page, data attribute or autosave response
carries anything that tells a right answer from a wrong one.
"""

import random
import re

from flask import has_request_context

from lms.quizzes.cloze import Gap, parse_gaps
from lms.quizzes.numbers import Reading, Unit, legacy_number, read_number, show_number
from lms.quizzes.spec import BLANK

KINDS: dict[str, "Kind"] = {}


def register(cls):
    KINDS[cls.name] = cls()
    return cls


def kind_of(question) -> "Kind":
    return KINDS[question.kind]


def _clip(fraction: float) -> float:
    """A question's grade is never below 0 nor above full marks, whatever the weights add up to."""
    return max(0.0, min(1.0, fraction))


def _position_map(order: list[int], raw: str | None) -> int | None:
    """The answer index behind a displayed position, or None for a missing or forged value."""
    if raw is None or not str(raw).isdigit():
        return None
    position = int(raw)
    return order[position] if position < len(order) else None


class Kind:
    name = ""
    graded_automatically = True
    has_input = True

    def answer_order(self, question, rng: random.Random, shuffle: bool) -> list[int]:
        order = list(range(len(question.answers)))
        if shuffle:
            rng.shuffle(order)
        return order

    def read(self, question, form, order: list[int]):
        """The response from submitted form data (a werkzeug MultiDict); None when left blank."""
        raise NotImplementedError

    def grade(self, question, value) -> float | None:
        raise NotImplementedError

    def chosen_feedback(self, question, value) -> list[str]:
        return []

    def right_answer(self, question) -> str:
        return ""

    def display(self, question, order: list[int], value) -> dict:
        """What the template needs to draw the inputs, with the trainee's response filled in."""
        return {}

    def verdicts(self, question, order: list[int], value) -> dict:
        """For review only (never the attempt page): which shown options are right ('options', by screen
        position) or which of the trainee's matches are right ('rows', by row index)."""
        return {}


def field(question) -> str:
    return f"q{question.id}"


@register
class MultiChoice(Kind):
    name = "multichoice"

    def read(self, question, form, order):
        if question.single:
            chosen = _position_map(order, form.get(field(question)))
            return None if chosen is None else [chosen]
        chosen = sorted(
            {c for raw in form.getlist(field(question)) if (c := _position_map(order, raw)) is not None}
        )
        return chosen or None

    def grade(self, question, value):
        if not value:
            return 0.0
        return _clip(sum(question.answers[i]["fraction"] for i in value if i < len(question.answers)))

    def chosen_feedback(self, question, value):
        return [question.answers[i]["feedback"] for i in value or [] if question.answers[i]["feedback"]]

    def right_answer(self, question):
        best = [a["text"] for a in question.answers if a["fraction"] > 0]
        return ", ".join(best)

    def verdicts(self, question, order, value):
        return {"options": [question.answers[index]["fraction"] > 0 for index in order]}

    def display(self, question, order, value):
        chosen = set(value or [])
        options = [
            {"position": position, "text": question.answers[index]["text"], "checked": index in chosen}
            for position, index in enumerate(order)
        ]
        if BLANK in question.text:
            before, _, after = question.text_html.partition(BLANK)
            return {"options": options, "blank": True, "before": before, "after": after}
        return {"options": options, "blank": False}


@register
class TrueFalse(MultiChoice):
    name = "truefalse"

    def answer_order(self, question, rng, shuffle):
        return list(range(len(question.answers)))  # always True, then False

    def display(self, question, order, value):
        data = super().display(question, order, value)
        for option in data["options"]:
            option["label"] = option["text"]  # "true"/"false", translated in the template
        return data


def normalise_text(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip().casefold()


@register
class ShortAnswer(Kind):
    name = "shortanswer"

    def answer_order(self, question, rng, shuffle):
        return []

    def read(self, question, form, order):
        text = (form.get(field(question)) or "").strip()[:500]
        return text or None

    def _matches(self, question, value):
        return [a for a in question.answers if normalise_text(a["text"]) == normalise_text(value)]

    def grade(self, question, value):
        if not value:
            return 0.0
        return _clip(max((a["fraction"] for a in self._matches(question, value)), default=0.0))

    def chosen_feedback(self, question, value):
        return [a["feedback"] for a in self._matches(question, value or "") if a["feedback"]][:1]

    def right_answer(self, question):
        return ", ".join(a["text"] for a in question.answers if a["fraction"] >= 1.0)

    def display(self, question, order, value):
        return {"value": value or ""}


def answer_locale() -> str:
    """The language of the page the trainee answers on: numbers are read with its decimal mark."""
    if has_request_context():
        from flask_babel import get_locale

        return str(get_locale() or "en")
    return "en"


@register
class Numerical(ShortAnswer):
    """A number, read in the language the trainee answered in, optionally with a declared unit.

    Responses are stored as {"text": typed text, "locale": the page's language}; a plain string is an
    answer saved before locales were recorded, and is read as it was then.
    """

    name = "numerical"

    def read(self, question, form, order):
        text = (form.get(field(question)) or "").strip()[:50]
        return {"text": text, "locale": answer_locale()} if text else None

    def reading(self, question, value) -> Reading | None:
        if not value:
            return None
        if isinstance(value, str):
            number = legacy_number(value)
            return Reading(value, number, "", number, problem="" if number is not None else "not-a-number")
        units = [Unit(u["name"], u["multiplier"]) for u in question.units or []]
        return read_number(value["text"], value["locale"], units)

    def _matches(self, question, value):
        reading = self.reading(question, value)
        if reading is None or reading.value is None:
            return []
        hits = [
            a
            for a in question.answers
            if a["value"] is not None and abs(reading.value - a["value"]) <= a["tolerance"] + 1e-9
        ]
        if not hits:  # Moodle's "*" answer: anything else that is a number
            hits = [a for a in question.answers if a["value"] is None]
        return sorted(hits, key=lambda a: -a["fraction"])

    def right_answer(self, question):
        unit = f" {question.units[0]['name']}" if question.units else ""

        def show(answer):
            value = f"{answer['value']:g}"
            return (f"{value} ± {answer['tolerance']:g}" if answer["tolerance"] else value) + unit

        return ", ".join(show(a) for a in question.answers if a["fraction"] >= 1.0 and a["value"] is not None)

    def display(self, question, order, value):
        reading = self.reading(question, value)
        if reading is None:
            return {"value": ""}
        return {"value": reading.text, "reading": describe_reading(reading, answer_locale())}


def describe_reading(reading: Reading, locale: str) -> str:
    """How the page says a typed number was read: only when it was not plain, so it never nags."""
    from flask_babel import gettext

    if reading.problem == "not-a-number":
        return gettext("This is not read as a number.")
    shown = show_number(reading.number, locale)
    if reading.problem == "unknown-unit":
        return gettext(
            "Read as %(number)s, but %(unit)s is not a unit this question takes.",
            number=shown,
            unit=reading.unit,
        )
    if reading.unit:
        return gettext("Read as %(number)s %(unit)s.", number=shown, unit=reading.unit)
    if reading.ambiguous:
        return gettext("Read as %(number)s.", number=shown)
    return ""


@register
class Matching(Kind):
    name = "matching"

    def _pairs(self, question):
        return [(i, a) for i, a in enumerate(question.answers) if a["text"]]

    def answer_order(self, question, rng, shuffle):
        # The choices in each drop-down are always shuffled, or the pairs would give themselves away.
        order = list(range(len(question.answers)))
        rng.shuffle(order)
        return order

    def read(self, question, form, order):
        value = {}
        for i, _answer in self._pairs(question):
            chosen = _position_map(order, form.get(f"{field(question)}_{i}"))
            if chosen is not None:
                value[str(i)] = chosen
        return value or None

    def grade(self, question, value):
        pairs = self._pairs(question)
        if not value or not pairs:
            return 0.0
        answers = question.answers
        right = sum(
            1
            for i, answer in pairs
            if str(i) in value
            and value[str(i)] < len(answers)
            and answers[value[str(i)]]["match"] == answer["match"]
        )
        return right / len(pairs)

    def right_answer(self, question):
        return "; ".join(f"{a['text']} → {a['match']}" for _i, a in self._pairs(question))

    def verdicts(self, question, order, value):
        value, answers = value or {}, question.answers
        return {
            "rows": {
                i: str(i) in value
                and value[str(i)] < len(answers)
                and answers[value[str(i)]]["match"] == answer["match"]
                for i, answer in self._pairs(question)
            }
        }

    def display(self, question, order, value):
        value = value or {}
        seen, choices = set(), []
        for position, index in enumerate(order):
            match = question.answers[index]["match"]
            if match not in seen:  # the same right side twice would show twice
                seen.add(match)
                choices.append({"position": position, "text": match, "index": index})
        rows = []
        for i, answer in self._pairs(question):
            chosen = value.get(str(i))
            chosen_match = question.answers[chosen]["match"] if chosen is not None else None
            rows.append(
                {
                    "index": i,
                    "text": answer["text"],
                    "choices": [dict(c, selected=c["text"] == chosen_match) for c in choices],
                }
            )
        return {"rows": rows}


@register
class Essay(ShortAnswer):
    name = "essay"
    graded_automatically = False

    def read(self, question, form, order):
        text = (form.get(field(question)) or "").strip()[:50_000]
        return text or None

    def grade(self, question, value):
        return None if value else 0.0  # a trainer grades what was written; nothing written gets 0

    def chosen_feedback(self, question, value):
        return []

    def right_answer(self, question):
        return ""


@register
class Description(Kind):
    name = "description"
    has_input = False

    def answer_order(self, question, rng, shuffle):
        return []

    def read(self, question, form, order):
        return None

    def grade(self, question, value):
        return None


@register
class Cloze(Kind):
    """Embedded answers (lms.quizzes.cloze): one input per gap, graded gap by gap by its weight.

    Responses are {gap number: value}: text for a short answer, {"text", "locale"} for a number, the
    answer's index for a choice, a list of indexes for several choices. The layout's order is
    {gap number: display order of its choices}.
    """

    name = "cloze"

    def gaps(self, question) -> list[Gap]:
        return parse_gaps(question.text)

    def answer_order(self, question, rng, shuffle):
        orders = {}
        for gap in self.gaps(question):
            if gap.kind in ("choice", "multi"):
                order = list(range(len(gap.answers)))
                if gap.shuffle:
                    rng.shuffle(order)
                orders[str(gap.number)] = order
        return orders

    def read(self, question, form, order):
        value = {}
        for gap in self.gaps(question):
            name, key = f"{field(question)}_{gap.number}", str(gap.number)
            if gap.kind == "multi":
                chosen = [_position_map(order.get(key, []), raw) for raw in form.getlist(name)]
                if picked := sorted({index for index in chosen if index is not None}):
                    value[key] = picked
            elif gap.kind == "choice":
                if (index := _position_map(order.get(key, []), form.get(name))) is not None:
                    value[key] = index
            elif text := (form.get(name) or "").strip()[:200]:
                value[key] = {"text": text, "locale": answer_locale()} if gap.kind == "numerical" else text
        return value or None

    def _chosen(self, gap: Gap, value) -> list[dict]:
        """The answers a gap's response matches, best first ("*" answers anything else)."""
        if value is None:
            return []
        if gap.kind == "multi":
            return [gap.answers[i] for i in value if i < len(gap.answers)]
        if gap.kind == "choice":
            return [gap.answers[value]] if value < len(gap.answers) else []
        if gap.kind == "numerical":
            number = read_number(value["text"], value["locale"]).value
            hits = [
                a
                for a in gap.answers
                if a.value is not None and number is not None and abs(number - a.value) <= a.tolerance + 1e-9
            ]
        else:
            same = (
                (lambda a, b: a == b)
                if gap.kind == "short_case"
                else (lambda a, b: normalise_text(a) == normalise_text(b))
            )
            hits = [a for a in gap.answers if a.text != "*" and same(a.text, value)]
        hits = hits or [a for a in gap.answers if a.text == "*"]
        return sorted(hits, key=lambda a: -a.fraction)[:1]

    def gap_fraction(self, gap: Gap, value) -> float:
        chosen = self._chosen(gap, value)
        if gap.kind == "multi":
            return _clip(sum(a.fraction for a in chosen))
        return _clip(chosen[0].fraction) if chosen else 0.0

    def grade(self, question, value):
        gaps, value = self.gaps(question), value or {}
        total = sum(gap.weight for gap in gaps)
        scored = sum(gap.weight * self.gap_fraction(gap, value.get(str(gap.number))) for gap in gaps)
        return _clip(scored / total) if total else 0.0

    def chosen_feedback(self, question, value):
        value = value or {}
        return [
            a.feedback
            for gap in self.gaps(question)
            for a in self._chosen(gap, value.get(str(gap.number)))
            if a.feedback
        ]

    def right_answer(self, question):
        def right(gap):
            best = [a for a in gap.answers if a.fraction > 0]
            if gap.kind == "multi":
                return ", ".join(a.text for a in best)
            top = max(best, key=lambda a: a.fraction)
            return f"{top.value:g}" if gap.kind == "numerical" else top.text

        return "; ".join(f"{gap.number}: {right(gap)}" for gap in self.gaps(question))

    def display(self, question, order, value):
        value, order = value or {}, order or {}
        gaps = {gap.number: gap for gap in self.gaps(question)}
        segments = []
        for i, part in enumerate(re.split(r"\[\[gap:(\d+)\]\]", question.text_html)):
            if i % 2 == 0:
                segments.append({"html": part})
                continue
            gap = gaps[int(part)]
            given = value.get(part)
            item = {"gap": gap.number, "name": f"{field(question)}_{gap.number}", "layout": gap.layout}
            if gap.kind in ("choice", "multi"):
                picked = set(given if isinstance(given, list) else [] if given is None else [given])
                item["multiple"] = gap.kind == "multi"
                item["options"] = [
                    {"position": p, "text": gap.answers[index].text, "checked": index in picked}
                    for p, index in enumerate(order.get(part, range(len(gap.answers))))
                ]
            else:
                item["value"] = given["text"] if isinstance(given, dict) else given or ""
                item["numerical"] = gap.kind == "numerical"
            segments.append(item)
        return {"segments": segments}
