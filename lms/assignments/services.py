"""Assignment operations: hand in work, grade it, release grades, extend due dates.

Services flush, never commit. A refused request raises AssignmentError before anything is stored.
Progress hears of a released grade through lms.activities.signals, never from here directly.
"""

import io
import posixpath
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.activities.grades import activity_link, tell_grade
from lms.activities.signals import notify_changed
from lms.admin.services import audit
from lms.assignments.models import Extension, Submission, SubmissionFile
from lms.assignments.settings import AssignmentSettings
from lms.calendar import CalendarEvent, calendar_source
from lms.courses.models import Activity
from lms.courses.services import blob_key, store_blob
from lms.db import db, utcnow
from lms.i18n import _l
from lms.links import external_url
from lms.markup import render_markdown
from lms.notifications import notify, register_event
from lms.storage import storage
from lms.uploads import CONTENT_TYPES, clean_name, looks_like

MAX_TEXT = 100_000  # characters of online text (Markdown is rendered at save time: keep it bounded)

register_event("assignment.due", _l("Assignments due in two days"))


class AssignmentError(ValueError):
    """A refused request; `code` says which, `params` what the message shows."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(code)


@dataclass
class Upload:
    name: str
    data: bytes


def settings_of(activity: Activity) -> AssignmentSettings:
    return AssignmentSettings.from_dict(activity.settings)


def deadlines(settings: AssignmentSettings, extension: Extension | None) -> tuple[datetime | None, ...]:
    """(due, cut-off) for one trainee: an extension moves the due date, and the cut-off with it."""
    due, cutoff = settings.due_at, settings.cutoff_at
    if extension is not None:
        due = extension.due_at
        cutoff = max(cutoff, extension.due_at) if cutoff else None
    return due, cutoff


def status(submission: Submission | None, due: datetime | None, trainee_view: bool) -> str:
    """not_submitted, draft, submitted, late or graded (for a trainee: only once released)."""
    if submission is None:
        return "not_submitted"
    if submission.is_graded and (submission.released or not trainee_view):
        return "graded"
    if not submission.is_submitted:
        return "draft" if submission.text or submission.files else "not_submitted"
    if due is not None and submission.submitted_at > due:
        return "late"
    return "submitted"


def needs_grading(submission: Submission | None) -> bool:
    return (
        submission is not None
        and submission.is_submitted
        and (submission.graded_at is None or submission.submitted_at > submission.graded_at)
    )


def check_uploads(settings: AssignmentSettings, uploads: list[Upload], kept: int) -> list[Upload]:
    """Every file checked (count, type by name and content, size) before any is stored."""
    uploads = [u for u in uploads if u.name or u.data]
    if uploads and not settings.max_files:
        raise AssignmentError("no-files")
    if kept + len(uploads) > settings.max_files:
        raise AssignmentError("too-many-files", count=settings.max_files)
    checked = []
    for upload in uploads:
        name = clean_name(upload.name)
        suffix = posixpath.splitext(name)[1]
        if len(upload.data) > settings.max_mb * 1024 * 1024:
            raise AssignmentError("too-large", name=name, mb=settings.max_mb)
        if suffix not in settings.file_types or not looks_like(upload.data, name):
            raise AssignmentError("wrong-type", name=name, types=", ".join(settings.file_types))
        checked.append(Upload(name, upload.data))
    return checked


def _store(submission: Submission, role: str, upload: Upload) -> SubmissionFile:
    suffix = posixpath.splitext(upload.name)[1]
    stored = SubmissionFile(
        role=role,
        name=upload.name,
        sha256=store_blob(upload.data),
        size=len(upload.data),
        content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
    )
    submission.files.append(stored)
    return stored


def submission_for(activity: Activity, user_id: int) -> Submission:
    """The trainee's submission, created (as an empty draft) the first time."""
    submission = db.session.scalar(Submission.find(activity.id, user_id))
    if submission is None:
        submission = Submission(activity=activity, user_id=user_id, status="draft")
        db.session.add(submission)
        db.session.flush()  # the unique (activity, user) makes a second, concurrent one fail here
    return submission


def save_work(
    activity: Activity,
    user_id: int,
    text: str,
    uploads: list[Upload],
    remove: set[int],
    submit: bool,
    now: datetime | None = None,
) -> Submission:
    """Save a draft, or submit for grading. Refused after the cut-off (or the trainee's extension),
    when already submitted and resubmitting is not allowed, or for a file that does not pass."""
    now = now or utcnow()
    settings = settings_of(activity)
    extension = db.session.scalar(
        select(Extension).where(Extension.activity_id == activity.id, Extension.user_id == user_id)
    )
    _, cutoff = deadlines(settings, extension)
    if cutoff is not None and now > cutoff:
        raise AssignmentError("closed", cutoff=cutoff)
    if len(text) > MAX_TEXT:
        raise AssignmentError("text-too-long", count=MAX_TEXT)
    submission = db.session.scalar(Submission.find(activity.id, user_id))
    if submission is not None and submission.is_submitted and not settings.resubmit:
        raise AssignmentError("already-submitted")
    kept = [f for f in (submission.work_files() if submission else []) if f.id not in remove]
    checked = check_uploads(settings, uploads, len(kept))
    text = text if settings.online_text else ""
    if submit and not text.strip() and not kept and not checked:
        raise AssignmentError("empty")
    submission = submission or submission_for(activity, user_id)
    for stored in submission.work_files():
        if stored.id in remove:
            submission.files.remove(stored)
    for upload in checked:
        _store(submission, "work", upload)
    submission.text, submission.text_html = text, str(render_markdown(text))
    if submit:
        submission.status, submission.submitted_at = "submitted", now
        submission.times_submitted += 1
    elif not submission.is_submitted:
        submission.status = "draft"
    db.session.flush()
    return submission


def grade_submission(
    activity: Activity,
    user_id: int,
    grader,
    feedback: str,
    points: float | None = None,
    levels: list[int] | None = None,
    feedback_file: Upload | None = None,
    now: datetime | None = None,
) -> Submission:
    """Grade with the rubric (a level for each criterion) or a simple grade; audited. Released at once
    when the assignment releases grades one by one."""
    settings = settings_of(activity)
    if settings.rubric:
        if levels is None or len(levels) != len(settings.rubric):
            raise AssignmentError("rubric-incomplete")
        try:
            points = float(
                sum(c["levels"][level][1] for c, level in zip(settings.rubric, levels, strict=True))
            )
        except (IndexError, TypeError):
            raise AssignmentError("rubric-incomplete") from None
    elif points is None or not 0 <= points <= settings.max_grade:
        raise AssignmentError("grade-range", max=settings.max_grade)
    checked = None
    if feedback_file is not None and (feedback_file.name or feedback_file.data):
        suffix = posixpath.splitext(clean_name(feedback_file.name))[1]
        if suffix not in CONTENT_TYPES or not looks_like(feedback_file.data, clean_name(feedback_file.name)):
            raise AssignmentError("wrong-type", name=feedback_file.name, types=", ".join(CONTENT_TYPES))
        if len(feedback_file.data) > settings.max_mb * 1024 * 1024:
            raise AssignmentError("too-large", name=feedback_file.name, mb=settings.max_mb)
        checked = Upload(clean_name(feedback_file.name), feedback_file.data)
    submission = submission_for(activity, user_id)
    old = submission.grade
    maximum = settings.max_points
    submission.points, submission.levels = points, levels if settings.rubric else None
    submission.grade = round(100.0 * points / maximum, 2) if maximum else 100.0
    submission.feedback, submission.feedback_html = feedback, str(render_markdown(feedback))
    submission.graded_by_id, submission.graded_at = grader.id, now or utcnow()
    if checked is not None:
        for stored in submission.feedback_files():
            submission.files.remove(stored)
        _store(submission, "feedback", checked)
    if settings.release == "each":
        submission.released = True
    db.session.flush()
    audit(
        "assignment.grade",
        f"{activity.module.course.slug}/{activity.slug} / user {user_id}",
        old=old,
        new=submission.grade,
        points=points,
        levels=submission.levels,
    )
    if submission.released:
        notify_changed(activity, user_id)
        _tell_grade(activity, submission)
    return submission


def _tell_grade(activity: Activity, submission: Submission) -> None:
    """The trainee hears that a grade (or a new one) is there to see; once per grading."""
    from lms.auth.models import User

    user = db.session.get(User, submission.user_id)
    tell_grade(activity, user, submission.grade, f"graded:{submission.graded_at:%Y%m%dT%H%M%S}")


def release_grades(activity: Activity) -> int:
    """Show every grade given so far to its trainee, at once; returns how many were released."""
    pending = db.session.scalars(
        select(Submission).where(
            Submission.activity_id == activity.id,
            Submission.grade.is_not(None),
            Submission.released.is_(False),
        )
    ).all()
    for submission in pending:
        submission.released = True
    db.session.flush()
    audit("assignment.release", f"{activity.module.course.slug}/{activity.slug}", count=len(pending))
    for submission in pending:
        notify_changed(activity, submission.user_id)
        _tell_grade(activity, submission)
    return len(pending)


@calendar_source
def due_dates(user, since: datetime) -> list[CalendarEvent]:
    """The user's assignment due dates (their own: an extension moves it) for the personal calendar;
    one event per assignment, its UID kept and its SEQUENCE the assignment's version (+1 with an
    extension) so a moved due date updates the event."""
    from lms.courses.models import Enrolment, Module

    activities = db.session.scalars(
        select(Activity)
        .join(Module)
        .join(Enrolment, Enrolment.course_id == Module.course_id)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status == "active",
            Activity.kind == "assignment",
            Activity.published,
        )
        .options(selectinload(Activity.module).selectinload(Module.course))
    ).all()
    if not activities:
        return []
    extensions = {
        e.activity_id: e
        for e in db.session.scalars(
            select(Extension).where(
                Extension.user_id == user.id, Extension.activity_id.in_([a.id for a in activities])
            )
        )
    }
    events = []
    for activity in activities:
        course = activity.module.course
        due, _cutoff = deadlines(settings_of(activity), extensions.get(activity.id))
        if due is None or due < since or not course.published:
            continue
        events.append(
            CalendarEvent(
                uid=f"assignment-{activity.id}",
                starts_at=due,
                summary=f"{activity.title} ({course.title})",
                url=external_url(
                    "courses.activity",
                    slug=course.slug,
                    module_slug=activity.module.slug,
                    activity_slug=activity.slug,
                ),
                sequence=activity.version + (1 if activity.id in extensions else 0),
            )
        )
    return events


DUE_SOON = timedelta(hours=48)


def remind_due(now: datetime | None = None) -> int:
    """Tell each enrolled trainee who has not handed in an assignment due within 48 hours (their own due
    date: an extension moves it); once per trainee and due date. Returns how many were told."""
    from lms.auth.models import User
    from lms.courses.models import Enrolment, Module

    now = now or utcnow()
    told = 0
    activities = db.session.scalars(
        select(Activity)
        .join(Module)
        .where(Activity.kind == "assignment", Activity.published)
        .options(selectinload(Activity.module).selectinload(Module.course))
    ).all()
    for activity in activities:
        settings = settings_of(activity)
        course = activity.module.course
        if not course.published:
            continue
        extensions = {
            e.user_id: e
            for e in db.session.scalars(select(Extension).where(Extension.activity_id == activity.id))
        }
        if not extensions and not (settings.due_at and now < settings.due_at <= now + DUE_SOON):
            continue
        handed_in = set(
            db.session.scalars(
                select(Submission.user_id).where(
                    Submission.activity_id == activity.id, Submission.submitted_at.is_not(None)
                )
            )
        )
        trainees = db.session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == course.id, Enrolment.status == "active", User.role == "trainee")
        ).all()
        by_due: dict[datetime, list] = {}
        for user in trainees:
            due, _cutoff = deadlines(settings, extensions.get(user.id))
            if user.id not in handed_in and due is not None and now < due <= now + DUE_SOON:
                by_due.setdefault(due, []).append(user)
        for due, users in by_due.items():
            told += len(
                notify(
                    "assignment.due",
                    users,
                    template="assignment_due",
                    context={"activity": activity, "course": course, "due": due},
                    link=activity_link(activity),
                    key=f"assignment:{activity.id}:due:{due:%Y%m%dT%H%M}",
                )
            )
    return told


def grant_extension(activity: Activity, user_id: int, due_at: datetime, reason: str, by) -> Extension:
    extension = db.session.scalar(
        select(Extension).where(Extension.activity_id == activity.id, Extension.user_id == user_id)
    )
    old = extension.due_at.isoformat() if extension else None
    if extension is None:
        extension = Extension(activity_id=activity.id, user_id=user_id, due_at=due_at)
        db.session.add(extension)
    extension.due_at, extension.reason, extension.granted_by_id = due_at, reason, by.id
    extension.granted_at = utcnow()
    db.session.flush()
    audit(
        "assignment.extension",
        f"{activity.module.course.slug}/{activity.slug} / user {user_id}",
        old=old,
        new=due_at.isoformat(),
        reason=reason,
    )
    return extension


def submissions_zip(work: list[tuple]) -> bytes:
    """Every submitted piece of work in one ZIP, a folder per trainee named by name and e-mail.
    `work` holds (user, submission) pairs."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for user, submission in work:
            if submission is None or not submission.is_submitted:
                continue
            who = f"{user.name} ({user.email})"
            folder = "".join(c if c.isalnum() or c in " -_.@()" else "-" for c in who)
            if submission.text:
                archive.writestr(f"{folder}/online-text.md", submission.text)
            for stored in submission.work_files():
                archive.writestr(f"{folder}/{stored.name}", storage().read(blob_key(stored.sha256)))
    return buffer.getvalue()


def add_assignment(module, title: str, author) -> Activity:
    """A new, unpublished assignment at the end of a module, with the default settings."""
    from lms.courses.services import slugify

    activity = Activity(
        kind="assignment",
        title=title,
        slug=slugify(title, {a.slug for a in module.activities}, fallback="assignment"),
        position=len(module.activities) + 1,
        published=False,
        settings={},
        updated_by=author,
    )
    module.activities.append(activity)
    db.session.flush()
    return activity


def update_assignment(activity: Activity, settings: AssignmentSettings, author, **fields) -> None:
    from lms.activities import kind_of

    for name, value in fields.items():
        setattr(activity, name, value)
    activity.settings = settings.to_dict()
    module = activity.module
    activity.body_html = kind_of(activity).render(module.course.slug, module.slug, activity.body)
    activity.version += 1
    activity.updated_by, activity.updated_at = author, utcnow()
