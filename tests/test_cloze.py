"""Embedded answers (Moodle's Cloze): read as Moodle writes them, graded gap by gap, no answer in the page."""

import re

import pytest
from werkzeug.datastructures import MultiDict

from lms.db import db
from lms.quizzes import services as quiz
from lms.quizzes.cloze import parse_gaps
from lms.quizzes.gift import dump_gift
from lms.quizzes.kinds import kind_of
from lms.quizzes.models import Attempt, Question
from lms.quizzes.moodle_xml import MoodleXmlError, dump_moodle_xml, parse_moodle_xml
from lms.quizzes.spec import QuestionFormatError
from tests.conftest import csrf_token
from tests.test_quizzes import _start

pytest_plugins = ["tests.test_quizzes"]  # its make_quiz and trainee_in fixtures

SECRET = "Thessaloniki-5521"
TEXT = (
    "<p>The second city of Greece is {1:SHORTANSWER:="
    + SECRET
    + "#Right~%50%Salonica#Its old name~*#No}.</p>\n"
    "<p>{2:MULTICHOICE:Sofia#No~=Skopje#Yes~Tirana} is the capital of North Macedonia; "
    "Serres is {1:NM:=70:5#About right} km from there by air; pick the EU members: "
    "{2:MRH:%50%Greece~%50%Bulgaria~%-50%Serbia}.</p>"
)
XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="cloze">
    <name><text>Balkan facts</text></name>
    <questiontext format="html">
      <text><![CDATA[{TEXT}]]></text>
    </questiontext>
    <generalfeedback format="html"><text>Well read.</text></generalfeedback>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
  </question>
</quiz>
"""


def cloze() -> Question:
    question = Question(id=5)
    question.update_from(parse_moodle_xml(XML)[0])
    return question


def test_moodle_cloze_xml_is_read_and_round_trips():
    [spec] = parse_moodle_xml(XML)
    assert spec.kind == "cloze" and spec.text == TEXT and spec.general_feedback == "Well read."
    assert parse_moodle_xml(dump_moodle_xml([spec])) == [spec]
    gaps = parse_gaps(spec.text)
    assert [(g.kind, g.layout, g.weight) for g in gaps] == [
        ("short", "text", 1),
        ("choice", "select", 2),
        ("numerical", "text", 1),
        ("multi", "horizontal", 2),
    ]
    with pytest.raises(ValueError, match="no GIFT form"):
        dump_gift([spec])


def test_the_page_text_has_placeholders_not_answers():
    question = cloze()
    assert SECRET not in question.text_html and "Salonica" not in question.text_html
    assert question.text_html.count("[[gap:") == 4


def grade(question, **form):
    kind = kind_of(question)
    order = kind.answer_order(question, None, False)
    return kind.grade(question, kind.read(question, MultiDict(form), order))


def test_each_gap_counts_by_its_weight():
    q = cloze()
    everything = {"q5_1": SECRET.lower(), "q5_2": "1", "q5_3": "72", "q5_4": ["0", "1"]}
    assert grade(q, **everything) == 1.0
    assert grade(q) == 0.0
    # weights 1, 2, 1, 2 out of 6: the drop-down alone is a third
    assert grade(q, q5_2="1") == pytest.approx(2 / 6)
    assert grade(q, **{**everything, "q5_1": "Salonica"}) == pytest.approx(5.5 / 6)
    assert grade(q, **{**everything, "q5_3": "90"}) == pytest.approx(5 / 6)
    assert grade(q, **{**everything, "q5_4": ["0", "2"]}) == pytest.approx(4 / 6)  # 50 % - 50 % = 0
    assert grade(q, **{**everything, "q5_2": "7"}) == pytest.approx(4 / 6)  # a forged position counts nothing


def test_feedback_and_right_answers_per_gap():
    q = cloze()
    kind = kind_of(q)
    value = kind.read(q, MultiDict({"q5_1": "Patras", "q5_2": "0"}), kind.answer_order(q, None, False))
    assert kind.chosen_feedback(q, value) == ["No", "No"]
    assert kind.right_answer(q) == f"1: {SECRET}; 2: Skopje; 3: 70; 4: Greece, Bulgaria"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("No gap here.", "at least one gap"),
        ("A {1:LONGANSWER:=x} gap", "unknown type 'LONGANSWER'"),
        ("Line one\nA {1:MC:a~b} gap", "no answer gets credit"),
        ("A {1:SA:=x~%33%y} gap", "nearest is 33.33333 %"),
        ("A {1:NM:=seven} gap", "is not a number"),
        ("A {1:SA:=x} and {2:SA:=y gap", "not closed"),
    ],
)
def test_malformed_gaps_are_named(text, words):
    with pytest.raises(QuestionFormatError) as caught:
        parse_gaps(text)
    assert words in caught.value.message
    assert caught.value.line == (2 if text.startswith("Line one") else 1)


def test_a_malformed_gap_in_xml_names_its_line():
    broken = XML.replace("{1:NM:=70:5#About right}", "{1:NM:=seventy}")
    with pytest.raises(MoodleXmlError) as caught:
        parse_moodle_xml(broken)
    assert caught.value.line == 7 and "gap 3" in caught.value.message


@pytest.fixture
def cloze_quiz(make_quiz):
    activity = make_quiz(questions=[], random=[{"category": "Cloze", "count": 1}])
    quiz.import_questions(activity.module.course, parse_moodle_xml(XML), "Cloze")
    db.session.commit()
    return activity


def test_a_trainee_answers_every_gap_and_sees_no_answer_before_the_review(client, cloze_quiz, trainee_in):
    trainee_in(cloze_quiz)
    attempt_id = _start(client, cloze_quiz)
    page = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    qid = db.session.get(Attempt, attempt_id).question_ids()[0]
    assert SECRET not in page and "Salonica" not in page and "About right" not in page
    for n in (1, 2, 3, 4):
        assert re.search(rf'name="q{qid}_{n}"', page), n
    token = csrf_token(client, "/")
    answers = {f"q{qid}_1": SECRET, f"q{qid}_2": _position(page, qid, 2, "Skopje"), f"q{qid}_3": "70"}
    answers[f"q{qid}_4"] = [_position(page, qid, 4, "Greece"), _position(page, qid, 4, "Bulgaria")]
    data = MultiDict({"csrf_token": token, "page": "0", "go": "finish"})
    for name, value in answers.items():
        for one in value if isinstance(value, list) else [value]:
            data.add(name, one)
    assert client.post(f"/quizzes/attempts/{attempt_id}", data=data).status_code == 302
    client.post(f"/quizzes/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, "/")})
    assert db.session.get(Attempt, attempt_id).score == 100.0
    review = client.get(f"/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    assert re.search(rf'name="q{qid}_1" value="{SECRET}"[^>]*disabled', review)


def _position(page, qid, gap, text):
    pattern = rf'name="q{qid}_{gap}"[^>]*?value="(\d+)"[^>]*>\s*<span>{text}</span>'
    found = re.search(pattern, page) or re.search(rf'<option value="(\d+)"[^>]*>{text}</option>', page)
    return found.group(1)


def test_a_cloze_question_is_corrected_as_moodle_xml(client, cloze_quiz, login_as):
    trainer = cloze_quiz.module.course.trainers[0]
    from tests.conftest import login

    login(client, trainer.email)
    question = db.session.scalar(db.select(Question).where(Question.kind == "cloze"))
    page = client.get(f"/quizzes/questions/{question.id}").get_data(as_text=True)
    assert "type=&#34;cloze&#34;" in page or 'type="cloze"' in page
