"""Course operations: authoring, files, enrolment. Services flush, never commit: the caller commits once."""

import hashlib
import posixpath
import re

from flask import current_app
from sqlalchemy import func, select

from lms.auth.models import User
from lms.courses.models import Activity, Course, CourseFile, Enrolment, Module
from lms.courses.package import ATTACHMENT_TYPES, content_matches, link_target
from lms.db import db, utcnow
from lms.markup import render_markdown


class CourseError(ValueError):
    """A request about a course that cannot be carried out; the message is shown to the user."""


class StaleEdit(CourseError):
    """Someone else saved the same lesson since this edit began; `current` is their version."""

    def __init__(self, current: Activity):
        self.current = current
        super().__init__("stale edit")


# --- rendering ------------------------------------------------------------------------------------


def lesson_url(course_slug: str, module_slug: str, activity_slug: str) -> str:
    root = current_app.config.get("APPLICATION_ROOT", "/").rstrip("/")
    return f"{root}/courses/{course_slug}/learn/{module_slug}/{activity_slug}"


def file_url(course_slug: str, path: str) -> str:
    root = current_app.config.get("APPLICATION_ROOT", "/").rstrip("/")
    return f"{root}/courses/{course_slug}/files/{path}"


def render_lesson(course_slug: str, module_slug: str, text: str):
    """Lesson Markdown to HTML, with package-relative links turned into site URLs.

    A lesson sits at '<module-slug>/<lesson>.md' in the package, so '02-personas.md' and
    '../02-reach/01-channels.md' resolve as they do on disk, whatever the lessons' numbers.
    """

    def resolve(url: str, kind: str) -> str | None:
        target = link_target(module_slug, url)
        if target is None:
            return None
        rest = url[len(url.split("?", 1)[0].split("#", 1)[0]) :]  # "?query#fragment", kept as written
        if target.endswith(".md"):
            module, _, lesson = target[:-3].rpartition("/")
            return lesson_url(course_slug, module.rsplit("/", 1)[-1], lesson) + rest
        return file_url(course_slug, target) + rest

    return render_markdown(text, resolve_link=resolve)


def rerender_course(course: Course) -> None:
    """Render every lesson again (after the course's slug or a module's slug changed)."""
    course.summary_html = str(render_markdown(course.summary))
    for module in course.modules:
        for activity in module.activities:
            if activity.kind == "lesson":
                activity.body_html = str(render_lesson(course.slug, module.slug, activity.body))


# --- authoring ------------------------------------------------------------------------------------

SLUG_CLEAN = re.compile(r"[^a-z0-9]+")


def slugify(text: str, taken: set[str] = frozenset(), fallback: str = "item") -> str:
    """A URL slug from a title; non-Latin titles get the fallback. Unique among `taken`."""
    base = SLUG_CLEAN.sub("-", text.lower()).strip("-")[:60].strip("-") or fallback
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def create_course(creator: User, **fields) -> Course:
    if db.session.scalar(select(Course.id).where(Course.slug == fields["slug"])) is not None:
        raise CourseError("duplicate-slug")
    course = Course(**fields)
    course.summary_html = str(render_markdown(course.summary))
    if creator.role == "trainer":  # a trainer teaches what they create; coordinators assign trainers
        course.trainers.append(creator)
    db.session.add(course)
    db.session.flush()
    return course


def update_course(course: Course, **fields) -> None:
    old_slug = course.slug
    if fields.get("slug", old_slug) != old_slug and db.session.scalar(
        select(Course.id).where(Course.slug == fields["slug"])
    ):
        raise CourseError("duplicate-slug")
    for name, value in fields.items():
        setattr(course, name, value)
    course.summary_html = str(render_markdown(course.summary))
    if course.slug != old_slug:
        rerender_course(course)


def add_module(course: Course, title: str, summary: str = "") -> Module:
    module = Module(
        title=title,
        summary=summary,
        slug=slugify(title, {m.slug for m in course.modules}, fallback="module"),
        position=len(course.modules) + 1,
    )
    course.modules.append(module)
    db.session.flush()
    return module


def update_module(module: Module, title: str, summary: str) -> None:
    module.title, module.summary = title, summary


def add_lesson(
    module: Module, title: str, body: str, minutes: int, optional: bool, published: bool, author: User
) -> Activity:
    activity = Activity(
        kind="lesson",
        title=title,
        slug=slugify(title, {a.slug for a in module.activities}, fallback="lesson"),
        position=len(module.activities) + 1,
        minutes=minutes,
        optional=optional,
        published=published,
        body=body,
        body_html=str(render_lesson(module.course.slug, module.slug, body)),
        updated_by=author,
    )
    module.activities.append(activity)
    db.session.flush()
    return activity


def add_quiz(module: Module, title: str, author: User) -> Activity:
    activity = Activity(
        kind="quiz",
        title=title,
        slug=slugify(title, {a.slug for a in module.activities}, fallback="quiz"),
        position=len(module.activities) + 1,
        published=False,  # a new quiz has no questions yet
        updated_by=author,
    )
    module.activities.append(activity)
    db.session.flush()
    return activity


def save_lesson(activity: Activity, based_on_version: int, author: User, **fields) -> None:
    """Save an edit; refuse it (StaleEdit) when someone saved a newer version since it began."""
    if activity.version != based_on_version:
        raise StaleEdit(activity)
    for name, value in fields.items():
        setattr(activity, name, value)
    module = activity.module
    activity.body_html = str(render_lesson(module.course.slug, module.slug, activity.body))
    activity.version += 1
    activity.updated_by = author
    activity.updated_at = utcnow()


def move(items: list, item, offset: int) -> None:
    """Move an item of an ordered list (modules of a course, activities of a module) up or down."""
    # Reorder a copy: swapping inside the relationship list would orphan (and so delete) an item.
    ordered = list(items)
    index = ordered.index(item)
    other = index + offset
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered, start=1):
        each.position = position


def remove(items: list, item) -> None:
    """Delete an item of an ordered list (a module, a lesson) and close the gap in the numbering."""
    items.remove(item)
    for position, each in enumerate(items, start=1):
        each.position = position


# --- files ----------------------------------------------------------------------------------------


def blob_key(sha256: str) -> str:
    """Where an upload's bytes live in the site's storage (lms.storage), named by their hash."""
    return f"uploads/{sha256[:2]}/{sha256}"


def store_blob(data: bytes) -> str:
    """Store bytes named by their hash; the same bytes are stored once.

    Written before the database row, so a failed transaction leaves at most an unreferenced file.
    """
    from lms.storage import storage

    digest = hashlib.sha256(data).hexdigest()
    if not storage().exists(blob_key(digest)):
        storage().save(blob_key(digest), data)
    return digest


def put_file(course: Course, path: str, data: bytes) -> CourseFile:
    suffix = posixpath.splitext(path)[1].lower()
    if suffix not in ATTACHMENT_TYPES:
        raise CourseError(f"file type {suffix or '(none)'} is not allowed")
    if not content_matches(data, path):
        raise CourseError(f"{path}: the contents are not a {suffix} file")
    digest = store_blob(data)
    existing = next((f for f in course.files if f.path == path), None)
    if existing is None:
        existing = CourseFile(path=path)
        course.files.append(existing)
    existing.sha256, existing.size, existing.content_type = digest, len(data), ATTACHMENT_TYPES[suffix]
    existing.uploaded_at = utcnow()
    return existing


# --- enrolment ------------------------------------------------------------------------------------


def enrol(course: Course, user: User, method: str, by: User | None = None) -> Enrolment:
    """Enrol a user, or re-activate an earlier enrolment (history and progress are kept)."""
    enrolment = db.session.scalar(Enrolment.find(course.id, user.id))
    if enrolment is None:
        enrolment = Enrolment(course=course, user=user, method=method, enrolled_by_id=by.id if by else None)
        db.session.add(enrolment)
    elif not enrolment.is_active:
        enrolment.status, enrolment.unenrolled_at = "active", None
        enrolment.enrolled_at, enrolment.method = utcnow(), method
    db.session.flush()
    return enrolment


def unenrol(enrolment: Enrolment) -> None:
    enrolment.status, enrolment.unenrolled_at = "unenrolled", utcnow()


def self_enrol(course: Course, user: User, key: str | None) -> Enrolment:
    if not course.published or not course.self_enrolment:
        raise CourseError("closed")
    if course.enrolment_key and (key or "").strip() != course.enrolment_key:
        raise CourseError("wrong-key")
    return enrol(course, user, "key" if course.enrolment_key else "self")


def count_active_enrolments(course: Course) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.course_id == course.id, Enrolment.status == "active")
    )
