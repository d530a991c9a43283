"""Posting, scheduling, editing and telling announcements. Never commits."""

from datetime import datetime

import bleach
from sqlalchemy import select

from lms.announcements.models import Announcement
from lms.auth.models import User
from lms.classroom.models import Cohort, CohortMember
from lms.courses.models import Course, Enrolment
from lms.db import db, utcnow
from lms.i18n import _l
from lms.markup import render_markdown
from lms.notifications import notify, register_event
from lms.notifications.services import site_path

register_event("announcement.new", _l("New announcements in your courses and cohorts"))

SHOWN = 3  # announcements kept for the course page and the dashboard
EXCERPT_CHARS = 280


def post(
    author: User,
    *,
    course: Course | None = None,
    cohort: Cohort | None = None,
    title: str,
    body: str,
    pinned: bool = False,
    publish_at: datetime | None = None,
    tell: bool = True,
) -> Announcement:
    """A new announcement; published (and told) now unless `publish_at` is later."""
    announcement = Announcement(
        course=course,
        cohort=cohort,
        author=author,
        title=title.strip(),
        body=body,
        body_html=str(render_markdown(body)),
        pinned=pinned,
        publish_at=publish_at or utcnow(),
        tell=tell,
    )
    db.session.add(announcement)
    db.session.flush()
    if announcement.publish_at <= utcnow():
        publish(announcement)
    return announcement


def update(
    announcement: Announcement, *, title: str, body: str, pinned: bool, publish_at: datetime | None
) -> None:
    """Change it; it is not told again (a scheduled one is told when its new time comes)."""
    announcement.title = title.strip()
    if body != announcement.body:
        announcement.body, announcement.body_html = body, str(render_markdown(body))
    announcement.pinned = pinned
    if not announcement.is_published:
        announcement.publish_at = publish_at or utcnow()
    announcement.edited_at = utcnow()
    db.session.flush()
    if not announcement.is_published and announcement.publish_at <= utcnow():
        publish(announcement)
    else:
        refresh_latest(announcement)


def delete(announcement: Announcement) -> None:
    course, cohort = announcement.course, announcement.cohort
    db.session.delete(announcement)
    db.session.flush()
    _store_latest(course, cohort)


def audience(announcement: Announcement) -> list[User]:
    """Everyone enrolled in the course (active enrolments), or the cohort's current members."""
    if announcement.course_id is not None:
        query = (
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == announcement.course_id, Enrolment.status == "active")
        )
    else:
        query = (
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == announcement.cohort_id, CohortMember.left_at.is_(None))
        )
    return list(db.session.scalars(query.where(User.active)))


def link(announcement: Announcement) -> str:
    anchor = f"announcement-{announcement.id}"
    if announcement.course is not None:
        return site_path("announcements.course", slug=announcement.course.slug, _anchor=anchor)
    return site_path("announcements.cohort", cohort_id=announcement.cohort_id, _anchor=anchor)


def publish(announcement: Announcement, *, tell_now: bool = False) -> list[User]:
    """Show it from now on and, if asked, tell its audience (in-app, and mail by their choice). From a
    request the telling is a background job after the commit (hundreds of mails to render); a job
    (`tell_now`) tells at once. Returns the users told now."""
    if announcement.is_published:
        return []
    announcement.published_at = utcnow()
    db.session.flush()
    refresh_latest(announcement)
    if not announcement.tell:
        return []
    if not tell_now:
        from lms.announcements.tasks import tell_audience
        from lms.jobs import enqueue

        enqueue(tell_audience, announcement.id)
        return []
    return tell(announcement)


def tell(announcement: Announcement) -> list[User]:
    """Notify the audience once (the key is the announcement): running it again tells nobody twice."""
    where = announcement.course.title if announcement.course is not None else announcement.cohort.name
    return notify(
        "announcement.new",
        audience(announcement),
        template="announcement_new",
        context={
            "announcement": announcement,
            "where": where,
            "author": announcement.author.name if announcement.author else "",
        },
        link=link(announcement),
        key=f"announcement:{announcement.id}",
    )


def publish_due(now: datetime | None = None) -> int:
    """Publish every scheduled announcement whose time has come; returns how many."""
    due = db.session.scalars(
        select(Announcement).where(
            Announcement.published_at.is_(None), Announcement.publish_at <= (now or utcnow())
        )
    ).all()
    for announcement in due:
        publish(announcement, tell_now=True)
    return len(due)


def excerpt(html: str) -> str:
    text = " ".join(bleach.clean(html, tags=set(), strip=True).split())
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def refresh_latest(announcement: Announcement) -> None:
    _store_latest(announcement.course, announcement.cohort)


def _store_latest(course: Course | None, cohort: Cohort | None) -> None:
    """Keep the latest published announcements on the course or cohort row (see their column)."""
    target = course if course is not None else cohort
    if target is None:
        return
    shown = db.session.scalars(
        Announcement.of(course=course, cohort=cohort if course is None else None).limit(SHOWN)
    ).all()
    target.latest_announcements = [
        {
            "id": a.id,
            "title": a.title,
            "excerpt": excerpt(a.body_html),
            "pinned": a.pinned,
            "at": a.published_at.isoformat(),
            "author": a.author.name if a.author else "",
            "link": link(a),
        }
        for a in shown
    ]
    db.session.flush()
