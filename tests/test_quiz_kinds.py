"""Each question kind reads and grades as Moodle trainers expect."""

import random

import pytest
from werkzeug.datastructures import MultiDict

from lms.quizzes.kinds import kind_of
from lms.quizzes.models import Question
from lms.quizzes.numbers import legacy_number
from lms.quizzes.spec import BLANK, AnswerSpec, QuestionSpec


def make(kind, answers, single=True, text="Question?") -> Question:
    question = Question(id=7)
    question.update_from(QuestionSpec(kind=kind, name="Q", text=text, answers=answers, single=single))
    return question


def grade(question, **form):
    kind = kind_of(question)
    order = list(range(len(question.answers)))  # identity: positions are answer indexes
    value = kind.read(question, MultiDict(form), order)
    return kind.grade(question, value)


def test_multichoice_single_answer():
    q = make("multichoice", [AnswerSpec("nothing", 1.0, "Yes!"), AnswerSpec("lots", 0.0, "No.")])
    assert grade(q, q7="0") == 1.0
    assert grade(q, q7="1") == 0.0
    assert grade(q) == 0.0
    assert kind_of(q).chosen_feedback(q, [1]) == ["No."]


def test_multichoice_several_answers_partial_and_never_below_zero():
    q = make(
        "multichoice",
        [AnswerSpec("a", 0.5), AnswerSpec("b", 0.5), AnswerSpec("c", -1.0), AnswerSpec("d", -0.5)],
        single=False,
    )
    assert grade(q, q7=["0", "1"]) == 1.0
    assert grade(q, q7=["0"]) == 0.5
    assert grade(q, q7=["0", "3"]) == 0.0
    assert grade(q, q7=["0", "1", "2", "3"]) == 0.0  # -0.5 clipped to 0
    assert grade(q, q7=["0", "1", "1"]) == 1.0  # a position sent twice counts once


@pytest.mark.parametrize("forged", ["9", "-1", "x", "0 OR 1"])
def test_forged_choice_values_are_ignored(forged):
    q = make("multichoice", [AnswerSpec("a", 1.0), AnswerSpec("b", 0.0)])
    assert grade(q, q7=forged) == 0.0


def test_truefalse():
    q = make("truefalse", [AnswerSpec("true", 0.0, "It is false."), AnswerSpec("false", 1.0, "Right.")])
    assert grade(q, q7="1") == 1.0 and grade(q, q7="0") == 0.0
    assert kind_of(q).right_answer(q) == "false"


def test_shortanswer_is_case_and_space_insensitive_with_partial_credit():
    q = make(
        "shortanswer",
        [AnswerSpec("Business Model Canvas", 1.0), AnswerSpec("canvas", 0.5), AnswerSpec("Καμβάς", 1.0)],
    )
    assert grade(q, q7="  business   model canvas ") == 1.0
    assert grade(q, q7="CANVAS") == 0.5
    assert grade(q, q7="ΚΑΜΒΆΣ") == 1.0
    assert grade(q, q7="lean canvas") == 0.0


def test_numerical_tolerance_ranges_commas_and_partial_credit():
    q = make(
        "numerical",
        [
            AnswerSpec(value=3.0, tolerance=0.5, fraction=1.0),
            AnswerSpec(value=3.0, tolerance=1.0, fraction=0.5),
        ],
    )
    assert grade(q, q7="3.4") == 1.0
    assert grade(q, q7="3,4") == 1.0  # a Greek keyboard's decimal comma
    assert grade(q, q7="3.9") == 0.5
    assert grade(q, q7="5") == 0.0
    assert grade(q, q7="three") == 0.0
    assert grade(q, q7="nan") == 0.0 and grade(q, q7="inf") == 0.0
    assert legacy_number(" 1 200 ") == 1200 and legacy_number("nan") is None and legacy_number("inf") is None


def test_matching_gives_credit_per_pair():
    q = make(
        "matching",
        [
            AnswerSpec("Greece", 1.0, match="Athens"),
            AnswerSpec("Serbia", 1.0, match="Belgrade"),
            AnswerSpec("Bulgaria", 1.0, match="Sofia"),
        ],
    )
    assert grade(q, q7_0="0", q7_1="1", q7_2="2") == 1.0
    assert grade(q, q7_0="0", q7_1="2", q7_2="1") == pytest.approx(1 / 3)
    assert grade(q) == 0.0
    # Review ticks each of the trainee's matches: only Greece → Athens is right here.
    assert kind_of(q).verdicts(q, [0, 1, 2], {"0": 0, "1": 2, "2": 1}) == {
        "rows": {0: True, 1: False, 2: False}
    }


def test_multichoice_verdicts_follow_the_screen_order():
    q = make("multichoice", [AnswerSpec("right", 1.0), AnswerSpec("wrong", 0.0), AnswerSpec("half", 0.5)])
    assert kind_of(q).verdicts(q, [1, 2, 0], None) == {"options": [False, True, True]}


def test_matching_choices_are_shuffled_and_listed_once():
    q = make(
        "matching",
        [AnswerSpec("a", 1.0, match="x"), AnswerSpec("b", 1.0, match="x"), AnswerSpec("c", 1.0, match="y")],
    )
    kind = kind_of(q)
    order = kind.answer_order(q, random.Random(1), shuffle=False)
    assert sorted(order) == [0, 1, 2]
    rows = kind.display(q, order, None)["rows"]
    assert [len(row["choices"]) for row in rows] == [2, 2, 2]


def test_missing_word_is_shown_inline():
    q = make(
        "multichoice",
        [AnswerSpec("nothing", 1.0), AnswerSpec("lots", 0.0)],
        text=f"Moodle costs {BLANK} to download.",
    )
    data = kind_of(q).display(q, [0, 1], None)
    assert data["blank"] and "Moodle costs" in data["before"] and "to download." in data["after"]


def test_essay_waits_for_a_trainer_and_description_is_not_graded():
    essay = make("essay", [])
    assert grade(essay, q7="My plan") is None
    assert grade(essay) == 0.0  # nothing written: nothing to grade by hand
    description = make("description", [])
    assert not kind_of(description).has_input and description.is_graded is False


def test_answer_order_is_stable_for_a_seed_and_shuffled_across_seeds():
    q = make("multichoice", [AnswerSpec(str(i), 1.0 if i == 0 else 0.0) for i in range(6)])
    kind = kind_of(q)
    first = kind.answer_order(q, random.Random("a"), shuffle=True)
    assert first == kind.answer_order(q, random.Random("a"), shuffle=True)
    orders = {tuple(kind.answer_order(q, random.Random(seed), shuffle=True)) for seed in range(20)}
    assert len(orders) > 1
    assert kind.answer_order(q, random.Random("a"), shuffle=False) == list(range(6))


def test_plain_text_questions_are_escaped():
    q = Question(id=1)
    q.update_from(QuestionSpec(kind="essay", name="Q", text="<b>not bold</b> *not em*", text_format="plain"))
    assert "&lt;b&gt;" in q.text_html and "<b>" not in q.text_html
