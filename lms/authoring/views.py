"""Trainers write and arrange courses in the browser; coordinators may edit every course."""

import posixpath

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.activities import kind_of, kinds
from lms.activities.base import DURATION, NEW_BY_TITLE
from lms.activities.views import new_activity as add_activity
from lms.activities.views import outline_url
from lms.auth.models import User
from lms.authoring import bp
from lms.authoring.forms import (
    CourseForm,
    DeleteForm,
    EnrolUserForm,
    ImportCourseForm,
    ImportMoodleBackupForm,
    LessonForm,
    ModuleForm,
    MoveForm,
    UploadFileForm,
)
from lms.courses import services
from lms.courses.archive import read_zip, write_zip
from lms.courses.models import Activity, Module
from lms.courses.package import PackageError, content_matches, package_files, parse_package
from lms.courses.queries import get_course_outline, participants, taught_courses
from lms.courses.transfer import export_course, import_course
from lms.db import db
from lms.forms import NewActivityForm
from lms.i18n import _
from lms.markup import MarkdownError, markdown_problem
from lms.security import editable_course, require, role_required

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
COURSE_FIELDS = (
    "title",
    "slug",
    "summary",
    "language",
    "category",
    "hours",
    "published",
    "self_enrolment",
    "enrolment_key",
    "completion_activities",
    "completion_lessons",
    "completion_min_grade",
    "completion_min_attendance",
)


def _module_of(course, module_id: int) -> Module:
    module = next((m for m in course.modules if m.id == module_id), None)
    if module is None:
        abort(404)
    return module


def _activity_of(course, activity_id: int) -> Activity:
    activity = next((a for a in course.activities() if a.id == activity_id), None)
    if activity is None:
        abort(404)
    return activity


def _trainer_choices(form: CourseForm) -> None:
    trainers = db.session.scalars(select(User).where(User.role != "trainee", User.active).order_by(User.name))
    form.trainers.choices = [(user.id, f"{user.name} <{user.email}>") for user in trainers]


def _chosen_trainers(form: CourseForm) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.id.in_(form.trainers.data or []), User.role != "trainee"))
    )


def _save_course(form: CourseForm, course=None):
    """Create (course None) or update a course from its form and commit; None if the slug is taken."""
    fields = {name: form[name].data for name in COURSE_FIELDS}
    fields["enrolment_key"] = fields["enrolment_key"] or None
    try:
        if course is None:
            course = services.create_course(current_user, **fields)
        else:
            services.update_course(course, **fields)
    except services.CourseError:
        form.slug.errors.append(_("Another course already uses this address."))
        return None
    if current_user.is_coordinator:
        course.trainers = _chosen_trainers(form)
    db.session.commit()
    return course


@bp.route("/")
@role_required("trainer")
def index():
    return render_template(
        "authoring/index.html",
        courses=taught_courses(current_user),
        import_form=ImportCourseForm(),
        moodle_form=ImportMoodleBackupForm(prefix="moodle"),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("trainer")
def new_course():
    form = CourseForm(data={"self_enrolment": True, "hours": 1, "language": "en", "category": "other"})
    _trainer_choices(form)
    if form.validate_on_submit() and (course := _save_course(form)) is not None:
        flash(_("Course created. Add its first module below."), "success")
        return redirect(url_for("authoring.course", slug=course.slug))
    return render_template(
        "authoring/course_form.html", form=form, course=None
    ), 400 if form.is_submitted() else 200


@bp.route("/import", methods=["POST"])
@role_required("trainer")
def import_zip():
    form = ImportCourseForm()
    if not form.validate_on_submit():
        flash(_("Choose a .zip file to import."), "error")
        return redirect(url_for("authoring.index"))
    try:
        spec = parse_package(read_zip(form.archive.data.read(), form.archive.data.filename or "upload.zip"))
    except PackageError as error:
        return render_template("authoring/import_errors.html", problems=error.problems), 400
    existing = get_course_outline(spec.slug)
    if existing is not None:
        require(existing.can_edit(current_user))
    course, warnings = import_course(spec)
    if existing is None and current_user.role == "trainer" and not course.is_trainer(current_user):
        course.trainers.append(current_user)
    db.session.commit()
    for warning in warnings:
        flash(warning, "warning")
    flash(_("Imported %(course)s.", course=course.title), "success")
    return redirect(url_for("authoring.course", slug=course.slug))


@bp.route("/import-moodle", methods=["POST"])
@role_required("trainer")
def import_moodle():
    """A Moodle course backup (.mbz) becomes a new, unpublished course; the page lists what could not be
    carried over. Checked whole before anything is written."""
    from lms.moodle.backup import BackupError, SlugTaken, import_backup, save_course

    form = ImportMoodleBackupForm(prefix="moodle")
    if not form.validate_on_submit():
        flash(_("Choose a Moodle backup (.mbz) to import."), "error")
        return redirect(url_for("authoring.index"))
    name = form.backup.data.filename or "backup.mbz"
    try:
        spec, report, _package = import_backup(
            form.backup.data.read(), name, (form.slug.data or "").strip() or None
        )
        course, warnings = save_course(spec, report)
    except BackupError as error:
        return render_template("authoring/import_errors.html", problems=error.problems), 400
    except SlugTaken as error:
        flash(
            _(
                "A course with the short name “%(slug)s” exists: a backup becomes a new course. Give another "
                "short name.",
                slug=str(error),
            ),
            "error",
        )
        return redirect(url_for("authoring.index"))
    if current_user.role == "trainer":
        course.trainers.append(current_user)
    db.session.commit()
    for warning in warnings:
        flash(warning, "warning")
    return render_template("authoring/moodle_report.html", course=course, report=report)


@bp.route("/courses/<slug>", methods=["GET", "POST"])
@role_required("trainer")
def course(slug: str):
    course = editable_course(slug)
    form = CourseForm(
        obj=course, data={"trainers": [t.id for t in course.trainers]} if request.method == "GET" else None
    )
    _trainer_choices(form)
    if form.validate_on_submit() and _save_course(form, course) is not None:
        flash(_("Course saved."), "success")
        return redirect(url_for("authoring.course", slug=course.slug))
    return render_template(
        "authoring/course.html",
        course=course,
        form=form,
        module_form=ModuleForm(),
        move_form=MoveForm(),
        delete_form=DeleteForm(),
        upload_form=UploadFileForm(),
        addable_kinds=[kind for kind in kinds().values() if kind.new_endpoint],
    ), 400 if form.is_submitted() else 200


@bp.route("/courses/<slug>/export.zip")
@role_required("trainer")
def export_zip(slug: str):
    course = editable_course(slug)
    data = write_zip(package_files(export_course(course)), course.slug)
    from io import BytesIO

    return send_file(
        BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=f"{course.slug}.zip"
    )


@bp.route("/courses/<slug>/modules", methods=["POST"])
@role_required("trainer")
def add_module(slug: str):
    course = editable_course(slug)
    form = ModuleForm()
    if form.validate_on_submit():
        services.add_module(course, form.title.data.strip(), (form.summary.data or "").strip())
        db.session.commit()
        flash(_("Module added."), "success")
    else:
        flash(_("A module needs a title."), "error")
    return redirect(outline_url(course))


@bp.route("/courses/<slug>/modules/<int:module_id>", methods=["GET", "POST"])
@role_required("trainer")
def module(slug: str, module_id: int):
    course = editable_course(slug)
    module = _module_of(course, module_id)
    form = ModuleForm(obj=module)
    if form.validate_on_submit():
        services.update_module(module, form.title.data.strip(), (form.summary.data or "").strip())
        db.session.commit()
        flash(_("Module saved."), "success")
        return redirect(outline_url(course))
    return render_template(
        "authoring/module_form.html", course=course, module=module, form=form
    ), 400 if form.is_submitted() else 200


def _move_or_delete(items: list, item, action: str) -> None:
    if action == "move":
        form = MoveForm()
        if form.validate_on_submit():
            services.move(items, item, -1 if form.direction.data == "up" else 1)
            return
    elif DeleteForm().validate_on_submit():
        services.remove(items, item)
        return
    abort(400)


@bp.route("/courses/<slug>/modules/<int:module_id>/<any(move, delete):action>", methods=["POST"])
@role_required("trainer")
def change_module(slug: str, module_id: int, action: str):
    course = editable_course(slug)
    _move_or_delete(course.modules, _module_of(course, module_id), action)
    db.session.commit()
    return redirect(outline_url(course))


@bp.route("/courses/<slug>/activities/<int:activity_id>/<any(move, delete):action>", methods=["POST"])
@role_required("trainer")
def change_activity(slug: str, activity_id: int, action: str):
    course = editable_course(slug)
    activity = _activity_of(course, activity_id)
    _move_or_delete(activity.module.activities, activity, action)
    db.session.commit()
    return redirect(outline_url(course))


@bp.route("/modules/<int:module_id>/new/<kind>", methods=["POST"])
@role_required("trainer")
def new_activity(module_id: int, kind: str):
    """The outline's title form of every kind that needs only a title to begin (ActivityKind.add)."""
    found = kinds().get(kind)
    if found is None or found.new_endpoint != NEW_BY_TITLE:
        abort(404)
    return add_activity(
        module_id,
        NewActivityForm(),
        found.new_problem,
        lambda module, form: found.add(module, form.title.data.strip(), current_user),
    )


@bp.route("/courses/<slug>/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@role_required("trainer")
def new_lesson(slug: str, module_id: int):
    course = editable_course(slug)
    module = _module_of(course, module_id)
    form = LessonForm()
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = services.render_lesson(course.slug, module.slug, form.body.data or "")
        else:
            activity = services.add_lesson(
                module,
                form.title.data.strip(),
                form.body.data or "",
                form.minutes.data,
                form.optional.data,
                form.published.data,
                current_user,
            )
            db.session.commit()
            flash(_("Lesson saved."), "success")
            return redirect(url_for("authoring.activity", slug=slug, activity_id=activity.id))
    status = 400 if form.is_submitted() and preview is None else 200
    return render_template(
        "authoring/lesson_form.html", course=course, module=module, activity=None, form=form, preview=preview
    ), status


@bp.route("/courses/<slug>/activities/<int:activity_id>", methods=["GET", "POST"])
@role_required("trainer")
def activity(slug: str, activity_id: int):
    course = editable_course(slug)
    activity = _activity_of(course, activity_id)
    kind = kind_of(activity)
    if kind.edit_endpoint != request.endpoint:  # this form edits Markdown pages; others edit themselves
        return redirect(kind.edit_url(activity))
    form = LessonForm(obj=activity)
    if request.method == "GET":
        form.version.data = activity.version
    preview, stale = None, None
    if form.validate_on_submit():
        if form.preview.data:
            preview = services.render_lesson(course.slug, activity.module.slug, form.body.data or "")
        else:
            fields = {
                "title": form.title.data.strip(),
                "body": form.body.data or "",
                "optional": form.optional.data,
                "published": form.published.data,
            }
            if kind.supports(DURATION):
                fields["minutes"] = form.minutes.data
            try:
                services.save_lesson(activity, _int(form.version.data), current_user, **fields)
            except services.StaleEdit:
                # Refused: show their version beside ours; the form keeps ours, now based on theirs.
                stale = activity
                form.version.data = activity.version
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("authoring.activity", slug=slug, activity_id=activity.id))
    if stale is not None:
        status = 409
    elif form.is_submitted() and preview is None:
        status = 400
    else:
        status = 200
    return render_template(
        "authoring/lesson_form.html",
        course=course,
        module=activity.module,
        activity=activity,
        form=form,
        preview=preview,
        stale=stale,
    ), status


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@bp.route("/courses/<slug>/preview", methods=["POST"])
@role_required("trainer")
def preview(slug: str):
    """The live preview: the same server function that renders a saved lesson."""
    course = editable_course(slug)
    module = _module_of(course, _int(request.form.get("module_id")))
    text = request.form.get("body", "")
    if problem := markdown_problem(text):
        return jsonify(error=problem), 413
    try:
        return jsonify(html=str(services.render_lesson(course.slug, module.slug, text)))
    except MarkdownError as error:
        return jsonify(error=str(error)), 422


@bp.route("/courses/<slug>/files", methods=["POST"])
@role_required("trainer")
def upload_file(slug: str):
    """Upload a course file: from the course page (a redirect with a message), or an image pasted into the
    lesson editor (asked for JSON: the file's path, or the error)."""
    course = editable_course(slug)
    form = UploadFileForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    error, path, name = _("Choose a file to upload."), None, ""
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        name = posixpath.basename((upload.filename or "").replace("\\", "/")).strip()
        clean = (
            services.slugify(posixpath.splitext(name)[0], fallback="file")
            + posixpath.splitext(name)[1].lower()
        )
        if len(data) > MAX_UPLOAD_BYTES:
            error = _("%(name)s is larger than 5 MB. Make it smaller and upload it again.", name=name)
        elif not content_matches(data, clean):
            error = _("%(name)s is not an image or document type this site accepts.", name=name)
        else:
            path = f"images/{clean}"
            services.put_file(course, path, data)
            db.session.commit()
    if wants_json:
        if path is None:
            return jsonify(error=error), 400
        return jsonify(path=path, name=posixpath.splitext(name)[0])
    if path is None:
        flash(error, "error")
    else:
        flash(_("Uploaded. Use it in a lesson with ![description](../%(path)s).", path=path), "success")
    return redirect(url_for("authoring.course", slug=slug) + "#files")


@bp.route("/courses/<slug>/participants", methods=["GET", "POST"])
@role_required("trainer")
def course_participants(slug: str):
    course = editable_course(slug)
    form = EnrolUserForm()
    if form.validate_on_submit():
        user = db.session.scalar(User.by_email(form.email.data))
        if user is None:
            form.email.errors.append(_("No account has this e-mail."))
        else:
            services.enrol(course, user, "manual", by=current_user)
            db.session.commit()
            flash(_("%(name)s is enrolled.", name=user.name), "success")
            return redirect(url_for("authoring.course_participants", slug=slug))
    return render_template(
        "authoring/participants.html",
        course=course,
        form=form,
        enrolments=participants(course),
        delete_form=DeleteForm(),
    ), 400 if form.is_submitted() else 200


@bp.route("/courses/<slug>/participants/<int:enrolment_id>/unenrol", methods=["POST"])
@role_required("trainer")
def unenrol_participant(slug: str, enrolment_id: int):
    course = editable_course(slug)
    enrolment = next((e for e in participants(course) if e.id == enrolment_id), None)
    if enrolment is None:
        abort(404)
    if DeleteForm().validate_on_submit() and enrolment.is_active:
        services.unenrol(enrolment)
        db.session.commit()
        flash(_("%(name)s is unenrolled; their history is kept.", name=enrolment.user.name), "info")
    return redirect(url_for("authoring.course_participants", slug=slug))
