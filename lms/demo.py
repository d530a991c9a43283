"""Demo data for `lms demo`: idempotent, so running it again changes nothing."""

from pathlib import Path

from sqlalchemy import select

from lms import asset_dir
from lms.auth.models import User
from lms.auth.services import create_user
from lms.courses.models import Course
from lms.courses.services import enrol
from lms.db import db
from lms.demo_programme import load_programme

# The demo trainee (Greek-speaking) is enrolled in these bundled courses.
DEMO_VAT = "800123456"  # a well-formed Greek ΑΦΜ (its check digit is right), belonging to nobody
DEMO_ENROLMENTS = ("digital-marketing-el", "digital-marketing", "ict-essentials", "startup-skills")


def load_demo(users, password: str) -> list[str]:
    """Create the demo users and import the bundled courses that are not there yet; returns problems."""
    from lms.cli import find_packages, import_packages

    enterprise = _demo_enterprise()
    for email, name, role, locale, country in users:
        if db.session.scalar(User.by_email(email)) is None:
            user = create_user(
                email, name, password, role=role, locale=locale, country=country, timezone="Europe/Athens"
            )
            if role == "trainee":
                user.enterprise = enterprise
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
    trainer = db.session.scalar(User.by_email(users[1][0]))
    _demo_programme(trainee, trainer)
    load_programme(trainer)
    return problems


def _demo_enterprise():
    """The demo trainee's bakery in Serres: a micro enterprise with a checked Greek VAT number."""
    from lms.enterprises.services import by_number, create_enterprise

    return by_number("GR", DEMO_VAT) or create_enterprise(
        name="Αρτοποιία Σερρών ΙΚΕ",
        country="GR",
        region="Κεντρική Μακεδονία",
        number=DEMO_VAT,
        nace_section="C",
        nace_division="10",
        headcount=6,
        turnover_eur=420_000,
        founded_year=2021,
    )


def _demo_programme(trainee: User, trainer: User) -> None:
    """A programme with one cohort and eight weekly e-classes from next week, once."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from lms.classroom.models import Cohort, Programme
    from lms.classroom.services import add_member, schedule

    if db.session.scalar(select(Programme.id)) is not None:
        return
    courses = db.session.scalars(
        select(Course).where(Course.slug.in_(["digital-marketing", "ict-essentials"]))
    ).all()
    programme = Programme(
        title="SME Digital Skills 2027 - Serres",
        courses=list(courses),
        funding_line="Co-funded by the European Union - Interreg IPA Greece - North Macedonia",
    )
    cohort = Cohort(
        programme=programme,
        name="Serres spring group",
        partner="Serres business incubator",
        timezone="Europe/Athens",
        trainers=[trainer],
    )
    db.session.add(cohort)
    add_member(cohort, trainee)
    next_week = datetime.now(ZoneInfo("Europe/Athens")).replace(hour=18, minute=0, second=0, microsecond=0)
    schedule(
        cohort,
        next_week + timedelta(days=7),
        90,
        8,
        trainer=trainer,
        place="Incubator classroom, Serres",
        topic="Digital marketing workshop",
    )
