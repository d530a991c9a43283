"""A trainee's certificates, for their data export (lms.privacy); the PDFs are on their certificates page."""

from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.db import db
from lms.i18n import _
from lms.links import external_url
from lms.privacy import Table, moment


def certificates(user) -> list[Table]:
    table = Table(
        "certificates.csv",
        _("Your certificates: course, date, hours and the address where anyone can check each one."),
        [
            "course",
            "code",
            "completed_on",
            "hours",
            "grade_percent",
            "issued_utc",
            "revoked_utc",
            "verify_at",
        ],
    )
    for certificate in db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at)
    ):
        table.rows.append(
            [
                certificate.course_title,
                certificate.code,
                certificate.completed_on.isoformat(),
                str(certificate.hours),
                "" if certificate.grade is None else round(certificate.grade, 2),
                moment(certificate.issued_at),
                moment(certificate.revoked_at),
                external_url("certificates.verify", code=certificate.code),
            ]
        )
    return [table]
