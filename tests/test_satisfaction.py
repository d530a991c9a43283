"""A survey after a classroom session, and the satisfaction indicator, against figures worked out by hand.

The programme of tests/test_funder_figures.py (two cohorts; S1 ten days ago: t1 present, t2 late, t4
absent; S4 in two days) gets an end-of-course survey whose rating question "overall" it reports.
"""

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.classroom.models import ClassSession, zone
from lms.classroom.reports import funder_report
from lms.db import db, utcnow
from lms.surveys import services as surveys
from lms.surveys.models import SurveyResponse
from lms.surveys.spec import Question
from tests.conftest import csrf_token, login
from tests.test_funder_figures import programme, request_context  # noqa: F401 (fixtures)


@pytest.fixture
def rated(app, programme, create_user, create_course):  # noqa: F811
    """Counted: course page 5, 4, 2 (t1, t2, u1) and after S1 3 (t2): mean 3.5, 2 of 4 gave 4-5 = 50%.
    Not counted: 1 after S4 (not delivered), 1 to another question, 1 in a course outside the programme."""
    course = programme.courses[0]
    trainer = create_user("trainer")
    with app.test_request_context():  # the new survey's first question is in the author's language
        survey = surveys.add_survey(course.modules[0], "How was it?", trainer)
        elsewhere = surveys.add_survey(create_course(modules=1, lessons=1).modules[0], "Other", trainer)
    settings = surveys.survey_of(survey)
    settings.questions.append(Question("pace", "rating", "Was the pace right?"))
    surveys.update_survey(survey, settings, trainer, published=True)
    sessions = {s.topic: s for c in programme.cohorts for s in c.sessions}
    sessions["S1"].survey_id = survey.id
    people = {u.name: u for c in programme.cohorts for u in (m.user for m in c.members)}
    for name, rating in (("T1", 5), ("T2", 4), ("U1", 2)):
        surveys.submit_response(survey, people[name].id, {"overall": rating, "pace": 1})
    surveys.submit_response(survey, people["T2"].id, {"overall": 3}, context=sessions["S1"].id)
    surveys.submit_response(survey, people["T1"].id, {"overall": 1}, context=sessions["S4"].id)
    surveys.submit_response(elsewhere, people["T1"].id, {"overall": 1})
    db.session.commit()
    return survey, sessions, people


def _satisfaction(report):
    figure = next(f for f in report.figures if f.key == "satisfaction")
    return figure.value, [(label, count) for label, count, _group in figure.rows]


def test_satisfaction_matches_the_hand_computed_figures(rated, request_context):  # noqa: F811
    survey, sessions, _people = rated
    report = funder_report(sessions["S1"].cohort.programme)
    assert _satisfaction(report) == (3.5, [("Answers", 4), ("Answers of 4 or 5 (%)", 50.0)])
    # The last four days leave S1 out: 5, 4, 2 -> mean 3.67, 2 of 3 = 66.7%.
    today = utcnow().astimezone(zone("Europe/Athens")).date()
    report = funder_report(sessions["S1"].cohort.programme, today - timedelta(days=4), today)
    assert _satisfaction(report) == (3.67, [("Answers", 3), ("Answers of 4 or 5 (%)", 66.7)])


def test_the_chosen_question_is_reported(rated, request_context):  # noqa: F811
    _survey, sessions, _people = rated
    prog = sessions["S1"].cohort.programme
    prog.satisfaction_question = "pace"
    assert _satisfaction(funder_report(prog)) == (1.0, [("Answers", 3), ("Answers of 4 or 5 (%)", 0.0)])


def test_page_xlsx_and_pdf_print_the_satisfaction(client, login_as, rated, tmp_path):
    prog = rated[1]["S1"].cohort.programme
    login_as("coordinator")
    page = client.get(f"/classroom/programmes/{prog.id}/report").get_data(as_text=True)
    assert re.search(
        r'id="indicator-satisfaction">\s*<h2>[^<]*</h2>\s*<p class="indicator-value">3.50 / 5', page
    )
    assert '<th scope="row">Answers of 4 or 5 (%)</th><td class="numeric">50.0</td>' in page
    assert '<option selected value="overall">overall: ' in page  # the chosen rating question
    assert client.get(f"/classroom/programmes/{prog.id}/report/satisfaction").status_code == 404
    response = client.get(f"/classroom/programmes/{prog.id}/report.xlsx")
    rows = [row[:2] for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    at = rows.index(("Participants' satisfaction", 3.5))
    assert rows[at + 2 : at + 4] == [("Answers", 4), ("Answers of 4 or 5 (%)", 50)]
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(client.get(f"/classroom/programmes/{prog.id}/report.pdf").data)
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "Participants' satisfaction: 3.50 / 5" in text and "Answers of 4 or 5 (%) 50" in text


def test_the_coordinator_chooses_the_question(client, login_as, rated):
    prog = rated[1]["S1"].cohort.programme
    login_as("coordinator")
    url = f"/classroom/programmes/{prog.id}/report"
    data = {
        "csrf_token": csrf_token(client, url),
        "choice-indicators": ["satisfaction"],
        "choice-satisfaction_question": "pace",
    }
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(prog)
    assert prog.satisfaction_question == "pace" and prog.indicators == ["satisfaction"]


def test_attendees_answer_the_session_survey_once_and_others_cannot(client, rated):
    survey, sessions, people = rated
    s1 = sessions["S1"]
    login(client, people["T1"].email)  # present at S1, not yet answered there
    index = client.get("/classroom/").get_data(as_text=True)
    assert "Tell us how it went" in index and f"/classroom/sessions/{s1.id}/survey" in index
    url = f"/classroom/sessions/{s1.id}/survey"
    page = client.get(url).get_data(as_text=True)
    assert "Anonymous survey." in page and "After the session of" in page
    data = {"csrf_token": csrf_token(client, url), "q-overall": "4", "q-pace": "5"}
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data).status_code == 302  # a double submit
    count = select(func.count()).select_from(SurveyResponse).where(SurveyResponse.context == s1.id)
    assert db.session.scalar(count) == 2  # T2's and now T1's
    assert "Tell us how it went" not in client.get("/classroom/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/classroom/")})
    login(client, people["T4"].email)  # absent at S1
    assert client.get(url).status_code == 403
    assert client.get(f"/classroom/sessions/{sessions['S4'].id}/survey").status_code == 404  # no survey


def test_the_trainer_links_a_survey_to_a_session(client, rated):
    survey, sessions, _people = rated
    s2 = sessions["S2"]
    trainer = s2.cohort.trainers[0]
    login(client, trainer.email)
    url = f"/classroom/sessions/{s2.id}/attendance"
    page = client.get(url).get_data(as_text=True)
    assert f'<option value="{survey.id}"' in page
    token = csrf_token(client, url)
    link = f"/classroom/sessions/{s2.id}/survey/link"
    assert client.post(link, data={"csrf_token": token, "survey_id": str(survey.id)}).status_code == 302
    assert db.session.get(ClassSession, s2.id).survey_id == survey.id
    other = db.session.scalar(
        select(SurveyResponse.activity_id).where(SurveyResponse.activity_id != survey.id)
    )
    assert client.post(link, data={"csrf_token": token, "survey_id": str(other)}).status_code == 400
