from sqlalchemy import select

from lms.auth.models import User
from lms.cli import DEMO_PASSWORD, DEMO_USERS, main
from lms.db import db


def test_lms_help_lists_every_command():
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "demo", "serve", "users", "db"):
        assert f"  {command} " in result.output


def test_users_create_with_password_file(runner, tmp_path):
    secret = tmp_path / "pw.txt"
    secret.write_text("a long enough password\n", encoding="utf-8")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "trainer",
            "--email",
            "Nikola@Example.org",
            "--name",
            "Никола Јовановић",
            "--password-file",
            str(secret),
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(User.by_email("nikola@example.org"))
    assert user.role == "trainer" and user.name == "Никола Јовановић"
    assert user.check_password("a long enough password")


def test_users_create_prompts_for_password(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "p@example.org", "--name", "P"],
        input="prompted password\nprompted password\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(User.by_email("p@example.org")).check_password("prompted password")


def test_users_create_refuses_duplicate_and_short_password(runner, create_user, tmp_path):
    create_user(email="taken@example.org")
    secret = tmp_path / "pw.txt"
    secret.write_text("a long enough password", encoding="utf-8")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "TAKEN@example.org",
            "--name",
            "X",
            "--password-file",
            str(secret),
        ]
    )
    assert result.exit_code != 0 and "already exists" in result.output
    secret.write_text("short", encoding="utf-8")
    result = runner.invoke(
        args=["users", "create", "--email", "new@example.org", "--name", "X", "--password-file", str(secret)]
    )
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    assert db.session.scalar(User.by_email("new@example.org")) is None


def test_demo_says_what_the_database_holds_and_is_safe_to_rerun(runner, create_course):
    """The summary is read from the database (the demo data may grow: here by a course added between
    two runs), in the accounts' own languages; the second run adds no demo data twice."""
    from lms.classroom.models import Cohort
    from lms.courses.models import Course, Enrolment

    db.drop_all()  # `lms demo` builds the schema with the migrations
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    out = result.output
    courses = db.session.scalars(select(Course)).all()
    assert f"Courses ({len(courses)}):" in out
    assert all(course.title in out for course in courses)
    for cohort in db.session.scalars(select(Cohort)):
        assert f"{cohort.name} ({cohort.partner}):" in out and f"{len(cohort.sessions)} sessions" in out
    assert f"password: {DEMO_PASSWORD}" in out

    def line_of(email):
        return next(line for line in out.splitlines() if f" {email} " in line)

    trainee = db.session.scalar(User.by_email("trainee@example.org"))
    enrolled = db.session.scalar(select(db.func.count()).where(Enrolment.user_id == trainee.id))
    assert "reads Greek" in line_of(trainee.email) and f"enrolled in {enrolled} courses" in line_of(
        trainee.email
    )
    assert "reads Macedonian" in line_of("trainer@example.org")
    assert "trains cohort" in line_of("trainer@example.org")
    assert "takes quizzes" in out and "takes attendance" in out and "audit log" in out
    assert "Language menu" in out and "Ελληνικά (el)" in out

    trainer = db.session.scalar(User.by_email("trainer@example.org"))
    create_course(title="A course added after the demo", trainer=trainer)
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert f"Courses ({len(courses) + 1}):" in result.output
    assert "A course added after the demo" in result.output
    assert "trainee@example.org" in result.output and DEMO_PASSWORD in result.output
    emails = set(db.session.scalars(select(User.email)))
    assert {email for email, *_ in DEMO_USERS} <= emails
    from lms.certificates.models import Certificate
    from lms.classroom.models import AttendanceRecord, ClassSession, Cohort, Programme
    from lms.demo_programme import NEXT_SESSIONS, PAST_SESSIONS, PROGRAMME_TITLE
    from lms.quizzes.models import Attempt

    def count(model, *where):
        return db.session.scalar(select(db.func.count()).select_from(model).where(*where))

    # The small programme of the demo trainee, and the realistic cross-border one: three cohorts of 20.
    assert count(Programme) == 2
    cohorts = db.session.scalars(
        select(Cohort).join(Programme).where(Programme.title == PROGRAMME_TITLE)
    ).all()
    assert sorted(c.name.split()[0] for c in cohorts) == ["Blagoevgrad", "Serres", "Strumica"]
    assert [len(c.members) for c in cohorts] == [20, 20, 20]
    assert len(emails) == len(DEMO_USERS) + 60
    assert count(ClassSession) == 8 + 3 * (PAST_SESSIONS + NEXT_SESSIONS)
    assert count(AttendanceRecord) == 3 * 20 * PAST_SESSIONS
    assert count(Attempt) > 60 and count(Certificate) > 0  # quizzes taken, some courses completed
    trainee = db.session.scalar(select(User).where(User.email == "serres.01@example.org"))
    enterprise = trainee.enterprise
    assert (
        trainee.country,
        trainee.locale,
        enterprise.country,
        enterprise.nace_section,
        enterprise.size_class,
    ) == (
        "GR",
        "el",
        "GR",
        "A",
        "micro",
    )  # serres.01 works at the first firm of the list, the Serres bakery
    # One record per firm: the Serres group's ten firms, however many trainees each has.
    assert (
        len({u.enterprise_id for u in db.session.scalars(select(User).where(User.email.like("serres.%")))})
        == 10
    )
    for email, _name, role, *_ in DEMO_USERS:
        user = db.session.scalar(User.by_email(email))
        assert user.role == role and user.check_password(DEMO_PASSWORD)


def test_backup_copies_a_live_sqlite_database(app, runner, create_user, tmp_path):
    import sqlite3

    if db.engine.url.get_backend_name() != "sqlite":
        result = runner.invoke(args=["backup", "--out", str(tmp_path / "b.sqlite")])
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    create_user(name="Ελένη Παπαδοπούλου")
    out = tmp_path / "backup.sqlite"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(out) as copy:
        assert copy.execute("SELECT name FROM users").fetchall() == [("Ελένη Παπαδοπούλου",)]
    again = runner.invoke(args=["backup", "--out", str(out)])
    assert again.exit_code != 0 and "exists already" in again.output


def test_render_lessons_renders_stored_markdown_again(runner, create_course):
    course = create_course(modules=1, lessons=1)
    lesson = course.modules[0].activities[0]
    lesson.body = "- [ ] call three customers"
    lesson.body_html = "<ul><li>[ ] call three customers</li></ul>"  # as an older version rendered it
    db.session.commit()
    result = runner.invoke(args=["render-lessons"])
    assert result.exit_code == 0, result.output
    db.session.refresh(lesson)
    assert '<span class="task-box">☐</span> call three customers' in lesson.body_html
