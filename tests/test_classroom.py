"""Programmes, cohorts, schedules across summer time, attendance, check-in codes and the calendar feed."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.classroom import services as classroom
from lms.classroom.models import AttendanceRecord, ClassSession, Cohort, Programme
from lms.courses.models import Enrolment
from lms.db import db, utcnow
from lms.progress import services as progress
from lms.progress.models import CourseCompletion
from tests.conftest import csrf_token, login

# The programme form's attendance statuses, as a coordinator leaves them (one renamed).
STATUSES = {
    "statuses-0-label": "Present",
    "statuses-0-points": "2",
    "statuses-1-label": "Καθυστέρηση",
    "statuses-1-points": "1",
    "statuses-2-label": "Excused",
    "statuses-2-points": "1",
    "statuses-3-label": "Absent",
    "statuses-3-points": "0",
}


@pytest.fixture
def cohort(create_course, create_user):
    course = create_course(modules=1, lessons=1, completion_min_attendance=75)
    programme = Programme(title="SME Digital Skills 2027 - Serres", courses=[course])
    cohort = Cohort(programme=programme, name="Serres spring group", timezone="Europe/Athens")
    cohort.trainers.append(create_user("trainer"))
    db.session.add(cohort)
    db.session.commit()
    return cohort


def _now_session(cohort, minutes_from_start=5):
    session = ClassSession(
        cohort=cohort,
        starts_at=utcnow() - timedelta(minutes=minutes_from_start),
        minutes=90,
        topic="Local SEO",
    )
    db.session.add(session)
    db.session.commit()
    return session


def test_coordinator_builds_a_programme_cohort_and_schedule(client, login_as, create_course, create_user):
    course = create_course()
    trainee = create_user(name="Σοφία Κ.")
    login_as("coordinator")
    response = client.post(
        "/classroom/programmes",
        data={"title": "SME Digital Skills 2027", "csrf_token": csrf_token(client, "/classroom/")},
    )
    programme = db.session.scalar(select(Programme))
    url = f"/classroom/programmes/{programme.id}"
    assert response.headers["Location"].endswith(url)
    client.post(
        url,
        data={
            "title": "SME Digital Skills 2027",
            "courses": [str(course.id)],
            "submit": "1",
            "csrf_token": csrf_token(client, url),
            **STATUSES,
        },
    )
    assert db.session.get(Programme, programme.id).statuses[1] == {
        "key": "L",
        "label": "Καθυστέρηση",
        "points": 1,
    }
    response = client.post(
        url,
        data={
            "cohort-name": "Strumica online group",
            "cohort-timezone": "Europe/Skopje",
            "cohort-submit": "1",
            "cohort-csrf_token": csrf_token(client, url),
        },
    )
    cohort = db.session.scalar(select(Cohort))
    assert (
        db.session.get(Programme, programme.id).courses[0].id == course.id
        and cohort.timezone == "Europe/Skopje"
    )
    curl = f"/classroom/cohorts/{cohort.id}"
    client.post(
        curl,
        data={
            "member-email": trainee.email,
            "member-add_member": "1",
            "member-csrf_token": csrf_token(client, curl),
        },
    )
    assert db.session.scalar(select(Enrolment.method).where(Enrolment.user_id == trainee.id)) == "cohort"
    client.post(
        curl,
        data={
            "schedule-first": "2027-10-19T18:00",
            "schedule-minutes": "90",
            "schedule-weeks": "8",
            "schedule-topic": "Digital marketing",
            "schedule-schedule": "1",
            "schedule-csrf_token": csrf_token(client, curl),
        },
    )
    sessions = db.session.scalars(select(ClassSession).order_by(ClassSession.starts_at)).all()
    assert len(sessions) == 8
    # 18:00 in Skopje both sides of the end of summer time (31 October 2027): 16:00 then 17:00 UTC.
    assert sessions[0].starts_at == datetime(2027, 10, 19, 16, 0, tzinfo=UTC)
    assert sessions[2].starts_at == datetime(2027, 11, 2, 17, 0, tzinfo=UTC)


def test_trainer_takes_attendance_for_their_cohort_only(client, cohort, create_user):
    trainee = create_user()
    classroom.add_member(cohort, trainee)
    session = _now_session(cohort)
    url = f"/classroom/sessions/{session.id}/attendance"
    login(client, create_user("trainer").email)
    assert client.get(url).status_code == 403  # another trainer
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, cohort.trainers[0].email)
    assert trainee.name in client.get(url).get_data(as_text=True)
    assert (
        client.post(
            url, data={f"status-{trainee.id}": "L", "csrf_token": csrf_token(client, url)}
        ).status_code
        == 302
    )
    assert db.session.scalar(select(AttendanceRecord.status)) == "L"
    assert (
        client.post(
            url, data={f"status-{trainee.id}": "X", "csrf_token": csrf_token(client, url)}
        ).status_code
        == 400
    )
    assert client.post(url, data={f"status-{trainee.id}": "P"}).status_code == 400  # no CSRF token
    assert db.session.scalar(select(AttendanceRecord.status)) == "L"


def test_check_in_with_the_current_code_once(client, cohort, create_user, app):
    trainee = create_user()
    classroom.add_member(cohort, trainee)
    session = _now_session(cohort)
    login(client, trainee.email)
    with app.test_request_context():
        stale = classroom.check_in_code(session, utcnow() - timedelta(minutes=5))
        current = classroom.check_in_code(session)
    page = client.get(f"/classroom/check-in?session={session.id}&code={current}").get_data(as_text=True)
    assert f'value="{current}"' in page  # the QR link fills the form in
    token = csrf_token(client, "/classroom/check-in")
    response = client.post(
        "/classroom/check-in", data={"session": str(session.id), "code": stale, "csrf_token": token}
    )
    assert response.status_code == 400 and "wrong or has expired" in response.get_data(as_text=True)
    assert (
        client.post(
            "/classroom/check-in", data={"session": str(session.id), "code": current, "csrf_token": token}
        ).status_code
        == 302
    )
    again = client.post(
        "/classroom/check-in", data={"session": str(session.id), "code": current, "csrf_token": token}
    )
    assert again.status_code == 400 and "already checked in" in again.get_data(as_text=True)
    record = db.session.scalar(select(AttendanceRecord))
    assert (record.status, record.self_checked_in) == ("P", True)
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 1


def test_check_in_screen_is_a_full_screen_view_with_a_countdown(client, cohort, app):
    session = _now_session(cohort)
    login(client, cohort.trainers[0].email)
    page = client.get(f"/classroom/sessions/{session.id}/screen").get_data(as_text=True)
    with app.test_request_context():
        code = classroom.check_in_code(session)
    assert f"{code[:3]} {code[3:]}" in page  # may be the next minute's: then the window just turned
    assert 'http-equiv="refresh"' not in page  # refreshed by JS (axe: a timed refresh is critical)
    assert '<header class="site-header">' not in page and '<footer class="site-footer">' not in page
    seconds = int(re.search(r'data-expires-in="(\d+)"', page).group(1))
    assert 1 <= seconds <= classroom.CODE_PERIOD
    assert f'href="/classroom/sessions/{session.id}/screen">Show the new code</a>' in page  # without JS
    assert "js/checkin-screen.js" in page


def test_check_in_refused_for_another_cohort_or_outside_the_session(app, cohort, create_user):
    trainee = create_user()
    session = _now_session(cohort)
    code = classroom.check_in_code(session)
    with pytest.raises(classroom.ClassroomError, match="not-member"):
        classroom.check_in(session, trainee, code)
    classroom.add_member(cohort, trainee)
    later = _now_session(cohort, minutes_from_start=-120)  # starts in two hours
    with pytest.raises(classroom.ClassroomError, match="closed"):
        classroom.check_in(later, trainee, classroom.check_in_code(later))
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0


def test_attendance_counts_towards_course_completion(app, cohort, create_user):
    trainee = create_user()
    classroom.add_member(cohort, trainee).added_at = utcnow() - timedelta(days=1)  # before the sessions
    course = cohort.programme.courses[0]
    progress.complete(course.modules[0].activities[0], trainee.id, "marked")
    assert db.session.scalar(select(CourseCompletion)) is None  # no attendance yet
    teacher = cohort.trainers[0]
    for status in ("P", "L"):  # 2 + 1 of 4 points: 75 %
        classroom.take_attendance(_now_session(cohort, minutes_from_start=200), {trainee.id: status}, teacher)
    assert classroom.attendance_percent(course, trainee.id) == 75.0
    assert classroom.cohort_attendance(cohort)[trainee.id] == 75.0
    progress.evaluate_course(course, trainee.id)
    assert db.session.scalar(select(CourseCompletion.user_id)) == trainee.id


def test_calendar_feed(client, cohort, create_user):
    trainee = create_user()
    classroom.add_member(cohort, trainee)
    _now_session(cohort, minutes_from_start=-60)
    db.session.commit()
    login(client, trainee.email)
    assert "Local SEO" in client.get("/").get_data(as_text=True)  # upcoming sessions on the dashboard
    page = client.post("/classroom/calendar/new", data={"csrf_token": csrf_token(client, "/classroom/")})
    feed = r">https?://[^/<]+(/classroom/calendar/[^<]+)</textarea>"
    link = re.search(feed, page.get_data(as_text=True)).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.get(link)  # a calendar app has no session: the token is the key
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/calendar" and "BEGIN:VEVENT" in body and "SUMMARY:Local SEO" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert client.get("/classroom/calendar/forged.ics").status_code == 404


def test_trainees_cannot_manage_cohorts(client, login_as, cohort):
    login_as("trainee")
    assert client.get(f"/classroom/cohorts/{cohort.id}").status_code == 403
    assert client.get(f"/classroom/programmes/{cohort.programme_id}").status_code == 403


def _register(cohort, create_user, names=("Ελένη Π.", "Марија С.", "=HYPERLINK(1)")):
    trainees = [
        create_user(
            name=name,
            organisation="Пекара ДООЕЛ",
            country="MK",
            gender="female",
        )
        for name in names
    ]
    for trainee in trainees:
        classroom.add_member(cohort, trainee).added_at = utcnow() - timedelta(days=3)  # before the sessions
    first, second = _now_session(cohort, 3000), _now_session(cohort, 2000)
    classroom.take_attendance(first, {trainees[0].id: "P", trainees[1].id: "L"}, cohort.trainers[0])
    classroom.take_attendance(second, {trainees[0].id: "P"}, cohort.trainers[0])
    db.session.commit()
    return trainees


def test_attendance_register_exports(client, cohort, create_user):
    _register(cohort, create_user)
    login(client, cohort.trainers[0].email)
    text = client.get(f"/classroom/cohorts/{cohort.id}/attendance.csv").get_data(as_text=True)
    rows = [line for line in text.lstrip("\ufeff").splitlines() if line]
    assert rows[0].startswith("Name,E-mail,Organisation,Country") and rows[0].endswith("Attendance (%)")
    greek = next(row for row in rows if row.startswith("Ελένη"))
    assert greek.endswith(",Present,Present,2,0,0,0,100.0")
    assert any(row.startswith("'=HYPERLINK") for row in rows)  # a formula stays text
    response = client.get(f"/classroom/cohorts/{cohort.id}/attendance.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 4 and {row[0] for row in values[1:]} == {"Ελένη Π.", "Марија С.", "=HYPERLINK(1)"}
    marija = next(row for row in values if row[0] == "Марија С.")
    assert marija[4:6] == ("Late", None) and marija[-1] == 25.0  # 1 of 4 possible points
    response.close()


def test_cli_exports_attendance(runner, cohort, create_user, tmp_path):
    _register(cohort, create_user)
    out = tmp_path / "attendance.xlsx"
    result = runner.invoke(args=["export", "attendance", "--cohort", str(cohort.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 3 trainees" in result.output
    assert load_workbook(out).active.max_row == 4
    result = runner.invoke(args=["export", "attendance", "--cohort", "999", "--out", str(out)])
    assert result.exit_code != 0 and "no cohort with the id 999" in result.output


def test_funder_report_page_and_xlsx(client, login_as, cohort, create_user):
    trainees = _register(cohort, create_user)
    progress.complete(cohort.programme.courses[0].modules[0].activities[0], trainees[0].id, "marked")
    db.session.commit()
    login_as("coordinator")
    page = client.get(f"/classroom/programmes/{cohort.programme_id}/report").get_data(as_text=True)
    assert "Participants by country" in page and page.count("<svg") == 4
    response = client.get(f"/classroom/programmes/{cohort.programme_id}/report.xlsx")
    rows = {
        row[0]: row[1]
        for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)
        if row
    }
    # The third trainee attended nothing: a member, not a participant.
    assert rows["Participations in training"] == 2 and rows["Sessions delivered"] == 2
    assert rows["Hours delivered"] == 3.0
    assert rows["Attendance rate"] == 41.7  # (2+1+2) of 3 people x 2 sessions x 2 points
    assert rows["North Macedonia"] == 2
    assert rows["Enterprises supported, by size class"] == 1  # the two participants share one
    response.close()


def _wrong_code(session, now):
    valid = {
        classroom.check_in_code(session, now),
        classroom.check_in_code(session, now - timedelta(minutes=1)),
    }
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def test_guessing_check_in_codes_is_stopped(client, cohort, create_user, app):
    trainee = create_user()
    classroom.add_member(cohort, trainee)
    session = _now_session(cohort)
    login(client, trainee.email)
    token = csrf_token(client, "/classroom/check-in")
    with app.test_request_context():
        wrong = _wrong_code(session, utcnow())

    def attempt(code):
        return client.post(
            "/classroom/check-in", data={"session": str(session.id), "code": code, "csrf_token": token}
        )

    assert [attempt(wrong).status_code for _ in range(3)] == [400, 400, 400]
    waiting = attempt(wrong)  # the fourth try comes too soon
    assert waiting.status_code == 429 and "wait 30 seconds" in waiting.get_data(as_text=True)
    with app.test_request_context():
        right = classroom.check_in_code(session)
    assert attempt(right).status_code == 429  # not even the right code while waiting
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0

    # Later tries, each after its wait: the tenth wrong code locks this session's check-in for good.
    now = utcnow()
    for number in range(3, 10):
        now += timedelta(seconds=30 * 2 ** (number - 3))
        with pytest.raises(classroom.ClassroomError, match="wrong-code"):
            classroom.check_in(session, trainee, wrong, now=now, address="127.0.0.1")
    db.session.commit()
    with pytest.raises(classroom.ClassroomError, match="locked"):
        classroom.check_in(
            session, trainee, classroom.check_in_code(session, now), now=now + timedelta(minutes=1)
        )
    locked = attempt(right)
    assert locked.status_code == 429 and "Ask your trainer" in locked.get_data(as_text=True)

    # The trainer sees the guessing on the screen and on the attendance page; marking by hand still works.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, cohort.trainers[0].email)
    assert "10 wrong codes typed for this session" in client.get(
        f"/classroom/sessions/{session.id}/screen"
    ).get_data(as_text=True)
    url = f"/classroom/sessions/{session.id}/attendance"
    assert "10 wrong codes" in client.get(url).get_data(as_text=True)
    client.post(url, data={f"status-{trainee.id}": "P", "csrf_token": csrf_token(client, url)})
    page = client.get(url).get_data(as_text=True)
    assert "marked by" in page and "self check-in" not in page


def test_check_in_guesses_are_limited_per_address(app, cohort, create_user):
    app.config["CHECK_IN_ADDRESS_FAILURES"] = 4
    session = _now_session(cohort)
    trainees = [create_user() for _ in range(3)]
    for trainee in trainees:
        classroom.add_member(cohort, trainee)
    wrong = _wrong_code(session, utcnow())
    for trainee in trainees[:2]:
        for _ in range(2):
            with pytest.raises(classroom.ClassroomError, match="wrong-code"):
                classroom.check_in(session, trainee, wrong, address="203.0.113.7")
    with pytest.raises(classroom.ClassroomError, match="locked"):
        classroom.check_in(session, trainees[2], classroom.check_in_code(session), address="203.0.113.7")
    record = classroom.check_in(
        session, trainees[2], classroom.check_in_code(session), address="198.51.100.2"
    )
    assert record.self_checked_in and record.status == "P"


def test_leaving_a_cohort_keeps_history_and_rejoining_keeps_the_first_date(app, cohort, create_user):
    trainee = create_user()
    member = classroom.add_member(cohort, trainee)
    member.added_at = utcnow() - timedelta(days=10)
    past = _now_session(cohort, minutes_from_start=60 * 24 * 5)
    classroom.take_attendance(past, {trainee.id: "P"}, cohort.trainers[0])
    classroom.remove_member(cohort, trainee.id)
    db.session.commit()
    assert not cohort.is_member(trainee.id) and classroom.count_members(cohort.id) == 0
    assert classroom.cohort_attendance(cohort)[trainee.id] == 100.0  # the history is kept
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 1
    future = _now_session(cohort, minutes_from_start=-60 * 24)
    assert future not in classroom.sessions_for(trainee)  # no more sessions in their calendar
    classroom.add_member(cohort, trainee)
    assert cohort.is_member(trainee.id) and cohort.membership(trainee.id).added_at == member.added_at
    assert future in classroom.sessions_for(trainee)


def test_calendar_times_are_in_the_cohorts_zone_and_say_which(app, cohort, create_user):
    trainee = create_user()
    classroom.add_member(cohort, trainee)
    session = ClassSession(
        cohort=cohort, starts_at=datetime(2027, 1, 12, 16, 0, tzinfo=UTC), minutes=90, topic="Winter"
    )
    summer = ClassSession(
        cohort=cohort, starts_at=datetime(2027, 7, 6, 15, 0, tzinfo=UTC), minutes=60, topic="Summer"
    )
    db.session.add_all([session, summer])
    db.session.commit()
    body = classroom.calendar(trainee, [session, summer], "Site").replace("\r\n ", "")
    assert "DTSTART;TZID=Europe/Athens:20270112T180000" in body  # 16:00 UTC is 18:00 in Athens
    assert "DTEND;TZID=Europe/Athens:20270112T193000" in body
    assert "DTSTART;TZID=Europe/Athens:20270706T180000" in body  # summer time: UTC+3
    assert body.count("BEGIN:VTIMEZONE") == 1 and "TZID:Europe/Athens" in body
    assert "TZOFFSETTO:+0300" in body and "DTSTART:20270328T030000" in body  # summer time starts


def test_trainers_are_picked_with_checkboxes_not_a_ctrl_click_list(client, login_as, cohort, create_user):
    other = create_user("trainer", name="Стефан Трајковски")
    login_as("coordinator")
    page = client.get(f"/classroom/cohorts/{cohort.id}").get_data(as_text=True)
    assert "<select multiple" not in page and 'class="field picker"' in page
    field = 'type="checkbox" name="trainers-trainers"'  # the cohort page's trainers form has a prefix
    assert f'<input {field} value="{cohort.trainers[0].id}" checked>' in page
    assert f'<input {field} value="{other.id}"> Стефан Трајковски' in page
