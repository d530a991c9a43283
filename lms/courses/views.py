from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from lms.activities import kind_of
from lms.courses import bp
from lms.courses.forms import CATEGORY_LABELS, CatalogueFilterForm, EnrolForm, UnenrolForm
from lms.courses.models import Activity, CourseFile
from lms.courses.outline import read_outline
from lms.courses.queries import catalogue as catalogue_query
from lms.courses.queries import get_course_and_enrolment
from lms.courses.services import CourseError, blob_key, self_enrol
from lms.courses.services import unenrol as unenrol_service
from lms.db import db, prepared, writing
from lms.i18n import _
from lms.progress.forms import DoneForm
from lms.progress.queries import course_progress
from lms.progress.services import record_view, view_recorded
from lms.security import login_required, require
from lms.storage import storage
from lms.url_cache import cached_url_for


@bp.app_template_global()
def activity_url(course_slug: str, activity) -> str:
    """Where a trainee reads an activity (of the outline or the ORM): its module's slug and its own."""
    return cached_url_for(
        "courses.activity", slug=course_slug, module_slug=activity.module.slug, activity_slug=activity.slug
    )


@prepared
def _activity_with_module():
    return select(Activity).options(joinedload(Activity.module)).where(Activity.id == bindparam("id"))


def _load_course(slug: str):
    """The course, or 404; 404 too for a draft the visitor may not see."""
    return _load_course_and_enrolment(slug)[0]


def _load_course_and_enrolment(slug: str):
    """The course (or 404, as _load_course) and the visitor's enrolment in it, if any."""
    course, enrolment = get_course_and_enrolment(slug, current_user)
    if course is None or not course.can_view_summary(current_user):
        abort(404)
    return course, enrolment


@bp.route("/")
def catalogue():
    form = CatalogueFilterForm(request.args)
    valid = form.validate()
    query = catalogue_query(
        current_user,
        (form.q.data or "") if valid else "",
        form.category.data or "" if valid else "",
        form.language.data or "" if valid else "",
    )
    page = db.paginate(query, per_page=24, error_out=False)
    return render_template("courses/catalogue.html", form=form, page=page, categories=CATEGORY_LABELS)


@bp.route("/<slug>")
def detail(slug: str):
    course, enrolment = _load_course_and_enrolment(slug)
    outline = read_outline(course.id)
    row = (
        course_progress(course, [current_user.id], outline=outline)[current_user.id]
        if enrolment and enrolment.is_active
        else None
    )
    return render_template(
        "courses/detail.html",
        progress=row,
        course=course,
        outline=outline.visible(course.can_edit(current_user)),
        enrolment=enrolment,
        can_read=course.can_read(current_user, enrolment),
        enrol_form=EnrolForm(),
        unenrol_form=UnenrolForm(),
        categories=CATEGORY_LABELS,
    )


@bp.route("/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug: str):
    course = _load_course(slug)
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            self_enrol(course, current_user, form.key.data)
        except CourseError as error:
            message = {
                "wrong-key": _("That enrolment key is not right. Ask your trainer for it."),
                "closed": _("This course does not take enrolments here. Ask your coordinator to enrol you."),
            }[str(error)]
            flash(message, "error")
            return redirect(url_for("courses.detail", slug=slug))
        db.session.commit()
        flash(_("You are enrolled in %(course)s.", course=course.title), "success")
    return redirect(url_for("courses.detail", slug=slug))


@bp.route("/<slug>/unenrol", methods=["POST"])
@login_required
def unenrol(slug: str):
    course, enrolment = _load_course_and_enrolment(slug)
    if UnenrolForm().validate_on_submit() and enrolment is not None and enrolment.is_active:
        unenrol_service(enrolment)
        db.session.commit()
        flash(
            _("You have left %(course)s. Your progress is kept if you come back.", course=course.title),
            "info",
        )
    return redirect(url_for("courses.detail", slug=slug))


@bp.route("/<slug>/learn/<module_slug>/<activity_slug>")
@login_required
def activity(slug: str, module_slug: str, activity_slug: str):
    course, enrolment = _load_course_and_enrolment(slug)
    require(course.can_read(current_user, enrolment))
    editor = course.can_edit(current_user)
    outline = read_outline(course.id)
    visible = outline.visible(editor)
    sequence = [a for _module, activities in visible for a in activities]
    step = next((a for a in sequence if a.module.slug == module_slug and a.slug == activity_slug), None)
    if step is None:
        abort(404)
    current = db.session.scalar(_activity_with_module(), {"id": step.id})  # the one whose body it shows
    index = sequence.index(step)
    kind = kind_of(current)
    trainee = enrolment is not None and enrolment.is_active
    if trainee and not view_recorded(current, enrolment):
        with writing(best_effort=True):
            record_view(current, enrolment)
    row = course_progress(course, [current_user.id], outline=outline)[current_user.id] if trainee else None
    return render_template(
        "courses/activity.html",
        course=course,
        activity=current,
        module=step.module,
        previous=sequence[index - 1] if index > 0 else None,
        next=sequence[index + 1] if index + 1 < len(sequence) else None,
        position=index + 1,
        total=len(sequence),
        outline=visible,
        editor=editor,
        kind=kind,
        progress=row,
        done_form=DoneForm(),
        **kind.page_context(current),
    )


@bp.route("/<slug>/files/<path:path>")
@login_required
def file(slug: str, path: str):
    course, enrolment = _load_course_and_enrolment(slug)
    require(course.can_read(current_user, enrolment))
    stored = db.first_or_404(
        db.select(CourseFile).where(CourseFile.course_id == course.id, CourseFile.path == path)
    )
    # Images show inline; anything else downloads, so no upload is ever rendered as a page of this site.
    try:
        response = storage().send(
            blob_key(stored.sha256),
            mimetype=stored.content_type,
            conditional=True,
            as_attachment=not stored.content_type.startswith("image/"),
            download_name=path.rsplit("/", 1)[-1],
            max_age=3600,
        )
    except FileNotFoundError:
        abort(404)
    response.cache_control.public = False
    response.cache_control.private = True
    return response
