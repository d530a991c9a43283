"""Certificates: issued on completion, verified publicly, revoked, downloaded by the owner, exported."""

import csv
import io
import zipfile

import pytest
from sqlalchemy import func, select

from lms.admin.models import AuditEntry
from lms.certificates import services as certs
from lms.certificates.models import Certificate
from lms.courses.models import Enrolment
from lms.db import db, utcnow
from lms.progress import services as progress
from tests.conftest import csrf_token, login


@pytest.fixture
def complete_course(create_course, create_user):
    """A course with two lessons, completed by a new trainee; returns (course, trainee)."""

    def factory(name="Ελένη Παπαδοπούλου", course=None):
        course = course or create_course(modules=1, lessons=2, title="Ψηφιακό μάρκετινγκ", hours=12)
        user = create_user(name=name)
        db.session.add(Enrolment(course=course, user=user))
        for lesson in course.modules[0].activities:
            progress.complete(lesson, user.id, "marked")
        db.session.commit()
        return course, user

    return factory


def test_completing_a_course_issues_one_certificate(app, complete_course):
    course, user = complete_course()
    certificate = db.session.scalar(select(Certificate))
    assert certs.CODE_RE.match(certificate.code)
    assert (certificate.name, certificate.course_title, float(certificate.hours)) == (
        "Ελένη Παπαδοπούλου",
        "Ψηφιακό μάρκετινγκ",
        12.0,
    )
    assert certificate.completed_on == utcnow().date() and certificate.issued_by_id is None
    again = certs.issue(course, user, utcnow().date(), None)
    assert again.id == certificate.id
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_codes_are_unambiguous_and_typing_is_forgiving():
    codes = {certs.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(certs.CODE_RE.match(code) and not set(code) & set("01OIL") for code in codes)
    code = next(iter(codes))
    assert certs.normalise_code(code.lower().replace("-", " ")) == code
    assert certs.normalise_code("../../etc/passwd") is None


def test_verify_page_shows_what_the_certificate_says(client, complete_course):
    complete_course()
    certificate = db.session.scalar(select(Certificate))
    page = client.get(f"/verify/{certificate.code.lower()}").get_data(as_text=True)
    assert "Valid certificate" in page
    for text in ("Ελένη Παπαδοπούλου", "Ψηφιακό μάρκετινγκ", "12 hours", certificate.issuer):
        assert text in page
    assert "@example.org" not in page  # nothing else about the trainee


@pytest.mark.parametrize(
    "code", ["AAAA-BBBB-CCCC-DDDD", "not-a-code", "%2e%2e%2fetc", "' OR 1=1 --", "x" * 500]
)
def test_unknown_or_malformed_codes_say_unknown(client, code):
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Unknown certificate" in page and "Traceback" not in page


def test_verify_form_redirects_to_the_code(client, complete_course):
    complete_course()
    code = db.session.scalar(select(Certificate.code))
    response = client.get("/verify", query_string={"code": code.replace("-", " ").lower()})
    assert response.headers["Location"].endswith(f"/verify/{code}")


def test_revoked_certificate_is_never_shown_as_valid(client, login_as, complete_course):
    course, trainee = complete_course()
    certificate = db.session.scalar(select(Certificate))
    coordinator = login_as("coordinator")
    response = client.post(
        f"/certificates/{certificate.id}/revoke",
        data={"reason": "Attendance list was forged", "csrf_token": csrf_token(client, "/")},
    )
    assert response.status_code == 302
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked certificate" in page and "Valid certificate" not in page
    assert "Attendance list was forged" not in page  # the reason is for coordinators, even logged in
    assert "This certificate was revoked on" in page
    json = client.get(f"/verify/{certificate.code}.json")
    assert json.status_code == 410 and "forged" not in json.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    public = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "forged" not in public and trainee.name not in public and "revoked on" in public
    login(client, coordinator.email)
    assert "Attendance list was forged" in client.get("/certificates/").get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.revoke"))
    assert entry.actor_id == coordinator.id and entry.target == certificate.code


def test_open_badge_credential(client, complete_course):
    complete_course()
    certificate = db.session.scalar(select(Certificate))
    response = client.get(f"/verify/{certificate.code}.json")
    assert response.status_code == 200 and response.mimetype == "application/vc+ld+json"
    badge = response.get_json()
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert badge["id"].endswith(f"/verify/{certificate.code}.json")
    assert badge["credentialSubject"]["achievement"]["name"] == "Ψηφιακό μάρκετινγκ"
    assert badge["validFrom"].endswith("Z") and "proof" not in badge
    assert client.get("/verify/AAAA-BBBB-CCCC-DDDD.json").status_code == 404


def test_verify_is_rate_limited(client):
    statuses = [client.get("/verify/AAAA-BBBB-CCCC-DDDD").status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


@pytest.mark.needs("pango")
def test_trainee_downloads_only_their_own_certificate(client, complete_course, create_user):
    course, owner = complete_course()
    certificate = db.session.scalar(select(Certificate))
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 302  # log in first
    other = create_user()
    login(client, other.email)
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, owner.email)
    page = client.get("/certificates/mine").get_data(as_text=True)
    assert certificate.code in page
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_coordinator_issues_by_hand_with_a_reason(client, login_as, create_course, create_user):
    course = create_course()
    trainee = create_user(name="Стефан Георгиев")
    login_as("coordinator")
    response = client.post(
        "/certificates/issue",
        data={
            "email": trainee.email,
            "course": str(course.id),
            "reason": "Completed the paper-based course",
            "csrf_token": csrf_token(client, "/"),
        },
    )
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert certificate.reason == "Completed the paper-based course" and certificate.issued_by_id is not None
    assert (
        db.session.scalar(select(AuditEntry.action).where(AuditEntry.target == certificate.code))
        == "certificate.issue"
    )
    client.post(
        "/certificates/issue",
        data={
            "email": trainee.email,
            "course": str(course.id),
            "reason": "",
            "csrf_token": csrf_token(client, "/"),
        },
    )
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_register_filters_and_is_for_coordinators_only(client, login_as, complete_course, create_course):
    first, _ = complete_course()
    complete_course(name="Марко Петровић", course=first)
    login_as("trainer")
    assert client.get("/certificates/").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("coordinator")
    page = client.get("/certificates/", query_string={"course": str(first.id)}).get_data(as_text=True)
    assert "Ελένη Παπαδοπούλου" in page and "Марко Петровић" in page  # both completed the same course
    other = create_course(modules=1, lessons=1, title="Other")
    page = client.get("/certificates/", query_string={"course": str(other.id)}).get_data(as_text=True)
    assert "Ελένη" not in page


@pytest.mark.needs("pango")
def test_bulk_export_job_writes_pdfs_and_a_register(app, client, login_as, complete_course):
    course, _ = complete_course()
    complete_course(name="=SUM(A1:A9)", course=course)
    login_as("coordinator")
    response = client.post(
        "/certificates/exports",
        data={"course": str(course.id), "csrf_token": csrf_token(client, "/certificates/")},
    )
    assert response.status_code == 302
    status = client.get(response.headers["Location"] + "?format=json").get_json()
    assert status == {"status": "done", "done": 2, "total": 2}
    download = client.get(response.headers["Location"] + "/download")
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert len(pdfs) == 2 and all(archive.read(name).startswith(b"%PDF") for name in pdfs)
    rows = list(csv.reader(io.StringIO(archive.read("register.csv").decode("utf-8-sig"))))
    assert rows[0][:3] == ["code", "name", "course"]
    assert sorted(row[1] for row in rows[1:]) == ["'=SUM(A1:A9)", "Ελένη Παπαδοπούλου"]
    download.close()


@pytest.mark.needs("pango")
def test_cli_export(runner, complete_course, tmp_path):
    course, _ = complete_course()
    out = tmp_path / "certs.zip"
    result = runner.invoke(
        args=["certificates", "export", "--course", course.slug, "--out", str(out), "--processes", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "wrote 1 certificates" in result.output
    assert len([n for n in zipfile.ZipFile(out).namelist() if n.endswith(".pdf")]) == 1


def test_settings_change_the_issuer_of_new_certificates(client, login_as, complete_course):
    login_as("coordinator")
    response = client.post(
        "/certificates/settings",
        data={
            "issuer": "Θερμοκοιτίδα Σερρών",
            "funding_line": "Interreg IPA",
            "signatory1_name": "Мария Иванова",
            "signatory1_title": "Director",
            "csrf_token": csrf_token(client, "/certificates/settings"),
        },
    )
    assert response.status_code == 302
    complete_course()
    assert db.session.scalar(select(Certificate.issuer)) == "Θερμοκοιτίδα Σερρών"


def test_completing_every_course_of_a_programme_issues_its_certificate(
    app, complete_course, create_course, create_user
):
    from lms.classroom.models import Cohort, Programme
    from lms.classroom.services import add_member

    first = create_course(modules=1, lessons=1, title="Marketing", hours=12)
    second = create_course(modules=1, lessons=1, title="ICT", hours=14)
    cohort = Cohort(
        programme=Programme(title="SME Digital Skills 2027", courses=[first, second]), name="Serres"
    )
    db.session.add(cohort)
    trainee = create_user(name="Ελένη Παπαδοπούλου")
    add_member(cohort, trainee)
    db.session.commit()
    progress.complete(first.modules[0].activities[0], trainee.id, "marked")
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1  # the course's only
    progress.complete(second.modules[0].activities[0], trainee.id, "marked")
    programme_certificate = db.session.scalar(
        select(Certificate).where(Certificate.programme_id.is_not(None))
    )
    assert programme_certificate.course_title == "SME Digital Skills 2027"
    assert float(programme_certificate.hours) == 26.0 and programme_certificate.course_id is None
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 3
