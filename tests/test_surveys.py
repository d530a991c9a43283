"""Feedback surveys: packages, answering once, anonymity, results, exports, completion, authoring."""

import io

import pytest
from sqlalchemy import func, inspect, select, text

from lms.courses.models import Enrolment
from lms.courses.package import PackageError, package_files, parse_package
from lms.courses.transfer import export_course, import_course
from lms.db import db
from lms.progress.models import Completion
from lms.surveys import services as surveys
from lms.surveys.models import SurveyParticipation, SurveyResponse
from lms.surveys.spec import Survey, parse_survey, survey_toml
from tests.conftest import csrf_token, login
from tests.test_courses import QueryCounter

COURSE_TOML = (
    'slug = "feedback"\ntitle = "Feedback"\nsummary = "Tell us."\nlanguage = "el"\ncategory = "startup"\n'
    'hours = 2\ntrainers = []\npublished = true\n\n[completion]\nactivities = "all"\nmin_grade = 0\n'
    "min_attendance = 0\n"
)
SURVEY = """title = "Πώς ήταν το μάθημα;"
anonymous = true
intro = '''
Πείτε μας **ειλικρινά** τη γνώμη σας.
'''

[[questions]]
key = "overall"
kind = "rating"
text = "Συνολικά, πόσο ικανοποιημένοι είστε;"

[[questions]]
key = "best"
kind = "choice"
text = "Τι σας βοήθησε περισσότερο;"
choices = ["Μαθήματα", "Κουίζ", "Τάξεις"]

[[questions]]
key = "recommend"
kind = "yes_no"
text = "Θα το προτείνατε;"

[[questions]]
key = "comments"
kind = "text"
text = "Κάτι άλλο;"
required = false
"""


def _files(survey=SURVEY):
    return {
        "course.toml": COURSE_TOML.encode(),
        "01-end/module.toml": b'title = "End"\n',
        "01-end/01-how-was-it.survey.toml": survey.encode(),
    }


def _course(survey=SURVEY):
    course, _ = import_course(parse_package(_files(survey)))
    db.session.commit()
    return course, course.activities()[0]


def test_a_survey_round_trips_through_a_package_byte_for_byte(app):
    course, activity = _course()
    assert activity.kind == "survey" and activity.title == "Πώς ήταν το μάθημα;"
    survey = surveys.survey_of(activity)
    assert [q.kind for q in survey.questions] == ["rating", "choice", "yes_no", "text"]
    assert survey.anonymous and not survey.questions[3].required
    assert "<strong>ειλικρινά</strong>" in activity.body_html
    assert package_files(export_course(course)) == _files()


def test_the_writer_gives_the_same_bytes_for_what_it_wrote():
    parsed, problems = parse_survey(SURVEY)
    assert problems == []
    assert survey_toml(parsed["title"], parsed["survey"]) == SURVEY


def test_a_survey_changed_in_the_browser_is_written_anew_and_reads_back(app, create_user):
    course, activity = _course()
    survey = surveys.survey_of(activity)
    survey.questions.pop(1)
    surveys.update_survey(activity, survey, create_user("trainer"), title='Say "hi"', published=False)
    db.session.commit()
    files = package_files(export_course(course))
    again = parse_package(files)
    assert again.modules[0].activities[0].title == 'Say "hi"'
    assert not again.modules[0].activities[0].published
    assert files == package_files(export_course(import_course(again)[0]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('kind = "rating"', 'kind = "stars"'), "line 7: question 1: kind must be one of"),
        (('choices = ["Μαθήματα", "Κουίζ", "Τάξεις"]', 'choices = ["Μόνο"]'), "choice question needs 2"),
        (('key = "best"', 'key = "overall"'), "two questions share the key 'overall'"),
        (("anonymous = true", "anonymous = 1"), "line 2: anonymous must be true or false"),
        (("title =", "titel ="), "unknown key 'titel'"),
        (("[[questions]]\nkey", "[[questions]\nkey"), "invalid TOML"),
    ],
)
def test_a_bad_survey_file_names_the_problem(app, change, message):
    with pytest.raises(PackageError) as error:
        parse_package(_files(SURVEY.replace(*change, 1)))
    assert "01-end/01-how-was-it.survey.toml" in str(error.value)
    assert message in str(error.value)


@pytest.fixture
def setup(app, create_user):
    course, activity = _course()
    trainees = [create_user("trainee", name=f"Trainee {n}") for n in range(3)]
    for trainee in trainees:
        db.session.add(Enrolment(course=course, user=trainee))
    trainer = create_user("trainer")
    course.trainers.append(trainer)
    db.session.commit()
    return course, activity, trainees, trainer


def _answer(client, activity, **answers):
    url = f"/courses/{activity.module.course.slug}/learn/{activity.module.slug}/{activity.slug}"
    data = {"csrf_token": csrf_token(client, url), **{f"q-{k}": v for k, v in answers.items()}}
    return client.post(f"/surveys/{activity.id}/answer", data=data)


GOOD = {"overall": "5", "best": "Κουίζ", "recommend": "yes", "comments": "Πολύ καλό"}


def test_the_page_says_it_is_anonymous_before_answering(client, setup):
    course, activity, (eleni, *_), _trainer = setup
    login(client, eleni.email)
    page = client.get(f"/courses/{course.slug}/learn/end/{activity.slug}").get_data(as_text=True)
    assert "Anonymous survey." in page and "Send my answers" in page
    assert page.index("Anonymous survey.") < page.index("Send my answers")


def test_answering_completes_the_survey_and_a_double_submit_keeps_one_response(client, setup):
    course, activity, (eleni, *_), _trainer = setup
    login(client, eleni.email)
    assert _answer(client, activity, **GOOD).status_code == 302
    again = _answer(client, activity, **{**GOOD, "overall": "1"})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert db.session.scalar(select(SurveyResponse.answers))["overall"] == 5
    done = db.session.scalar(select(Completion).where(Completion.user_id == eleni.id))
    assert done is not None and done.activity_id == activity.id
    page = client.get(f"/courses/{course.slug}/learn/end/{activity.slug}").get_data(as_text=True)
    assert "You have answered this survey" in page and "Send my answers" not in page


def test_a_missing_answer_keeps_what_was_typed(client, setup):
    _course, activity, (eleni, *_), _trainer = setup
    login(client, eleni.email)
    response = _answer(client, activity, overall="4", comments="Το κράτησα")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count("Please answer this question.") == 2  # best and recommend
    assert "Το κράτησα" in page and 'value="4" checked' in page
    assert db.session.scalar(select(func.count()).select_from(SurveyParticipation)) == 0


def test_an_answer_not_offered_is_refused(client, setup):
    _course, activity, (eleni, *_), _trainer = setup
    login(client, eleni.email)
    response = _answer(client, activity, **{**GOOD, "overall": "9", "best": "Something else"})
    assert response.status_code == 400
    assert response.get_data(as_text=True).count("Choose one of the answers offered.") == 2


def test_anonymous_answers_lead_to_nobody(app, setup):
    """No column of an answer names, times or numbers it; the answered rows cannot be matched to the
    answers by order either: the answers are stored in the order of their random ids."""
    _course, activity, trainees, _trainer = setup
    for number, trainee in enumerate(trainees, start=1):
        surveys.submit_response(activity, trainee.id, {"overall": number})
        db.session.commit()
    columns = {c["name"] for c in inspect(db.engine).get_columns("survey_responses")}
    assert columns == {"id", "activity_id", "context", "user_id", "answers"}
    rows = db.session.execute(select(SurveyResponse.user_id, SurveyResponse.id)).all()
    assert all(user_id is None for user_id, _id in rows)
    assert len({len(i) for _u, i in rows}) == 1 and not any(i.isdigit() for _u, i in rows)
    stored = [r[0] for r in db.session.execute(text("SELECT id FROM survey_responses")).all()]
    if db.engine.dialect.name == "sqlite":  # a table without rowid is kept in primary-key order
        assert stored == sorted(stored)
    assert "created_at" not in {c["name"] for c in inspect(db.engine).get_columns("survey_participations")}
    assert {c["name"] for c in inspect(db.engine).get_columns("survey_participations")} == {
        "activity_id",
        "context",
        "user_id",
    }


def test_named_answers_store_the_trainee(app, setup, create_user):
    _course, activity, (eleni, *_), trainer = setup
    survey = surveys.survey_of(activity)
    survey.anonymous = False
    surveys.update_survey(activity, survey, trainer)
    surveys.submit_response(activity, eleni.id, {"overall": 3})
    db.session.commit()
    assert db.session.scalar(select(SurveyResponse.user_id)) == eleni.id
    survey.anonymous = True
    with pytest.raises(surveys.SurveyError):  # they were told their name is kept; it stays so
        surveys.update_survey(activity, survey, trainer)


def test_results_show_a_chart_per_question_and_the_free_texts_in_constant_queries(client, setup, create_user):
    course, activity, trainees, trainer = setup
    login(client, trainer.email)
    url = f"/surveys/{activity.id}/results"
    counts = []
    for number in range(12):
        if number in (1, 11):
            with QueryCounter(db.engine) as counter:
                page = client.get(url).get_data(as_text=True)
            counts.append(counter.count)
        trainee = create_user("trainee")
        answers = {
            "overall": 1 + number % 5,
            "best": "Τάξεις",
            "recommend": "no",
            "comments": f"σχόλιο {number}",
        }
        surveys.submit_response(activity, trainee.id, answers)
        db.session.commit()
    assert counts[0] == counts[1]
    assert page.count('<figure class="chart">') == 3  # rating, choice, yes/no
    assert "σχόλιο 10" in page and "Mean 2.82 of 5" in page  # 31 / 11


def test_results_figures_by_hand(app, setup):
    """Ratings 5, 4, 4, 2: mean 3.75, 3 of 4 gave 4 or 5 = 75%."""
    from lms.surveys.queries import load_responses, summarise

    _course, activity, trainees, _trainer = setup
    for user_id, rating in zip([t.id for t in trainees] + [None], (5, 4, 2, 4), strict=True):
        if user_id is None:
            db.session.add(SurveyResponse(id="f" * 32, activity_id=activity.id, answers={"overall": rating}))
        else:
            surveys.submit_response(activity, user_id, {"overall": rating, "recommend": "yes"})
    db.session.commit()
    summary = summarise(surveys.survey_of(activity), load_responses(activity), {"yes": "Yes", "no": "No"})
    overall = summary.questions[0]
    assert (overall.mean, overall.top_share, overall.answered) == (3.75, 75.0, 4)
    assert overall.counts == [("1", 0), ("2", 1), ("3", 0), ("4", 2), ("5", 1)]
    assert summary.questions[2].counts == [("Yes", 3), ("No", 0)]


def test_results_write_means_with_the_readers_decimal_separator(client, setup):
    _course, activity, trainees, trainer = setup
    for trainee, rating in zip(trainees[:3], (5, 4, 2), strict=True):
        surveys.submit_response(activity, trainee.id, {"overall": rating, "recommend": "yes"})
    db.session.commit()
    login(client, trainer.email)
    url = f"/surveys/{activity.id}/results"
    assert "Mean 3.67 of 5" in client.get(url).get_data(as_text=True)  # 11 / 3
    client.post("/language", data={"locale": "el", "csrf_token": csrf_token(client, "/")})
    page = client.get(url).get_data(as_text=True)
    assert "3,67" in page and "66,7" in page and "3.67" not in page  # 2 of 3 gave 4 or 5


def test_exports_hold_each_response_and_escape_formulas(client, setup):
    from openpyxl import load_workbook

    _course, activity, (eleni, *_), trainer = setup
    surveys.submit_response(
        activity, eleni.id, {**{k: v for k, v in GOOD.items()}, "overall": 4, "comments": "=1+1"}
    )
    db.session.commit()
    login(client, trainer.email)
    csv = client.get(f"/surveys/{activity.id}/results.csv").get_data(as_text=True)
    assert "Συνολικά, πόσο ικανοποιημένοι είστε;" in csv and "'=1+1" in csv and "Yes" in csv
    assert eleni.name not in csv
    xlsx = client.get(f"/surveys/{activity.id}/results.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == 4 and rows[1][3] == "=1+1"
    assert sheet.cell(2, 4).data_type == "s"


def test_trainees_cannot_see_results(client, setup):
    _course, activity, (eleni, *_), _trainer = setup
    login(client, eleni.email)
    assert client.get(f"/surveys/{activity.id}/results").status_code == 403
    assert client.get(f"/surveys/{activity.id}/results.csv").status_code == 403


def test_a_trainer_authors_a_survey_in_the_browser(client, app, create_user, create_course):
    trainer = create_user("trainer")
    course = create_course(modules=1, lessons=1, trainer=trainer)
    login(client, trainer.email)
    module = course.modules[0]
    token = csrf_token(client, f"/author/courses/{course.slug}")
    response = client.post(
        f"/author/modules/{module.id}/new/survey", data={"csrf_token": token, "title": "Feedback"}
    )
    assert response.status_code == 302
    edit = response.headers["Location"]
    page = client.get(edit).get_data(as_text=True)
    assert 'name="question-1-new"' in page
    data = {
        "csrf_token": csrf_token(client, edit),
        "title": "Feedback",
        "intro": "Tell us",
        "anonymous": "y",
        "published": "y",
        "question-0-kind": "rating",
        "question-0-text": "Overall?",
        "question-0-key": "overall",
        "question-0-position": "2",
        "question-0-required": "1",
        "question-1-new": "1",
        "question-1-kind": "choice",
        "question-1-text": "Best part?",
        "question-1-choices": "Lessons\nClasses\n",
        "question-1-position": "1",
        "question-1-required": "1",
    }
    assert client.post(edit, data=data).status_code == 302
    activity = course.activities()[-1]
    db.session.refresh(activity)
    survey = Survey.from_dict(activity.settings)
    assert [(q.key, q.kind) for q in survey.questions] == [("best-part", "choice"), ("overall", "rating")]
    assert survey.questions[0].choices == ["Lessons", "Classes"]
    assert activity.body == survey_toml("Feedback", survey)
    bad = {**data, "question-1-choices": "Only one"}
    response = client.post(edit, data=bad)
    assert response.status_code == 400 and "is not complete" in response.get_data(as_text=True)
    assert "Only one" in response.get_data(as_text=True)
