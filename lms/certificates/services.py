"""Issuing, revoking and exporting certificates. Services flush, never commit."""

import csv
import io
import re
import secrets
import zipfile
from collections.abc import Callable
from datetime import date

from flask import current_app, has_request_context
from sqlalchemy import func, select

from lms.admin.models import SiteSetting
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.courses.models import Course
from lms.db import db, utcnow
from lms.i18n import _l
from lms.links import external_url
from lms.notifications import notify, register_event
from lms.notifications.services import site_path
from lms.storage import storage

# No 0/O, 1/I/L: a code read off paper and typed in must not be ambiguous. 32 symbols, 16 of them: 80 bits.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_RE = re.compile(r"^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$")
TEMPLATES = ("classic", "modern")

register_event("certificate.issued", _l("Certificates issued to you"))


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_code(text: str) -> str | None:
    """What a person typed (lower case, spaces, no dashes) as a code, or None if it cannot be one."""
    raw = re.sub(r"[\s-]", "", (text or "").upper())
    code = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    return code if CODE_RE.match(code) else None


def settings() -> dict:
    config = current_app.config
    stored = SiteSetting.get("certificates", {}) or {}
    return {
        "issuer": stored.get("issuer") or config["CERTIFICATE_ISSUER"],
        "funding_line": stored.get("funding_line", config["CERTIFICATE_FUNDING_LINE"]),
        "signatories": stored.get("signatories") or config["CERTIFICATE_SIGNATORIES"],
        "logos": config["CERTIFICATE_LOGOS"],
    }


def issue(
    course: Course,
    user: User,
    completed_on: date,
    grade: float | None,
    by: User | None = None,
    reason: str = "",
    template: str = "classic",
) -> Certificate:
    """The trainee's certificate for the course; issuing twice gives back the same one. The grade is printed
    only when the course asks for one and the graded activities' kinds let the trainee see their marks
    (for a quiz, its review options)."""
    from lms.progress.queries import CourseShape

    if CourseShape.of(course).final_grade_hidden:
        grade = None
    return _issue_once(
        Certificate.course_id == course.id,
        user,
        course_id=course.id,
        course_title=course.title,
        hours=course.hours,
        completed_on=completed_on,
        grade=grade if course.completion_min_grade else None,
        language=course.language,
        template=template,
        issued_by_id=by.id if by else None,
        reason=reason,
    )


def _issue_once(subject, user: User, **fields) -> Certificate:
    """The user's certificate matching `subject` (a course or a programme), made with `fields` if
    there is none yet: a certificate is issued once, whoever asks again."""
    existing = db.session.scalar(select(Certificate).where(Certificate.user_id == user.id, subject))
    if existing is not None:
        return existing
    certificate = Certificate(
        code=new_code(), user_id=user.id, name=user.name, issuer=settings()["issuer"], **fields
    )
    db.session.add(certificate)
    db.session.flush()
    notify(
        "certificate.issued",
        [user],
        template="certificate_issued",
        context={"certificate": certificate, "verify_url": verify_url(certificate.code)},
        link=site_path("certificates.mine"),
        key=f"certificate:{certificate.id}",
    )
    return certificate


def issue_on_completion(course: Course, user_id: int, completion) -> Certificate:
    """Registered with the progress feature: a completed course earns its certificate at once, and the
    last course of a programme the trainee follows earns the programme's certificate too."""
    user = db.session.get(User, user_id)
    certificate = issue(course, user, completion.completed_at.date(), completion.final_grade)
    for programme in programmes_completed(course, user_id):
        issue_for_programme(programme, user, course.language)
    return certificate


def programmes_completed(course: Course, user_id: int) -> list:
    """The programmes with this course, followed by the trainee (in a cohort), all of whose courses
    the trainee has completed."""
    from lms.classroom.models import Cohort, CohortMember, Programme
    from lms.progress.models import CourseCompletion

    followed = db.session.scalars(
        select(Programme).where(
            Programme.courses.any(Course.id == course.id),
            Programme.cohorts.any(Cohort.members.any(CohortMember.user_id == user_id)),
        )
    ).all()
    done = set(
        db.session.scalars(select(CourseCompletion.course_id).where(CourseCompletion.user_id == user_id))
    )
    return [p for p in followed if p.courses and all(c.id in done for c in p.courses)]


def issue_for_programme(programme, user: User, language: str) -> Certificate:
    from lms.progress.models import CourseCompletion

    last = db.session.scalar(
        select(func.max(CourseCompletion.completed_at)).where(
            CourseCompletion.user_id == user.id,
            CourseCompletion.course_id.in_([c.id for c in programme.courses]),
        )
    )
    return _issue_once(
        Certificate.programme_id == programme.id,
        user,
        programme_id=programme.id,
        course_title=programme.title,
        hours=sum(c.hours for c in programme.courses),
        completed_on=last.date(),
        grade=None,
        language=language,
    )


def revoke(certificate: Certificate, reason: str, by: User) -> None:
    from lms.admin.services import audit

    if certificate.revoked_at is None:
        certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = (
            utcnow(),
            reason,
            by.id,
        )
        audit("certificate.revoke", certificate.code, reason=reason)


def verify_url(code: str) -> str:
    return external_url("certificates.verify", code=code)


def view_of(certificate: Certificate, chosen: dict | None = None):
    """What the certificate prints; `chosen`: the site's settings() when the caller has them already
    (a bulk export reads them once, not once a certificate)."""
    from lms.certificates.pdf import CertificateView

    chosen = chosen or settings()
    return CertificateView(
        code=certificate.code,
        name=certificate.name,
        course_title=certificate.course_title,
        hours=float(certificate.hours),
        completed_on=certificate.completed_on,
        grade=certificate.grade,
        issuer=certificate.issuer,
        language=certificate.language,
        verify_url=verify_url(certificate.code),
        signatories=chosen["signatories"],
        funding_line=chosen["funding_line"],
        logos=chosen["logos"],
        template=certificate.template,
    )


def renderer():
    """One renderer per process: fonts and stylesheets are parsed once, not per certificate."""
    from pathlib import Path

    from lms.certificates.pdf import CertificateRenderer

    app = current_app._get_current_object()
    if "certificate_renderer" not in app.extensions:
        app.extensions["certificate_renderer"] = CertificateRenderer(
            Path(app.static_folder), storage(app).within("uploads")
        )
    return app.extensions["certificate_renderer"]


def file_name(certificate: Certificate) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9]+", "-", certificate.name).strip("-")[:40]
    return f"{certificate.code}{'-' + ascii_name if ascii_name else ''}.pdf"


REGISTER_HEADER = ["code", "name", "course", "hours", "completed_on", "grade", "issued_at (UTC)", "status"]


def _request_context():
    """Templates build URLs: outside a request (the CLI, a job), pretend one at the site's address."""
    from contextlib import nullcontext

    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["BASE_URL"])


def register_row(certificate: Certificate) -> list:
    return [
        certificate.code,
        certificate.name,
        certificate.course_title,
        float(certificate.hours),
        certificate.completed_on.isoformat(),
        "" if certificate.grade is None else round(certificate.grade, 1),
        certificate.issued_at.strftime("%Y-%m-%d %H:%M"),
        "valid" if certificate.is_valid else "revoked",
    ]


def export_zip(
    certificates: list[Certificate],
    out,
    processes: int = 2,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Write a ZIP of the certificates' PDFs and a CSV register to `out` (a path or binary file).

    HTML is made here (it needs the app); the PDFs are rendered by `processes` workers, each with its
    fonts and stylesheet loaded once.
    """
    from pathlib import Path

    from lms.certificates.pdf import render_many
    from lms.exports import safe_cell

    r = renderer()
    chosen = settings()
    with _request_context():  # verify URLs are built from the site's address
        views = [view_of(c, chosen) for c in certificates]
    names = {c.code: file_name(c) for c in certificates}
    app = current_app._get_current_object()

    def pages():
        # Each page's HTML is made as the renderers ask for it, so they start at once instead of after
        # the whole batch's HTML. With processes > 1 a pool's feeder thread runs this: the context it
        # needs (templates, translations, the site's context processors) is pushed here, for each page
        # so that none is left open between two; the views need no database.
        for view in views:
            with app.test_request_context(base_url=app.config["BASE_URL"]):
                html = r.html(view)
            yield view.code, html

    register = io.StringIO()
    writer = csv.writer(register)
    writer.writerow(REGISTER_HEADER)
    for certificate in certificates:
        writer.writerow([safe_cell(value) for value in register_row(certificate)])
    done = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("register.csv", "\ufeff" + register.getvalue())
        for code, pdf in render_many(
            pages(), Path(app.static_folder), r.uploads, processes=processes, renderer=r
        ):
            archive.writestr(
                names[code], pdf, compress_type=zipfile.ZIP_STORED
            )  # PDFs are compressed already
            done += 1
            progress(done)
    return done


def certificates_query(
    course_id: int | None = None, since: date | None = None, until: date | None = None, status: str = ""
):
    query = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    if course_id:
        query = query.where(Certificate.course_id == course_id)
    if since:
        query = query.where(Certificate.completed_on >= since)
    if until:
        query = query.where(Certificate.completed_on <= until)
    if status == "valid":
        query = query.where(Certificate.revoked_at.is_(None))
    elif status == "revoked":
        query = query.where(Certificate.revoked_at.is_not(None))
    return query
