"""Course packages in and out of the database: import by slug keeping progress, export back to files."""

from sqlalchemy import select

from lms.auth.models import User
from lms.courses.models import Activity, Course, Module
from lms.courses.package import ActivitySpec, CourseSpec, ModuleSpec
from lms.courses.services import put_file, render_lesson
from lms.db import db
from lms.markup import render_markdown
from lms.quizzes.services import sync_quiz

COURSE_FIELDS = (
    "title",
    "summary",
    "language",
    "category",
    "hours",
    "translation_of",
    "published",
    "completion_activities",
    "completion_lessons",
    "completion_min_grade",
    "completion_min_attendance",
)
ACTIVITY_FIELDS = ("kind", "title", "minutes", "optional", "published", "body", "settings")


def import_course(spec: CourseSpec) -> tuple[Course, list[str]]:
    """Create or update the course with the package's slug; returns it and any warnings.

    Modules and activities are matched by slug (an activity that moved to another module is found by
    its slug too), so their ids, and the trainees' progress on them, survive a re-import.
    Modules and activities no longer in the package are removed.
    """
    warnings = []
    course = db.session.scalar(Course.with_outline().where(Course.slug == spec.slug))
    if course is None:
        course = Course(slug=spec.slug)
        db.session.add(course)
    for name in COURSE_FIELDS:
        _assign(course, name, getattr(spec, name))
    course.summary_html = str(render_markdown(course.summary))

    trainers = []
    for email in spec.trainers:
        user = db.session.scalar(User.by_email(email))
        if user is None:
            warnings.append(f"{spec.slug}: trainer {email} has no account yet; assign the course later")
        else:
            trainers.append(user)
    if {t.id for t in course.trainers} != {t.id for t in trainers}:
        course.trainers = trainers

    old_modules = {module.slug: module for module in course.modules}
    old_activities = {(module.slug, a.slug): a for module in course.modules for a in module.activities}
    by_slug: dict[str, list[Activity]] = {}
    for activity in old_activities.values():
        by_slug.setdefault(activity.slug, []).append(activity)

    modules, quizzes = [], []
    for module_spec in spec.modules:
        module = old_modules.get(module_spec.slug) or Module(slug=module_spec.slug)
        _assign(module, "title", module_spec.title)
        _assign(module, "summary", module_spec.summary)
        _assign(module, "position", module_spec.position)
        activities = []
        for activity_spec in module_spec.activities:
            activity = old_activities.pop((module_spec.slug, activity_spec.slug), None)
            if activity is None and len(by_slug.get(activity_spec.slug, [])) == 1:
                moved = by_slug[activity_spec.slug][0]
                activity = old_activities.pop((moved.module.slug, moved.slug), None)
            if activity is None:
                activity = Activity(slug=activity_spec.slug)
            changed = _apply_activity(activity, activity_spec, spec.slug, module_spec.slug)
            if activity.kind == "quiz" and (changed or activity.id is None):
                quizzes.append((activity, activity_spec.questions))
            activities.append(activity)
        module.activities = activities
        modules.append(module)
    course.modules = modules

    for path, data in spec.files.items():
        put_file(course, path, data)
    course.files = [f for f in course.files if f.path in spec.files]
    db.session.flush()
    for activity, questions in quizzes:
        sync_quiz(activity, questions)
    return course, warnings


def _assign(obj, name, value) -> None:
    """Set only what changed, so re-importing an unchanged package writes nothing."""
    if getattr(obj, name) != value:
        setattr(obj, name, value)


def _apply_activity(activity: Activity, spec: ActivitySpec, course_slug: str, module_slug: str) -> bool:
    changed = False
    for name in ACTIVITY_FIELDS:
        if getattr(activity, name) != getattr(spec, name):
            setattr(activity, name, getattr(spec, name))
            changed = True
    _assign(activity, "position", spec.position)
    if activity.kind == "lesson":
        _assign(activity, "body_html", str(render_lesson(course_slug, module_slug, activity.body)))
    if changed and activity.id is not None:
        activity.version += 1
    return changed


def export_course(course: Course) -> CourseSpec:
    from lms.courses.services import blob_key
    from lms.storage import storage

    return CourseSpec(
        slug=course.slug,
        trainers=[trainer.email for trainer in course.trainers],
        modules=[
            ModuleSpec(
                slug=module.slug,
                position=module.position,
                title=module.title,
                summary=module.summary,
                activities=[
                    ActivitySpec(
                        slug=a.slug,
                        position=a.position,
                        **{name: getattr(a, name) for name in ACTIVITY_FIELDS},
                    )
                    for a in module.activities
                ],
            )
            for module in course.modules
        ],
        files={f.path: storage().read(blob_key(f.sha256)) for f in course.files},
        **{name: getattr(course, name) for name in COURSE_FIELDS},
    )


def find_course(slug: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.slug == slug))
