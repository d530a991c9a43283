"""Bulk user upload from CSV (Moodle's columns): encodings, delimiters, every problem, all or nothing."""

import html
import io
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from lms.admin.models import AuditEntry
from lms.admin.user_import import pack, parse_users_csv
from lms.auth.models import User
from lms.courses.models import Enrolment
from lms.db import db
from tests.conftest import csrf_token

URL = "/admin/users/import"
CONFIRM_URL = "/admin/users/import/confirm"
RESET_LINK = re.compile(r"https?://[^/\s]+(/password/reset/\S+)")


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def outbox(app) -> list:
    folder = Path(app.instance_path) / "outbox"
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(folder.glob("*.eml"))
    ]


def parse(app, data: bytes):
    with app.test_request_context():
        return parse_users_csv(data)


def problems(plan) -> set[tuple[int, str]]:
    return {(problem.row, problem.column) for problem in plan.problems}


def upload(client, data: bytes, filename="users.csv"):
    # Encoded in memory: the test client spools a body over 500 kB to a file it never closes.
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(io.BytesIO(data), filename), "csrf_token": csrf_token(client, URL)})
    )
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of the confirm form, as a browser would send them back."""
    form = page[page.index('action="/admin/users/import/confirm"') :]
    form = form[: form.index("</form>")]
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
    }


# --- encodings and delimiters ---------------------------------------------------------------------


def test_utf8_with_bom_and_commas(app, create_course):
    create_course(slug="digital-marketing")
    text = (
        "Email, FirstName ,LastName,Lang,Institution,Country,Course1\r\n"
        "Maria@Example.org,Марија,Стојановска,mk,Агро ДООЕЛ,mk,digital-marketing\r\n"
        "\r\n"
        "nikos@example.org,Νίκος,Οικονόμου,EL,,gr,\r\n"
    )
    plan = parse(app, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert plan.problems == [] and plan.ok
    assert (plan.encoding, plan.delimiter) == ("UTF-8 (BOM)", ",")
    first, second = plan.rows
    assert (first.row, first.email, first.name) == (2, "maria@example.org", "Марија Стојановска")
    assert (first.lang, first.country, first.organisation, first.courses) == (
        "mk",
        "MK",
        "Агро ДООЕЛ",
        ["digital-marketing"],
    )
    assert (second.row, second.name, second.lang, second.country) == (4, "Νίκος Οικονόμου", "el", "GR")


def test_semicolons_in_windows_1253_greek(app):
    text = (
        "email;firstname;lastname;institution;lang\r\n"
        "eleni@example.gr;Ελένη;Παπαδοπούλου;Αθηναϊκή Ζυθοποιία ΑΕ;el\r\n"
        "giorgos@example.gr;Γιώργος;Νικολάου;Κτήμα Σοφίας;el\r\n"
    )
    plan = parse(app, text.encode("cp1253"))
    assert plan.problems == []
    assert (plan.encoding, plan.delimiter, plan.delimiter_name) == ("Windows-1253", ";", "semicolon")
    assert [row.name for row in plan.rows] == ["Ελένη Παπαδοπούλου", "Γιώργος Νικολάου"]
    assert plan.rows[0].organisation == "Αθηναϊκή Ζυθοποιία ΑΕ"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_windows_1251_cyrillic_macedonian_and_bulgarian(app, delimiter):
    rows = [
        ["email", "firstname", "lastname", "institution", "country"],
        ["ljupco@example.mk", "Љупчо", "Ѓорѓиевски", "Ќерамика ДООЕЛ", "MK"],
        ["blagoj@example.mk", "Благој", "Трајковски", "", "MK"],
        ["petar@example.bg", "Петър", "Иванов", "Шуменско ЕООД", "BG"],
    ]
    data = "\r\n".join(delimiter.join(row) for row in rows).encode("cp1251")
    plan = parse(app, data)
    assert plan.problems == []
    assert (plan.encoding, plan.delimiter) == ("Windows-1251", delimiter)
    assert [row.name for row in plan.rows] == ["Љупчо Ѓорѓиевски", "Благој Трајковски", "Петър Иванов"]
    assert plan.rows[2].organisation == "Шуменско ЕООД"


def test_username_holding_an_email_is_used_and_cohort_columns_put_users_in_cohorts(app, create_course):
    from lms.admin.user_import import apply_plan
    from lms.classroom.models import Cohort, Programme

    course = create_course(slug="intro")
    db.session.add_all(
        [
            Cohort(programme=Programme(title="P", courses=[course]), name="Sofia 2025"),
            Cohort(programme=Programme(title="Q"), name="Evening"),
        ]
    )
    db.session.commit()
    data = b"username,firstname,lastname,cohort1,cohort2\nAna@Example.org,Ana,Petrova,Sofia 2025,Evening\n"
    plan = parse(app, data)
    assert plan.ok and plan.rows[0].email == "ana@example.org"
    assert plan.rows[0].cohorts == ["Sofia 2025", "Evening"]
    with app.test_request_context():
        apply_plan(plan, None)
    db.session.commit()
    user = db.session.scalar(select(User).where(User.email == "ana@example.org"))
    assert sorted(
        c.name for c in db.session.scalars(select(Cohort).where(Cohort.members.any(user_id=user.id)))
    ) == ["Evening", "Sofia 2025"]
    assert db.session.scalar(select(Enrolment.method).where(Enrolment.user_id == user.id)) == "cohort"
    unknown = parse(app, b"email,firstname,lastname,cohort1\nb@example.org,B,C,Nowhere\n")
    assert problems(unknown) == {(2, "cohort1")}


def test_welcome_links_outlast_reset_links(app, create_user):
    from lms.auth.services import make_reset_token, user_for_reset_token

    user = create_user()
    welcome, reset = make_reset_token(user, welcome=True), make_reset_token(user)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1  # every reset link has expired; welcome links last days
    assert user_for_reset_token(welcome).id == user.id
    assert user_for_reset_token(reset) is None


# --- every problem names its row and column, and nothing is imported ------------------------------

GOOD_ROW = "good@example.org,Good,Person,en,GR,intro"
BAD_INPUTS = {
    "bad email": ("email,firstname,lastname,lang,country,course1", "not-an-email,A,B,en,GR,", 3, "email"),
    "duplicate in file": (
        "email,firstname,lastname,lang,country,course1",
        "GOOD@example.org,A,B,en,GR,",
        3,
        "email",
    ),
    "existing email": (
        "email,firstname,lastname,lang,country,course1",
        "Taken@Example.org,A,B,,,",
        3,
        "email",
    ),
    "unknown column": (
        "email,firstname,lastname,lang,country,shoe_size",
        "a@example.org,A,B,,,42",
        1,
        "shoe_size",
    ),
    "unknown course": (
        "email,firstname,lastname,lang,country,course1",
        "a@example.org,A,B,,,no-such",
        3,
        "course1",
    ),
    "missing lastname": (
        "email,firstname,lastname,lang,country,course1",
        "a@example.org,A,,,,",
        3,
        "lastname",
    ),
    "bad lang": ("email,firstname,lastname,lang,country,course1", "a@example.org,A,B,xx,,", 3, "lang"),
    "bad country": ("email,firstname,lastname,lang,country,course1", "a@example.org,A,B,,ZZ,", 3, "country"),
    "short password": (
        "email,firstname,lastname,lang,country,password",
        "a@example.org,A,B,,,short",
        3,
        "password",
    ),
    "common password": (
        "email,firstname,lastname,lang,country,password",
        "a@example.org,A,B,,,password2024",
        3,
        "password",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_reported_with_row_and_column_and_nothing_is_imported(
    app, client, login_as, create_user, create_course, case
):
    header, bad_row, row, column = BAD_INPUTS[case]
    create_course(slug="intro")
    create_user(email="taken@example.org")
    login_as("coordinator")
    data = f"{header}\n{GOOD_ROW}\n{bad_row}\n".encode()
    plan = parse(app, data)
    assert (row, column) in problems(plan), plan.problems
    before = user_count()

    preview = upload(client, data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 400
    assert f"<tr><td>{row}</td><td><code>{column}</code></td>" in page
    assert "/admin/users/import/confirm" not in page  # no import button

    # Even a confirm post of this file (a forged or stale form) imports nothing, not even the good row.
    response = client.post(CONFIRM_URL, data={"content": pack(data), "csrf_token": csrf_token(client, URL)})
    assert response.status_code == 400
    assert user_count() == before
    assert db.session.scalar(User.by_email("good@example.org")) is None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert outbox(app) == []


def test_file_level_problems(app):
    assert problems(parse(app, b"")) == {(1, "")}
    assert problems(parse(app, b"email,firstname\n")) == {(1, "lastname")}
    assert problems(parse(app, b"email,firstname,lastname\n")) == {(2, "")}  # no users
    plan = parse(app, b"email,firstname,lastname\na@example.org,A,B,extra\n")
    assert problems(plan) == {(2, "")} and plan.rows == []


# --- a successful import --------------------------------------------------------------------------

GOOD_FILE = (
    "email;firstname;lastname;password;lang;institution;country;course1;course2\r\n"
    "eleni@example.gr;Ελένη;Παπαδοπούλου;;el;Κτήμα ΑΕ;GR;intro;\r\n"
    "petar@example.bg;Петър;Иванов;a long enough password;bg;;BG;intro;advanced\r\n"
).encode()


def test_web_preview_then_import_creates_enrols_mails_and_audits(app, client, login_as, create_course):
    coordinator = login_as("coordinator")
    intro, advanced = create_course(slug="intro"), create_course(slug="advanced")
    before = user_count()

    preview = upload(client, GOOD_FILE, filename="cohort-a.csv")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert "UTF-8" in page and "semicolon" in page
    assert "Ελένη Παπαδοπούλου" in page and "Петър Иванов" in page
    assert "Import 2 users" in page
    assert user_count() == before  # a preview writes nothing

    fields = hidden_fields(page)
    assert set(fields) == {"csrf_token", "content", "filename"}
    response = client.post(CONFIRM_URL, data=fields)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    assert user_count() == before + 2
    assert "Imported 2 users." in client.get("/admin/users").get_data(as_text=True)

    eleni = db.session.scalar(User.by_email("eleni@example.gr"))
    petar = db.session.scalar(User.by_email("petar@example.bg"))
    assert (eleni.name, eleni.role, eleni.locale, eleni.organisation, eleni.country) == (
        "Ελένη Παπαδοπούλου",
        "trainee",
        "el",
        "Κτήμα ΑΕ",
        "GR",
    )
    assert eleni.password_hash is None and petar.check_password("a long enough password")
    enrolments = db.session.scalars(select(Enrolment).order_by(Enrolment.id)).all()
    assert {(e.user_id, e.course_id) for e in enrolments} == {
        (eleni.id, intro.id),
        (petar.id, intro.id),
        (petar.id, advanced.id),
    }
    assert {(e.method, e.enrolled_by_id, e.status) for e in enrolments} == {
        ("manual", coordinator.id, "active")
    }

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "users.import"))
    assert (entry.actor_id, entry.target, entry.details["count"]) == (coordinator.id, "cohort-a.csv", 2)

    mails = {mail["To"]: mail for mail in outbox(app)}
    assert set(mails) == {"eleni@example.gr", "petar@example.bg"}
    eleni_body = mails["eleni@example.gr"].get_body(("plain",)).get_content()
    petar_body = mails["petar@example.bg"].get_body(("plain",)).get_content()
    assert "Ελένη Παπαδοπούλου" in eleni_body and "Course 1" in eleni_body  # the course's title
    assert RESET_LINK.search(petar_body) is None  # the file gave Petar a password
    link = RESET_LINK.search(eleni_body).group(1)
    visitor = app.test_client()
    assert visitor.get(link).status_code == 200  # the set-password page opens


def test_forged_import_post_imports_nothing(app, client, login_as, create_course):
    login_as("coordinator")
    create_course(slug="intro"), create_course(slug="advanced")
    fields = hidden_fields(upload(client, GOOD_FILE).get_data(as_text=True))
    before = user_count()

    tampered = GOOD_FILE + b"mallory@example.org;Mallory;;;xx;;;;\r\n"
    response = client.post(CONFIRM_URL, data=fields | {"content": pack(tampered)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<tr><td>4</td><td><code>lastname</code></td>" in page
    assert "<tr><td>4</td><td><code>lang</code></td>" in page

    for garbage in ("not base64 at all!", pack(b"x")[:-4], ""):
        assert client.post(CONFIRM_URL, data=fields | {"content": garbage}).status_code == 400
    assert client.post(CONFIRM_URL, data=fields | {"csrf_token": "forged"}).status_code == 400
    assert user_count() == before and outbox(app) == []


def test_a_file_near_the_size_limit_comes_back_through_the_confirm_form(app, client, login_as):
    """Flask refuses form fields over 500 kB by default; the confirm form carries up to 2 MB of file."""
    import secrets

    login_as("coordinator")
    # The bulk is in a column the import ignores (Moodle's description): few rows to check, many bytes.
    lines = ["email,firstname,lastname,description"]
    lines += [f"user{n}@example.org,First,Last,{secrets.token_hex(1000)}" for n in range(600)]
    lines.append("bad-address,First,Last,")  # so nothing is imported and the test stays fast
    data = "\n".join(lines).encode()
    assert 1_000_000 < len(data) < 2 * 1024 * 1024 and len(pack(data)) > 600_000
    response = client.post(CONFIRM_URL, data={"content": pack(data), "csrf_token": csrf_token(client, URL)})
    assert response.status_code == 400  # checked and refused, not 413
    assert "<tr><td>602</td><td><code>email</code></td>" in response.get_data(as_text=True)


def test_upload_over_2_mb_is_refused(client, login_as):
    login_as("coordinator")
    response = upload(client, b"email,firstname,lastname\n" + b"x" * (2 * 1024 * 1024))
    assert response.status_code == 400
    assert "larger than 2 MB" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["trainee", "trainer"])
def test_only_coordinators_import(app, client, login_as, role):
    login_as(role)
    before = user_count()
    assert client.get(URL).status_code == 403
    token = csrf_token(client, "/")
    assert client.post(CONFIRM_URL, data={"content": pack(GOOD_FILE), "csrf_token": token}).status_code == 403
    assert user_count() == before


def test_links_to_the_upload(client, login_as):
    login_as("coordinator")
    for page in ("/admin/", "/admin/users"):
        assert 'href="/admin/users/import"' in client.get(page).get_data(as_text=True)


# --- command line ---------------------------------------------------------------------------------


def test_cli_dry_run_then_import(app, runner, create_course, tmp_path):
    create_course(slug="intro"), create_course(slug="advanced")
    path = tmp_path / "users.csv"
    path.write_bytes(GOOD_FILE)
    before = user_count()

    result = runner.invoke(args=["users", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "encoding UTF-8, delimiter semicolon" in result.output
    assert "2 user(s) would be created" in result.output
    assert user_count() == before and outbox(app) == []

    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 2 user(s)" in result.output
    assert user_count() == before + 2
    assert db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "users.import")) is None
    bodies = [mail.get_body(("plain",)).get_content() for mail in outbox(app)]
    assert len(bodies) == 2
    assert any(f"{app.config['BASE_URL']}/password/reset/" in body for body in bodies)

    # Running it again: every address now exists, so the command refuses and changes nothing.
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "row 2, email: A user with the e-mail address eleni@example.gr already exists." in result.output
    assert user_count() == before + 2 and len(outbox(app)) == 2


def test_cli_help(runner):
    result = runner.invoke(args=["users", "import", "--help"])
    assert result.exit_code == 0 and "--dry-run" in result.output and "Moodle" in result.output


def test_preview_shows_every_imported_column_including_cohorts(client, login_as):
    from lms.classroom.models import Cohort, Programme

    login_as("coordinator")
    db.session.add(Cohort(programme=Programme(title="P"), name="Serres spring group"))
    db.session.commit()
    data = (
        b"email,firstname,lastname,institution,country,cohort1\n"
        b"ana@example.org,Ana,Petrova,Bakery,BG,Serres spring group\n"
    )
    page = upload(client, data).get_data(as_text=True)
    header = page[page.index('<th scope="col">Row</th><th scope="col">Name and e-mail</th>') :]
    assert '<th scope="col">Cohorts</th>' in header[: header.index("</thead>")]
    assert "<td>Serres spring group</td>" in page and "Bakery" in page


# --- every column of Moodle's "Upload users" ------------------------------------------------------

# Shaped like the files Moodle's documentation shows for "Upload users": the account columns, course
# enrolments with roles, groups and dates, and profile columns this LMS has no place for.
MOODLE_FILE = (
    "username,password,firstname,lastname,email,auth,suspended,emailstop,maildisplay,city,country,lang,"
    "timezone,idnumber,institution,department,phone1,phone2,address,description,theme,"
    "course1,role1,group1,enrolperiod1,enroltimestart1,enroltimeend1,enrolstatus1,"
    "course2,type2,group2,enrolstatus2,cohort1,sysrole1,category1,categoryrole1,deleted,oldusername,"
    "profile_field_sector\n"
    "jsmith,,John,Smith,john@example.org,manual,0,1,2,Serres,GR,el,Europe/Athens,E123,,Sales,"
    "2310 000000,,1 Main St,<p>Hi</p>,boost,"
    "intro,student,Serres A,30,2026-09-01,2026-12-31,0,advanced,2,,1,Evening,,Misc,,0,,Retail\n"
    "mstoj,,Марија,Стојановска,marija@example.mk,nologin,,,,Strumica,MK,mk,99,,,,,,,,,"
    "intro,editingteacher,Serres A,,,,,,,,,,,,,,,,\n"
    "gsusp,,Georgi,Suspended,georgi@example.bg,manual,1,,,Sofia,BG,bg,Europe/Sofia,,,,,,,,,"
    "intro,,,,,,,,,,,,,,,,,,\n"
)


def moodle_setup(create_course):
    from lms.classroom.models import Cohort, Programme

    intro, advanced = create_course(slug="intro"), create_course(slug="advanced")
    programme = Programme(title="Digital skills", courses=[intro])
    db.session.add_all(
        [Cohort(programme=programme, name="Serres A"), Cohort(programme=Programme(title="Q"), name="Evening")]
    )
    db.session.commit()
    return intro, advanced


def test_every_moodle_column_is_accepted_acted_on_or_listed_as_ignored(app, create_course):
    from lms.admin.user_import import apply_plan
    from lms.classroom.models import Cohort

    intro, advanced = moodle_setup(create_course)
    plan = parse(app, MOODLE_FILE.encode())
    assert plan.problems == [] and plan.ok
    ignored = dict(plan.ignored)
    assert set(ignored) == {
        "emailstop", "maildisplay", "city", "idnumber", "department", "phone1", "phone2", "address",
        "description", "theme", "enrolperiod1", "enroltimestart1", "enroltimeend1", "sysrole1",
        "category1", "categoryrole1", "oldusername", "profile_field_sector",
    }  # fmt: skip
    assert "no start or end date" in ignored["enroltimestart1"]
    assert "themes" in ignored["theme"]
    john, marija, georgi = plan.rows
    # course2 has enrolstatus2=1 (a suspended enrolment): not enrolled here.
    assert (john.courses, john.teaching, john.not_enrolled) == (["intro"], [], ["advanced"])
    assert (john.timezone, john.active, john.groups) == (
        "Europe/Athens",
        True,
        [("Serres A", "intro", "trainee")],
    )
    assert (marija.role, marija.teaching, marija.active, marija.timezone) == (
        "trainer",
        ["intro"],
        False,
        None,
    )
    assert (georgi.active, georgi.courses) == (False, ["intro"])

    with app.test_request_context():
        mails = apply_plan(plan, None)
    db.session.commit()
    assert [mail.to for mail in mails] == ["john@example.org"]  # suspended accounts get no mail
    john = db.session.scalar(User.by_email("john@example.org"))
    marija = db.session.scalar(User.by_email("marija@example.mk"))
    georgi = db.session.scalar(User.by_email("georgi@example.bg"))
    assert (john.role, john.active, john.timezone, john.locale) == ("trainee", True, "Europe/Athens", "el")
    assert (marija.role, marija.active) == ("trainer", False)  # auth=nologin
    assert georgi.active is False  # suspended=1
    db.session.refresh(intro)
    assert [user.email for user in intro.trainers if user.email == "marija@example.mk"] == [
        "marija@example.mk"
    ]
    enrolled = {
        (e.user_id, e.course_id)
        for e in db.session.scalars(select(Enrolment).where(Enrolment.status == "active"))
    }
    assert (john.id, intro.id) in enrolled and (john.id, advanced.id) not in enrolled
    assert (marija.id, intro.id) not in enrolled  # a trainer, not a trainee
    serres = db.session.scalar(select(Cohort).where(Cohort.name == "Serres A"))
    evening = db.session.scalar(select(Cohort).where(Cohort.name == "Evening"))
    assert serres.is_member(john.id) and evening.is_member(john.id)
    assert marija in serres.trainers and not serres.is_member(marija.id)


BAD_MOODLE_CELLS = {
    "suspended": ("suspended", "yes", "suspended"),
    "deleted": ("deleted", "1", "deleted"),
    "timezone": ("timezone", "Mars/Olympus", "timezone"),
    "auth": ("auth", "no login!", "auth"),
    "role": ("course1,role1", "intro,manager", "role1"),
    "legacy type": ("course1,type1", "intro,7", "type1"),
    "role without course": ("role1", "student", "role1"),
    "group not in the course's programme": ("course1,group1", "advanced,Serres A", "group1"),
    "unknown group": ("course1,group1", "intro,Nobody", "group1"),
    "enrolment start": ("course1,enroltimestart1", "intro,next monday", "enroltimestart1"),
    "enrolment period": ("course1,enrolperiod1", "intro,a month", "enrolperiod1"),
    "enrolment status": ("course1,enrolstatus1", "intro,2", "enrolstatus1"),
}


@pytest.mark.parametrize("case", BAD_MOODLE_CELLS, ids=list(BAD_MOODLE_CELLS))
def test_bad_moodle_cells_name_row_and_column_and_import_nothing(app, create_course, case):
    moodle_setup(create_course)
    columns, cells, column = BAD_MOODLE_CELLS[case]
    data = (
        f"email,firstname,lastname,{columns}\n"
        f"ok@example.org,Ok,Row,{','.join([''] * len(columns.split(',')))}\n"
        f"bad@example.org,Bad,Row,{cells}\n"
    ).encode()
    plan = parse(app, data)
    assert problems(plan) == {(3, column)}, plan.problems
    assert not plan.ok


def test_a_column_moodle_does_not_know_is_still_an_error(app):
    plan = parse(app, b"email,firstname,lastname,course1,rolex1,profile_field_\nx@example.org,X,Y,,,\n")
    assert problems(plan) == {(1, "rolex1"), (1, "profile_field_")}
    assert "Moodle" in plan.problems[0].message


def test_preview_lists_ignored_columns_with_reasons_and_roles(app, client, login_as, create_course):
    moodle_setup(create_course)
    login_as("coordinator")
    page = upload(client, MOODLE_FILE.encode()).get_data(as_text=True)
    assert "Import 3 users" in page
    ignored = page[page.index('id="ignored-title"') :]
    assert "<code>theme</code>: There are no themes here" in ignored
    assert "<code>city</code>, <code>idnumber</code>, <code>department</code>" in ignored
    assert "<code>enroltimestart1</code>" in ignored
    assert "trainer" in page and "suspended" in page.lower()
    assert "Serres A" in page


def test_cli_lists_ignored_columns(app, runner, create_course, tmp_path):
    moodle_setup(create_course)
    file = tmp_path / "moodle.csv"
    file.write_text(MOODLE_FILE)
    result = runner.invoke(args=["users", "import", "--dry-run", str(file)])
    assert result.exit_code == 0, result.output
    assert "ignored column theme:" in result.output
    assert "trainer of intro" in result.output and "(suspended)" in result.output


def test_moodles_own_example_file_reads_as_it_is(app):
    """The example Moodle ships with "Upload users" (admin/tool/uploaduser/example.csv): plain usernames
    beside the e-mail column, no trailing newline."""
    data = (
        b"username,firstname,lastname,email\n"
        b"student1,Student,One,s1@example.com\n"
        b"student2,Student,Two,s2@example.com\n"
        b"student3,Student,Three,s3@example.com"
    )
    plan = parse(app, data)
    assert plan.problems == [] and plan.ignored == []
    assert [(row.email, row.name, row.role, row.active) for row in plan.rows] == [
        ("s1@example.com", "Student One", "trainee", True),
        ("s2@example.com", "Student Two", "trainee", True),
        ("s3@example.com", "Student Three", "trainee", True),
    ]


def test_welcome_mails_come_from_their_template_in_each_users_language(app, create_user, create_course):
    from lms.admin.user_import import welcome_mail

    course = create_course(modules=1, lessons=1, title="Ηλεκτρονικό εμπόριο")
    greek = create_user(name="Ελένη", locale="el")
    english = create_user(name="Marko", locale="en")
    with app.test_request_context():
        invited = welcome_mail(greek, [course], has_password=False)
        given = welcome_mail(english, [], has_password=True)
    assert invited.lang == "el" and invited.subject == "Ο λογαριασμός σας στο SME e-Classroom"
    assert "Ηλεκτρονικό εμπόριο" in invited.body and "/password/reset/" in invited.body
    assert invited.body.startswith("Γεια σας, Ελένη,\n\n")
    assert "\n\n\n" not in invited.body and "\n\n\n" not in given.body
    assert "/password/reset/" not in given.body and "the password your coordinator gave you" in given.body
    assert "enrolled" not in given.body
