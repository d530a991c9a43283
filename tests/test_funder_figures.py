"""The figures funders audit, checked against numbers worked out by hand.

One programme, two cohorts, with past, present and future sessions, a late joiner, a leaver, excused
absences (one set in advance) and a session nobody took attendance for. Every figure of the indicator
report (page, XLSX, PDF) is compared with the hand-computed value written next to the data.
"""

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from lms.classroom import services as classroom
from lms.classroom.models import ClassSession, Cohort, Programme, zone
from lms.classroom.reports import attendance_rows, funder_report
from lms.courses.models import Enrolment
from lms.db import db, utcnow
from lms.progress import services as progress
from tests.conftest import csrf_token, login

# Statuses and points: Present 2, Late 1, Excused 1, Absent 0; so 2 points possible per trainee and session.


def _session(cohort, start, minutes, topic):
    session = ClassSession(cohort=cohort, starts_at=start, minutes=minutes, topic=topic)
    db.session.add(session)
    db.session.flush()
    return session


@pytest.fixture
def programme(app, create_user, create_course):
    now = utcnow()
    day = timedelta(days=1)
    course = create_course(modules=1, lessons=1)
    programme = Programme(title="Interreg SME skills", courses=[course], timezone="Europe/Athens")
    north = Cohort(programme=programme, name="North", timezone="Europe/Athens")
    south = Cohort(programme=programme, name="South", timezone="Europe/Sofia")
    trainer = create_user("trainer", name="Trainer T.")
    north.trainers.append(trainer)
    south.trainers.append(trainer)
    db.session.add_all([programme, north, south])
    db.session.flush()
    people = {
        "t1": create_user(name="T1", gender="female", country="GR", organisation="Seaside Hotel"),
        "t2": create_user(name="T2", gender="male", country="GR"),  # leaves 5 days ago
        "t3": create_user(name="T3", country="MK"),  # joins 2 days ago (late joiner, by CSV)
        "t4": create_user(name="T4", gender="female"),  # excused twice, once in advance
        "u1": create_user(name="U1", country="BG", organisation="Vitosha Workshop"),
        "u2": create_user(name="U2", gender="other"),
        "outsider": create_user(name="Not in the programme"),
    }
    people["t1"].enterprise.nace_section = "I"  # no size class
    people["u1"].enterprise.size_class = "micro"  # no sector
    for key in ("t1", "t2", "t3", "t4"):
        classroom.add_member(north, people[key]).added_at = now - 20 * day
    for key in ("u1", "u2"):
        classroom.add_member(south, people[key]).added_at = now - 20 * day
    north.membership(people["t3"].id).added_at = now - 2 * day
    classroom.remove_member(north, people["t2"].id)
    north.membership(people["t2"].id).left_at = now - 5 * day

    ids = {key: user.id for key, user in people.items()}
    s1 = _session(north, now - 10 * day, 90, "S1")  # t1 P, t2 L, t4 A: roll t1 t2 t4 -> 3 of 6
    s2 = _session(north, now - 3 * day, 120, "S2")  # t1 P, t4 E: t2 left, t3 not yet -> 3 of 4
    s3 = _session(north, now - timedelta(minutes=30), 90, "S3")  # now: t3 checks in; t1 t4 absent -> 2 of 6
    s4 = _session(north, now + 2 * day, 90, "S4")  # future: t4 excused in advance -> not delivered
    _session(north, now - 5 * day, 60, "S5")  # nobody took attendance -> not delivered
    t1 = _session(south, now - 7 * day, 60, "T1")  # u1 P, u2 P -> 4 of 4
    t2 = _session(south, now - day, 60, "T2")  # only an excused absence -> not delivered
    classroom.take_attendance(s1, {ids["t1"]: "P", ids["t2"]: "L", ids["t4"]: "A"}, trainer)
    classroom.take_attendance(s2, {ids["t1"]: "P", ids["t4"]: "E"}, trainer)
    classroom.check_in(s3, people["t3"], classroom.check_in_code(s3))
    classroom.take_attendance(s4, {ids["t4"]: "E"}, trainer)
    classroom.take_attendance(t1, {ids["u1"]: "P", ids["u2"]: "P"}, trainer)
    classroom.take_attendance(t2, {ids["u1"]: "E"}, trainer)
    # Completions: t1 finishes the course (and so gets a certificate); an outsider's does not count.
    db.session.add(Enrolment(course=course, user=people["outsider"]))
    lesson = course.modules[0].activities[0]
    progress.complete(lesson, ids["t1"], "marked")
    progress.complete(lesson, ids["outsider"], "marked")
    db.session.commit()
    return programme


# Whole programme: north 3 delivered (S1 S2 S3), 90+120+90 min, 8 of 16 points; south 1 (T1), 60 min, 4 of 4.
# Members: t1 t2 t3 t4 u1 u2 (the leaver too, the outsider not). Participants (issue 16: attended a delivered
# session, each once): all but t4, who was absent, excused, absent.
EXPECTED = {
    "Participants": 5,
    "Sessions delivered": 4,
    "Hours delivered": 6.0,
    "Attendance rate (%)": 60.0,  # 12 of 20
    "Course completions": 1,
    "Certificates issued": 1,
}
COHORTS = [("North", 4, 3, 50.0), ("South", 2, 1, 100.0)]  # members, delivered sessions, rate
GENDER = [("Not stated", 2), ("Female", 1), ("Male", 1), ("Other", 1)]  # t3 u1; t1; t2; u2
COUNTRY = [("Greece", 2), ("Bulgaria", 1), ("North Macedonia", 1), ("Not stated", 1)]  # t1 t2; u1; t3; u2
# The participants' enterprises, each once: t1's hotel (section I, no size), u1's workshop (micro, no sector).
SECTOR = [("I · Accommodation and food service activities", 1), ("Not stated", 1)]
SIZE = [("Micro", 1), ("Small", 0), ("Medium", 0), ("Large", 0), ("Not stated", 1)]


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


def test_report_figures_match_the_hand_computed_ones(programme, request_context):
    report = funder_report(programme)
    figures = {
        "Participants": report.participants,
        "Sessions delivered": report.sessions_delivered,
        "Hours delivered": report.hours_delivered,
        "Attendance rate (%)": report.attendance_rate,
        "Course completions": report.completions,
        "Certificates issued": report.certificates,
    }
    assert figures == EXPECTED
    assert report.enrolled == 6
    assert report.cohorts == COHORTS
    assert (
        report.by_gender,
        report.by_country,
        report.enterprises_by_sector,
        report.enterprises_by_size,
    ) == (
        GENDER,
        COUNTRY,
        SECTOR,
        SIZE,
    )


def test_a_period_counts_sessions_and_members_of_those_days(programme, request_context):
    today = utcnow().astimezone(zone("Europe/Athens")).date()
    report = funder_report(programme, today - timedelta(days=4), today)
    # S2 (3 of 4) and S3 (2 of 6) only; t2 left before the period, so 5 members (3 in North), of whom
    # t1 (S2) and t3 (S3) attended: 2 participants.
    assert (report.enrolled, report.participants, report.sessions_delivered, report.hours_delivered) == (
        5,
        2,
        2,
        3.5,
    )
    assert report.attendance_rate == 50.0
    assert report.cohorts == [("North", 3, 2, 50.0), ("South", 2, 0, None)]


# The same figures as the report's indicators (issue 16 names them; every one is reported by default).
INDICATORS = {
    "participations": "5",
    "hours": "6.0",
    "attendance": "60%",
    "completions": "1",
    "certificates": "1",
}


def test_report_page_xlsx_and_pdf_print_the_same_figures(client, login_as, programme, tmp_path):
    login_as("coordinator")
    page = client.get(f"/classroom/programmes/{programme.id}/report").get_data(as_text=True)
    values = dict(
        re.findall(
            r'id="indicator-(\w+)">\s*<h2>[^<]*</h2>\s*<p class="indicator-value"><a [^>]*>([^<]+)</a>', page
        )
    )
    assert {key: values[key] for key in INDICATORS} == INDICATORS
    assert '<th scope="row">Sessions delivered</th><td class="numeric">4</td>' in page
    assert "<td>North</td><td>4</td><td>3</td><td>50%</td>" in page
    assert "<td>South</td><td>2</td><td>1</td><td>100%</td>" in page
    assert "Not stated" in page and "—" not in page and "Europe/Athens" in page

    response = client.get(f"/classroom/programmes/{programme.id}/report.xlsx")
    rows = [row[:4] for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    response.close()
    values = {row[0]: row[1] for row in rows if row[0]}
    assert values["Time zone"] == "Europe/Athens"
    assert (
        values["Participations in training"],
        values["Sessions delivered"],
        values["Hours delivered"],
        values["Attendance rate"],
        values["Completed trainings"],
        values["Certificates issued"],
    ) == (5, 4, 6, 60, 1, 1)
    cohort_rows = [row for row in rows if row[0] in ("North", "South")]
    assert cohort_rows == [tuple(c) for c in COHORTS]
    gender_at = rows.index(("Participants by gender", 5, None, None))
    assert sorted(tuple(r[:2]) for r in rows[gender_at + 2 : gender_at + 6]) == sorted(GENDER)

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(client.get(f"/classroom/programmes/{programme.id}/report.pdf").data)
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()
    )
    for figure in (
        "Participations in training: 5",
        "Hours delivered: 6",
        "Sessions delivered 4",
        "Attendance rate: 60%",
        "Completed trainings: 1",
        "Certificates issued: 1",
    ):
        assert figure in text
    assert "North 4 3 50%" in text and "South 2 1 100%" in text
    assert "Europe/Athens" in text and "Not stated" in text


def test_register_says_not_yet_a_member_and_left_and_names_the_zone(programme, request_context):
    north = programme.cohorts[0]
    labels = {"P": "Present", "L": "Late", "E": "Excused", "A": "Absent"}
    rows = list(attendance_rows(north, labels))
    header, by_name = rows[0], {row[0]: row for row in rows[1:]}
    sessions = sorted(north.sessions, key=lambda s: s.starts_at)
    first = sessions[0].starts_at.astimezone(zone("Europe/Athens"))
    assert header[4] == f"{first:%Y-%m-%d %H:%M} (Europe/Athens) S1"
    topics = [s.topic for s in sessions]  # S1 S5 S2 S3 S4
    t3 = dict(zip(topics, by_name["T3"][4:9], strict=True))
    assert t3 == {
        "S1": "Not yet a member",
        "S5": "Not yet a member",
        "S2": "Not yet a member",
        "S3": "Present",
        "S4": "",
    }
    assert by_name["T3"][9:] == [1, 0, 0, 0, 100.0]  # one delivered session on T3's roll
    t2 = dict(zip(topics, by_name["T2"][4:9], strict=True))
    assert t2["S1"] == "Late" and t2["S2"] == "Left the cohort" and t2["S4"] == "Left the cohort"
    t4 = by_name["T4"]
    assert t4[9:] == [0, 0, 1, 2, 16.7]  # S1 absent, S2 excused, S3 absent: 1 of 6; S4 is not delivered
    assert by_name["T1"][9:] == [2, 0, 0, 1, 66.7]


def test_attendance_cannot_be_taken_before_a_session_starts(client, programme):
    north = programme.cohorts[0]
    future = next(s for s in north.sessions if s.topic == "S4")
    t1 = next(m.user_id for m in north.members if m.user.name == "T1")
    login(client, north.trainers[0].email)
    url = f"/classroom/sessions/{future.id}/attendance"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), f"status-{t1}": "P"})
    assert response.status_code == 400
    assert "has not started yet" in response.get_data(as_text=True)
    assert not any(r.user_id == t1 for r in db.session.get(ClassSession, future.id).records)
    response = client.post(url, data={"csrf_token": csrf_token(client, url), f"status-{t1}": "E"})
    assert response.status_code == 302  # an absence announced in advance is fine
    response = client.post(f"{url}/all-present", data={"csrf_token": csrf_token(client, url)})
    assert {r.user_id: r.status for r in db.session.get(ClassSession, future.id).records}[t1] == "E"


def test_mark_all_present_and_undo(client, programme, create_user):
    north = programme.cohorts[0]
    now_session = next(s for s in north.sessions if s.topic == "S3")
    url = f"/classroom/sessions/{now_session.id}/attendance"
    login(client, create_user("trainer").email)  # not this cohort's trainer
    assert client.post(f"{url}/all-present", data={"csrf_token": csrf_token(client, "/")}).status_code == 403
    assert len(db.session.get(ClassSession, now_session.id).records) == 1
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, north.trainers[0].email)
    page = client.get(url).get_data(as_text=True)
    assert "Mark all present" in page and "self check-in" in page
    assert "T2" not in page  # left before this session
    client.post(f"{url}/all-present", data={"csrf_token": csrf_token(client, url)})
    statuses = {
        r.user.name: (r.status, r.self_checked_in)
        for r in db.session.get(ClassSession, now_session.id).records
    }
    assert statuses == {"T1": ("P", False), "T3": ("P", True), "T4": ("P", False)}
    page = client.get(url).get_data(as_text=True)
    assert "marked by Trainer T." in page and "Undo" in page
    client.post(f"{url}/undo", data={"csrf_token": csrf_token(client, url)})
    statuses = {r.user.name: r.status for r in db.session.get(ClassSession, now_session.id).records}
    assert statuses == {"T3": "P"}  # the check-in stays, the marks made by "all present" are gone
