"""Announcement pages of a course and of a cohort; the latest shown on the course page and dashboard
come from the rows those pages already load (see `latest_news`)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.announcements import bp
from lms.announcements import services as announcements
from lms.announcements.forms import AnnouncementForm
from lms.announcements.models import Announcement
from lms.classroom.models import Cohort
from lms.courses.models import Enrolment
from lms.courses.queries import get_course_outline
from lms.db import db, utcnow
from lms.forms import ActionForm
from lms.i18n import _, select_timezone
from lms.security import login_required, require


@bp.app_template_global()
def latest_news(courses=(), cohorts=(), limit: int = 3) -> list[dict]:
    """The latest announcements of these courses and cohorts, pinned first, from the snapshot each row
    keeps (no query): for the dashboard and the course page."""
    items = []
    for owner in (*courses, *cohorts):
        title = getattr(owner, "title", None) or getattr(owner, "name", "")
        for item in owner.latest_announcements or []:
            items.append({**item, "where": title, "at": datetime.fromisoformat(item["at"])})
    items.sort(key=lambda item: (item["pinned"], item["at"]), reverse=True)
    return items[:limit]


def _local_to_utc(value: datetime | None) -> datetime | None:
    """A datetime-local field's value, read in the writer's time zone."""
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(select_timezone())).astimezone(ZoneInfo("UTC"))


def _utc_to_local(value: datetime) -> datetime:
    return value.astimezone(ZoneInfo(select_timezone())).replace(tzinfo=None, second=0, microsecond=0)


def _page(target_kwargs: dict, title: str, may_post: bool, query, back: tuple[str, str]):
    form = AnnouncementForm() if may_post else None
    if form is not None and form.validate_on_submit():
        publish_at = _local_to_utc(form.publish_at.data)
        announcement = announcements.post(
            current_user,
            title=form.title.data,
            body=form.body.data,
            pinned=form.pinned.data,
            publish_at=publish_at,
            tell=form.tell.data,
            **target_kwargs,
        )
        db.session.commit()
        if announcement.is_published:
            flash(_("The announcement is published."), "success")
        else:
            flash(_("The announcement is scheduled."), "success")
        return redirect(request.path)
    items = db.session.scalars(query.options(selectinload(Announcement.author))).all()
    return render_template(
        "announcements/list.html",
        items=items,
        title=title,
        form=form,
        may_post=may_post,
        back=back,
        action_form=ActionForm(),
        now=utcnow(),
    ), 400 if request.method == "POST" else 200


@bp.route("/courses/<slug>", methods=["GET", "POST"])
@login_required
def course(slug: str):
    course = get_course_outline(slug)
    if course is None:
        abort(404)
    may_post = course.can_edit(current_user)
    if not may_post:
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id == current_user.id)
        )
        require(course.can_read(current_user, enrolment))
    if request.method == "POST":
        require(may_post)
    return _page(
        {"course": course},
        course.title,
        may_post,
        Announcement.of(course=course, drafts=may_post),
        (url_for("courses.detail", slug=course.slug), course.title),
    )


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@login_required
def cohort(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        abort(404)
    may_post = cohort.can_manage(current_user)
    require(may_post or cohort.is_member(current_user.id))
    if request.method == "POST":
        require(may_post)
    back = (
        url_for("classroom.cohort", cohort_id=cohort.id) if may_post else url_for("classroom.index"),
        cohort.name,
    )
    return _page(
        {"cohort": cohort}, cohort.name, may_post, Announcement.of(cohort=cohort, drafts=may_post), back
    )


def _editable(announcement_id: int) -> Announcement:
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        abort(404)
    require(announcement.can_edit(current_user))
    return announcement


def _list_url(announcement: Announcement) -> str:
    if announcement.course is not None:
        return url_for("announcements.course", slug=announcement.course.slug)
    return url_for("announcements.cohort", cohort_id=announcement.cohort_id)


@bp.route("/<int:announcement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(announcement_id: int):
    announcement = _editable(announcement_id)
    form = AnnouncementForm(obj=announcement if request.method == "GET" else None)
    del form.tell
    if request.method == "GET":
        form.publish_at.data = None if announcement.is_published else _utc_to_local(announcement.publish_at)
    if announcement.is_published:
        del form.publish_at
    if form.validate_on_submit():
        announcements.update(
            announcement,
            title=form.title.data,
            body=form.body.data,
            pinned=form.pinned.data,
            publish_at=None if announcement.is_published else _local_to_utc(form.publish_at.data),
        )
        db.session.commit()
        flash(_("The announcement is saved."), "success")
        return redirect(_list_url(announcement))
    return render_template(
        "announcements/edit.html", form=form, announcement=announcement, back=_list_url(announcement)
    ), 400 if request.method == "POST" else 200


@bp.route("/<int:announcement_id>/delete", methods=["POST"])
@login_required
def delete(announcement_id: int):
    announcement = _editable(announcement_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = _list_url(announcement)
    announcements.delete(announcement)
    db.session.commit()
    flash(_("The announcement is deleted."), "success")
    return redirect(back)
