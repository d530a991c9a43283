"""Demo data for `lms demo`: idempotent, so running it again changes nothing."""

from pathlib import Path

from sqlalchemy import select

from lms import asset_dir
from lms.auth.models import User
from lms.auth.services import create_user
from lms.courses.models import Course
from lms.courses.services import enrol
from lms.db import db

# The demo trainee (Greek-speaking) is enrolled in these bundled courses.
DEMO_ENROLMENTS = ("digital-marketing-el", "digital-marketing", "ict-essentials", "startup-skills")


def load_demo(users, password: str) -> list[str]:
    """Create the demo users and import the bundled courses that are not there yet; returns problems."""
    from lms.cli import find_packages, import_packages

    for email, name, role, locale, country in users:
        if db.session.scalar(User.by_email(email)) is None:
            create_user(
                email,
                name,
                password,
                role=role,
                locale=locale,
                country=country,
                organisation="Demo SME",
                timezone="Europe/Athens",
            )
    db.session.flush()
    existing = set(db.session.scalars(select(Course.slug)))
    packages = [
        path
        for path in find_packages(Path(asset_dir("courses", "bundled_courses")))
        if path.name not in existing
    ]
    _, problems = import_packages(packages)
    trainee = db.session.scalar(User.by_email(users[0][0]))
    for course in db.session.scalars(select(Course).where(Course.slug.in_(DEMO_ENROLMENTS))):
        enrol(course, trainee, "manual")
    return problems
