"""Assignment pages: the trainee hands in work; the trainer edits, grades, extends and releases."""

import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import format_timedelta
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from lms.activities.views import activity_page
from lms.assignments import bp
from lms.assignments import services as assignments
from lms.assignments.activity import criterion_text, parse_criterion
from lms.assignments.forms import AssignmentForm, ExtensionForm, GradeForm, WorkForm
from lms.assignments.queries import extension_of, get_assignment, get_file, grading_rows
from lms.assignments.settings import FILE_TYPES, parse_time
from lms.courses.queries import get_enrolment
from lms.courses.services import activity_url, blob_key
from lms.db import db, utcnow
from lms.forms import ActionForm
from lms.i18n import _, format_moment, ngettext
from lms.security import editable_activity, login_required, require
from lms.storage import storage

FILTERS = ("all", "not_submitted", "needs_grading", "late")


def _message(error: assignments.AssignmentError) -> str:
    params = dict(error.params)
    if "cutoff" in params:
        params["cutoff"] = format_moment(params["cutoff"])
    return {
        "closed": _("The cut-off was %(cutoff)s: this assignment no longer takes submissions."),
        "text-too-long": _("Your text is longer than %(count)d characters. Nothing was saved."),
        "already-submitted": _("You have already submitted this assignment."),
        "no-files": _("This assignment takes no files. Nothing was saved."),
        "too-many-files": _("You may hand in at most %(count)d files. Nothing was saved."),
        "too-large": _("%(name)s is larger than %(mb)d MB. Nothing was saved."),
        "wrong-type": _("%(name)s is not one of the allowed file types (%(types)s). Nothing was saved."),
        "empty": _("Write an answer or add a file before you submit."),
        "rubric-incomplete": _("Choose a level for every criterion."),
        "grade-range": _("Give a grade from 0 to %(max)d points."),
    }[error.code] % params


def _for_trainee(activity_id: int):
    activity = get_assignment(activity_id)
    if activity is None:
        abort(404)
    course = activity.module.course
    enrolment = get_enrolment(course, current_user)
    require(enrolment is not None and enrolment.is_active and course.published and activity.published)
    return activity


def _upload(file) -> assignments.Upload:
    """The upload's name and bytes (no more than the largest size allowed, plus one byte); closed after."""
    try:
        return assignments.Upload(file.filename or "", file.read(100 * 1024 * 1024 + 1))
    finally:
        file.close()


def _uploads(files) -> list[assignments.Upload]:
    return [_upload(f) for f in files or [] if f and f.filename]


def assignment_page(activity) -> dict:
    """What the assignment's activity page shows the current user."""
    settings = assignments.settings_of(activity)
    enrolment = get_enrolment(activity.module.course, current_user)
    trainee = enrolment is not None and enrolment.is_active
    submission = extension = None
    if trainee:
        submission = db.session.scalar(assignments.Submission.find(activity.id, current_user.id))
        extension = extension_of(activity.id, current_user.id)
    due, cutoff = assignments.deadlines(settings, extension)
    now = utcnow()
    form = WorkForm(formdata=None, text=submission.text if submission else "")
    return {
        "settings": settings,
        "trainee": trainee,
        "submission": submission,
        "extension": extension,
        "due": due,
        "cutoff": cutoff,
        "time_left": format_timedelta(due - now, add_direction=True) if due else None,
        "overdue": due is not None and now > due,
        "closed": cutoff is not None and now > cutoff,
        "status": assignments.status(submission, due, trainee_view=True),
        "may_edit": submission is None or not submission.is_submitted or settings.resubmit,
        "form": form,
        "remove_form": ActionForm(),
    }


@bp.route("/<int:activity_id>/work", methods=["POST"])
@login_required
def work(activity_id: int):
    activity = _for_trainee(activity_id)
    form = WorkForm()
    if not form.validate_on_submit():
        if not form.text.errors:
            abort(400)
        flash(_("Your text is longer than %(count)d characters. Nothing was saved.", count=100_000), "error")
        return redirect(activity_url(activity))
    remove = {int(value) for value in request.form.getlist("remove") if value.isdigit()}
    try:
        assignments.save_work(
            activity,
            current_user.id,
            form.text.data or "",
            _uploads(form.files.data),
            remove,
            bool(form.submit.data),
        )
        db.session.commit()
    except assignments.AssignmentError as error:
        db.session.rollback()
        flash(_message(error), "error")
    except IntegrityError:  # the same trainee's other request made the submission at the same moment
        db.session.rollback()
        flash(_("You have already submitted this assignment."), "error")
    else:
        flash(_("Submitted for grading.") if form.submit.data else _("Draft saved."), "success")
    return redirect(activity_url(activity))


@bp.route("/files/<int:file_id>")
@login_required
def file(file_id: int):
    stored = get_file(file_id)
    if stored is None:
        abort(404)
    submission = stored.submission
    course = submission.activity.module.course
    owner = submission.user_id == current_user.id and (stored.role == "work" or submission.released)
    require(owner or course.can_edit(current_user))
    try:
        response = storage().send(
            blob_key(stored.sha256),
            mimetype=stored.content_type,
            as_attachment=True,
            download_name=stored.name,
            max_age=0,
        )
    except FileNotFoundError:
        abort(404)
    response.cache_control.private = True
    return response


def _settings_from(form: AssignmentForm, settings):
    """Read the form into the settings; False (errors on the form) when a field does not make sense."""
    valid = True
    settings.due, settings.cutoff = (form.due.data or "").strip(), (form.cutoff.data or "").strip()
    if settings.due_at and settings.cutoff_at and settings.cutoff_at < settings.due_at:
        form.cutoff.errors.append(_("The cut-off cannot be before the due date."))
        valid = False
    types = [
        "." + t.strip().lstrip(".").lower() for t in (form.file_types.data or "").split(",") if t.strip()
    ]
    if any(t not in FILE_TYPES for t in types) or (form.max_files.data and not types):
        form.file_types.errors.append(_("Choose file types among: %(types)s", types=", ".join(FILE_TYPES)))
        valid = False
    rubric = []
    for line in (form.rubric.data or "").splitlines():
        if line.strip():
            criterion = parse_criterion(line)
            if criterion is None:
                form.rubric.errors.append(
                    _("This line is not 'Criterion | level = points | ...': %(line)s", line=line)
                )
                valid = False
            else:
                rubric.append(criterion)
    if not form.online_text.data and not form.max_files.data:
        form.online_text.errors.append(_("Let trainees write an online text, hand in files, or both."))
        valid = False
    settings.online_text, settings.max_files, settings.max_mb = (
        form.online_text.data,
        form.max_files.data,
        form.max_mb.data,
    )
    settings.file_types = types or settings.file_types
    settings.max_grade, settings.rubric, settings.resubmit = form.max_grade.data, rubric, form.resubmit.data
    settings.pass_mark, settings.weight, settings.release = (
        form.pass_mark.data,
        float(form.weight.data),
        form.release.data,
    )
    return valid


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    activity = editable_activity(activity_id, "assignment")
    settings = assignments.settings_of(activity)
    form = AssignmentForm(obj=activity)
    if request.method == "GET":
        for name in (
            "due",
            "cutoff",
            "online_text",
            "max_files",
            "max_mb",
            "max_grade",
            "resubmit",
            "pass_mark",
            "release",
        ):
            getattr(form, name).data = getattr(settings, name)
        form.weight.data = settings.weight
        form.file_types.data = ", ".join(t.lstrip(".") for t in settings.file_types)
        form.rubric.data = "\n".join(criterion_text(c) for c in settings.rubric)
    if form.validate_on_submit() and _settings_from(form, settings):
        assignments.update_assignment(
            activity,
            settings,
            current_user,
            title=form.title.data.strip(),
            body=form.body.data or "",
            optional=form.optional.data,
            published=form.published.data,
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("assignments.edit", activity_id=activity.id))
    return activity_page("assignments/edit.html", activity, form=form)


@bp.route("/<int:activity_id>/grading")
@login_required
def grading(activity_id: int):
    activity = editable_activity(activity_id, "assignment")
    settings = assignments.settings_of(activity)
    show = request.args.get("show", "all")
    show = show if show in FILTERS else "all"
    rows = []
    for row in grading_rows(activity):
        due, _cutoff = assignments.deadlines(settings, row.extension)
        state = assignments.status(row.submission, due, trainee_view=False)
        keep = {
            "all": True,
            "not_submitted": state in ("not_submitted", "draft"),
            "needs_grading": assignments.needs_grading(row.submission),
            "late": row.submission is not None
            and row.submission.is_submitted
            and due is not None
            and row.submission.submitted_at > due,
        }[show]
        if keep:
            rows.append((row, due, state))
    return activity_page(
        "assignments/grading.html",
        activity,
        settings=settings,
        rows=rows,
        show=show,
        filters=FILTERS,
        release_form=ActionForm(),
        unreleased=sum(
            1
            for row, _due, _state in rows
            if row.submission and row.submission.is_graded and not row.submission.released
        ),
    )


def _trainee_row(activity, user_id: int):
    row = next((r for r in grading_rows(activity) if r.enrolment.user_id == user_id), None)
    if row is None:
        abort(404)
    return row


@bp.route("/<int:activity_id>/grade/<int:user_id>", methods=["GET", "POST"])
@login_required
def grade(activity_id: int, user_id: int):
    activity = editable_activity(activity_id, "assignment")
    row = _trainee_row(activity, user_id)
    settings = assignments.settings_of(activity)
    submission = row.submission
    form = GradeForm(obj=submission)
    if request.method == "GET" and submission is not None:
        form.points.data = submission.points if not settings.rubric else None
    extension_form = ExtensionForm(formdata=None)
    error = None
    if form.validate_on_submit():
        levels = None
        if settings.rubric:
            raw = [request.form.get(f"level-{index}", "") for index in range(len(settings.rubric))]
            levels = [int(value) for value in raw] if all(v.isdigit() for v in raw) else []
        upload = form.feedback_file.data
        try:
            assignments.grade_submission(
                activity,
                user_id,
                current_user,
                form.feedback.data or "",
                points=float(form.points.data) if form.points.data is not None else None,
                levels=levels,
                feedback_file=_upload(upload) if upload and upload.filename else None,
            )
        except assignments.AssignmentError as refused:
            db.session.rollback()
            error = _message(refused)
        else:
            db.session.commit()
            flash(_("Grade saved; the change is in the audit log."), "success")
            return redirect(url_for("assignments.grading", activity_id=activity.id))
    due, cutoff = assignments.deadlines(settings, row.extension)
    return activity_page(
        "assignments/grade.html",
        activity,
        settings=settings,
        row=row,
        submission=submission,
        due=due,
        cutoff=cutoff,
        status=assignments.status(submission, due, trainee_view=False),
        form=form,
        extension_form=extension_form,
        error=error,
        levels=(submission.levels if submission and submission.levels else []),
    )


@bp.route("/<int:activity_id>/extension/<int:user_id>", methods=["POST"])
@login_required
def extension(activity_id: int, user_id: int):
    activity = editable_activity(activity_id, "assignment")
    _trainee_row(activity, user_id)
    form = ExtensionForm()
    if form.validate_on_submit():
        assignments.grant_extension(
            activity, user_id, parse_time(form.due.data.strip()), form.reason.data.strip(), current_user
        )
        db.session.commit()
        flash(_("Extension granted; it is in the audit log."), "success")
    else:
        flash(_("Not granted: give a date and time like 2027-03-01T09:00+02:00 and a reason."), "error")
    return redirect(url_for("assignments.grade", activity_id=activity.id, user_id=user_id))


@bp.route("/<int:activity_id>/release", methods=["POST"])
@login_required
def release(activity_id: int):
    activity = editable_activity(activity_id, "assignment")
    if ActionForm().validate_on_submit():
        count = assignments.release_grades(activity)
        db.session.commit()
        released = ngettext(
            "Grade released to %(num)d trainee.", "Grades released to %(num)d trainees.", count
        )
        flash(released, "success")
    return redirect(url_for("assignments.grading", activity_id=activity.id))


@bp.route("/<int:activity_id>/submissions.zip")
@login_required
def download_all(activity_id: int):
    activity = editable_activity(activity_id, "assignment")
    data = assignments.submissions_zip(
        [(row.enrolment.user, row.submission) for row in grading_rows(activity)]
    )
    return send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{activity.module.course.slug}-{activity.slug}-{utcnow():%Y%m%d}.zip",
    )
