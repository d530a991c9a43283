"""Progress pages: trainees mark lessons done; trainers see the course overview, matrix and gradebook."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_timezone
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.activities import kind_of, with_feature
from lms.activities.base import GRADE, MARK_DONE
from lms.charts import bar_chart, funnel_chart
from lms.courses.models import Activity, Course, Enrolment, Module
from lms.courses.queries import get_enrolment, outline_numbers
from lms.db import db, utcnow
from lms.exports.tasks import Export, page_export, respond
from lms.i18n import _
from lms.progress import bp
from lms.progress import services as progress
from lms.progress.forms import DoneForm, MatrixFilterForm, OverrideForm
from lms.progress.queries import matrix
from lms.security import editable_course, login_required, require


@bp.route("/activities/<int:activity_id>/done", methods=["POST"])
@login_required
def mark_done(activity_id: int):
    """A trainee marks an activity done (or not done): one whose kind lets them, in a course they are
    enrolled in."""
    activity = db.session.scalar(
        select(Activity)
        .where(Activity.id == activity_id)
        .options(selectinload(Activity.module).selectinload(Module.course))
    )
    if activity is None:
        abort(404)
    course = activity.module.course
    enrolment = get_enrolment(course, current_user)
    require(enrolment is not None and enrolment.is_active and course.published and activity.published)
    form = DoneForm()
    if not kind_of(activity).supports(MARK_DONE) or not form.validate_on_submit():
        abort(400)
    if form.done.data == "1":
        progress.complete(activity, current_user.id, "marked")
    else:
        progress.uncomplete(activity, current_user.id)
    db.session.commit()
    return redirect(
        url_for(
            "courses.activity",
            slug=course.slug,
            module_slug=activity.module.slug,
            activity_slug=activity.slug,
        )
    )


@bp.route("/courses/<slug>")
@login_required
def overview(slug: str):
    course = editable_course(slug)
    enrolments, rows = matrix(course)
    count = len(enrolments)
    started = sum(1 for r in rows.values() if r.completed)
    half = sum(1 for r in rows.values() if r.required_total and r.required_done * 2 >= r.required_total)
    completed = sum(1 for r in rows.values() if r.completed_at)
    funnel = funnel_chart(
        [
            (_("Enrolled trainees"), count),
            (_("Started"), started),
            (_("Half done"), half),
            (_("Completed"), completed),
        ],
        title=_("Completion funnel"),
        empty=_("Nobody is enrolled yet."),
    )
    modules = []
    for module in course.modules:
        required = [a for a in module.activities if a.counts_for_completion]
        if required and rows:
            done = sum(1 for r in rows.values() for a in required if a.id in r.completed)
            modules.append((module.title, round(100 * done / (len(required) * len(rows)), 1)))
    per_module = bar_chart(
        modules,
        title=_("Progress per module (share of required activities done)"),
        empty=_("Nobody is enrolled yet."),
    )
    return render_template(
        "progress/overview.html",
        course=course,
        funnel=funnel,
        per_module=per_module,
        count=count,
        completed=completed,
    )


def _filter_form(course: Course) -> MatrixFilterForm:
    """The matrix's filters from the query string; cohorts are those of programmes with this course."""
    from lms.classroom.models import Cohort, Programme

    form = MatrixFilterForm(request.args)
    cohorts = db.session.scalars(
        select(Cohort)
        .join(Programme)
        .where(Programme.courses.any(Course.id == course.id))
        .order_by(Cohort.name)
    ).all()
    form.cohort.choices = [("", _("All trainees"))] + [(str(c.id), c.name) for c in cohorts]
    if not form.validate():
        form = MatrixFilterForm(formdata=None)
        form.cohort.choices = [("", _("All trainees"))]
    return form


def _matrix_rows(course: Course, form: MatrixFilterForm):
    from lms.classroom.models import CohortMember

    enrolments, rows = matrix(course)
    if form.cohort.data:
        members = set(
            db.session.scalars(
                select(CohortMember.user_id).where(CohortMember.cohort_id == int(form.cohort.data))
            )
        )
        enrolments = [e for e in enrolments if e.user_id in members]
    sort = form.sort.data or "name"
    keys = {
        "name": lambda e: e.user.name.casefold(),
        "progress": lambda e: (-rows[e.user_id].percent, e.user.name.casefold()),
        "last_access": lambda e: (
            rows[e.user_id].last_access.timestamp() if rows[e.user_id].last_access else 0
        ),
        "grade": lambda e: -(rows[e.user_id].final_grade or -1),
    }
    enrolments.sort(key=keys.get(sort, keys["name"]))
    return enrolments, rows


@bp.route("/courses/<slug>/matrix")
@login_required
def course_matrix(slug: str):
    course = editable_course(slug)
    form = _filter_form(course)
    enrolments, rows = _matrix_rows(course, form)
    activities = [a for a in course.activities() if a.published]
    inactive_since = utcnow() - timedelta(days=form.inactive_days.data or 7)
    return render_template(
        "progress/matrix.html",
        course=course,
        form=form,
        enrolments=enrolments,
        rows=rows,
        activities=activities,
        codes=outline_numbers(course),
        inactive_since=inactive_since,
    )


def _export_rows(course: Course, enrolments, rows, with_activities: bool):
    activities = [a for a in course.activities() if a.published]
    graded = {a.id for a in with_feature(activities, GRADE)}
    header = [_("Name"), _("E-mail"), _("Organisation"), _("Country")]
    columns = activities if with_activities else [a for a in activities if a.id in graded]
    header += [a.title for a in columns]
    zone = str(get_timezone())  # the reader's: the cells are formatted in it, and the header says so
    header += [_("Progress (%)"), _("Final grade"), _("Completed on"), f"{_('Last access')} ({zone})"]
    yield header
    done = _("done")
    for enrolment in enrolments:
        user, row = enrolment.user, rows[enrolment.user_id]
        cells = [user.name, user.email, user.organisation or "", user.country or ""]
        for activity in columns:
            if activity.id in graded:
                grade = row.grades.get(activity.id)
                cells.append("" if grade is None else round(grade, 1))
            else:
                cells.append(done if activity.id in row.completed else "")
        cells += [
            row.percent,
            "" if row.final_grade is None else round(row.final_grade, 1),
            format_datetime(row.completed_at, "yyyy-MM-dd") if row.completed_at else "",
            format_datetime(row.last_access, "yyyy-MM-dd HH:mm") if row.last_access else "",
        ]
        yield cells


@page_export("progress")
def progress_file(fmt: str, slug: str, kind: str) -> Export:
    """The progress matrix or the gradebook as CSV or XLSX, with the page's filters: made in the request
    up to EXPORT_IN_REQUEST_CELLS cells (enrolled trainees times columns), by an export job beyond."""
    course = editable_course(slug)
    enrolled = db.session.scalar(
        select(func.count()).select_from(Enrolment).where(Enrolment.course_id == course.id)
    )
    columns = sum(1 for a in course.activities() if a.published) + 8

    def rows():
        enrolments, matrix_rows = _matrix_rows(course, _filter_form(course))
        return _export_rows(course, enrolments, matrix_rows, with_activities=kind == "matrix")

    title = _("Progress matrix") if kind == "matrix" else _("Gradebook")
    return Export(
        filename=f"{course.slug}-{kind}-{utcnow():%Y%m%d}.{fmt}",
        size=enrolled * columns,
        rows=rows,
        sheet=_("Progress") if kind == "matrix" else _("Gradebook"),
        total=enrolled,
        title=f"{title} — {course.title}",
        back=url_for(
            f"progress.{'course_matrix' if kind == 'matrix' else 'gradebook'}", slug=slug, **request.args
        ),
    )


@bp.route("/courses/<slug>/<any(matrix, gradebook):kind>.<any(csv, xlsx):fmt>")
@login_required
def export(slug: str, kind: str, fmt: str):
    return respond(progress_file, fmt, slug=slug, kind=kind)


@bp.route("/courses/<slug>/gradebook", methods=["GET", "POST"])
@login_required
def gradebook(slug: str):
    course = editable_course(slug)
    form = OverrideForm()
    if form.validate_on_submit():
        enrolled = {e.user_id for e in matrix(course)[0]}
        graded = {a.id: a for a in with_feature(course.activities(), GRADE)}
        try:
            user_id = int(form.user_id.data)
            activity = graded[int(form.activity_id.data)] if form.activity_id.data else None
        except (KeyError, ValueError):
            abort(400)
        if user_id not in enrolled:
            abort(400)
        progress.override_grade(
            course, user_id, activity, float(form.grade.data), form.reason.data.strip(), current_user
        )
        db.session.commit()
        flash(_("Grade overridden; the reason is in the audit log."), "success")
        return redirect(url_for("progress.gradebook", slug=slug))
    enrolments, rows = _matrix_rows(course, MatrixFilterForm(formdata=None))
    graded = with_feature([a for a in course.activities() if a.published], GRADE)
    return render_template(
        "progress/gradebook.html",
        course=course,
        enrolments=enrolments,
        rows=rows,
        graded=graded,
        codes=outline_numbers(course),
        form=form,
    ), 400 if form.is_submitted() else 200
