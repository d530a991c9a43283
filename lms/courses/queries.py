"""Reads that views share, each in a fixed number of queries whatever the size of the course."""

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.courses.models import Activity, Course, Enrolment, Module, course_trainers
from lms.db import db, prepared


@prepared
def _outline_by_slug():
    return Course.with_outline().where(Course.slug == bindparam("slug"))


@prepared
def _enrolment():
    return Enrolment.find(bindparam("course_id"), bindparam("user_id"))


def get_course_outline(slug: str) -> Course | None:
    return db.session.scalar(_outline_by_slug(), {"slug": slug})


@prepared
def _course_with_enrolment():
    return (
        select(Course, Enrolment)
        .outerjoin(
            Enrolment, (Enrolment.course_id == Course.id) & (Enrolment.user_id == bindparam("user_id"))
        )
        .where(Course.slug == bindparam("slug"))
    )


def get_course_and_enrolment(slug: str, user) -> tuple[Course | None, Enrolment | None]:
    """A course and the user's enrolment in it, if any, in one query. The course comes without its
    outline (pages that show it read it as plain rows: lms.courses.outline) and without its trainers,
    which load when asked for: a trainee's permission check does not need them."""
    user_id = user.id if user.is_authenticated else None
    row = db.session.execute(_course_with_enrolment(), {"slug": slug, "user_id": user_id}).first()
    return (row[0], row[1]) if row else (None, None)


def outline_numbers(course: Course) -> dict[int, str]:
    """Each activity's short label as the outline numbers it: module.activity ('2.3'), for narrow columns."""
    return {
        activity.id: f"{m}.{a}"
        for m, module in enumerate(course.modules, start=1)
        for a, activity in enumerate(module.activities, start=1)
    }


def get_activity(activity_id: int, kind: str) -> Activity | None:
    """An activity of one kind with its module and course, in one row (the course's trainers, which only
    a trainer's permission check reads, load when asked for)."""
    return db.session.scalar(_activity_of_kind(), {"id": activity_id, "kind": kind})


@prepared
def _activity_of_kind():
    return (
        select(Activity)
        .where(Activity.id == bindparam("id"), Activity.kind == bindparam("kind"))
        .options(joinedload(Activity.module, innerjoin=True).joinedload(Module.course, innerjoin=True))
    )


def get_enrolment(course: Course, user) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(_enrolment(), {"course_id": course.id, "user_id": user.id})


def catalogue(user, text: str = "", category: str = "", language: str = ""):
    """Published courses (and, for their editors, drafts), filtered, with trainers loaded."""
    query = select(Course).options(selectinload(Course.trainers)).order_by(Course.title)
    if not (user.is_authenticated and user.is_coordinator):
        visible = Course.published
        if user.is_authenticated and user.is_trainer:
            taught = select(course_trainers.c.course_id).where(course_trainers.c.user_id == user.id)
            visible = or_(visible, Course.id.in_(taught))
        query = query.where(visible)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(func.lower(Course.title).like(pattern), func.lower(Course.summary).like(pattern))
        )
    if category:
        query = query.where(Course.category == category)
    if language:
        query = query.where(Course.language == language)
    return query


@prepared
def _my_enrolments():
    return (
        select(Enrolment)
        .where(Enrolment.user_id == bindparam("user_id"), Enrolment.status == "active")
        .join(Course)
        .options(contains_eager(Enrolment.course).selectinload(Course.trainers))
        .order_by(Course.title)
    )


def my_enrolments(user) -> list[Enrolment]:
    """The user's active enrolments with their courses and trainers, in two queries (the outlines, for
    progress, are read as plain rows: lms.courses.outline.read_outlines)."""
    return list(db.session.scalars(_my_enrolments(), {"user_id": user.id}))


def taught_courses(user) -> list[Course]:
    query = select(Course).order_by(Course.title)
    if not user.is_coordinator:
        query = query.join(course_trainers).where(course_trainers.c.user_id == user.id)
    return list(db.session.scalars(query))


def participants(course: Course) -> list[Enrolment]:
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.course_id == course.id)
            .options(selectinload(Enrolment.user))
            .order_by(Enrolment.status, Enrolment.enrolled_at)
        )
    )
