"""SCORM operations: check and store a package, start a SCO for a trainee, record what it commits.

Services flush, never commit. A package is checked whole (the zip as course packages are, the file
types, the manifest and every file it launches) before one byte is stored, so a refused package
leaves nothing behind. Progress hears of a trainee's new status or score through
lms.activities.signals, never from here directly.
"""

import hashlib
import posixpath
from dataclasses import dataclass

from sqlalchemy import select

from lms.activities.signals import notify_changed
from lms.courses.archive import read_zip
from lms.courses.models import Activity
from lms.courses.package import PackageError, Problem
from lms.courses.services import store_blob
from lms.db import db, utcnow
from lms.scorm import cmi
from lms.scorm.manifest import MANIFEST, Item, Manifest, ManifestError, parse_manifest
from lms.scorm.models import ScormPackage, ScormTrack

# What a package may carry, and the type it is served with. Anything else (programs, server scripts,
# archives) is refused by name: a package is content for a browser, nothing else.
CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".dtd": "application/xml-dtd",
    ".xsl": "application/xml",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".md": "text/markdown",
    ".map": "application/json",
    ".vtt": "text/vtt",
    ".srt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".bmp": "image/bmp",
    ".cur": "image/x-icon",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".pdf": "application/pdf",
    ".swf": "application/x-shockwave-flash",  # old packages carry it; the policy lets no plug-in run
}
TEXT_SUFFIXES = {
    ".html",
    ".htm",
    ".xhtml",
    ".js",
    ".mjs",
    ".css",
    ".json",
    ".xml",
    ".xsd",
    ".xsl",
    ".txt",
    ".csv",
}
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


class ScormError(ValueError):
    """A refused request; `code` says which (the view words the message)."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def content_type(path: str) -> str | None:
    """The type a package file is served with (no charset: a page's own <meta charset> says it)."""
    return CONTENT_TYPES.get(posixpath.splitext(path)[1].lower())


@dataclass
class CheckedPackage:
    sha256: str
    manifest: Manifest
    files: dict[str, bytes]


def check_package(data: bytes, label: str) -> CheckedPackage:
    """The package's files and manifest, or PackageError naming every problem found. Nothing stored."""
    files = read_zip(data, label)  # size, entry count, '..', absolute paths, links, zip bombs
    problems = []
    for path in sorted(files):
        if posixpath.splitext(path)[1].lower() not in CONTENT_TYPES and path != MANIFEST:
            suffix = posixpath.splitext(path)[1] or "(none)"
            problems.append(
                Problem(label, None, f"{path}: file type {suffix} is not allowed in a SCORM package")
            )
    if MANIFEST not in files:
        nested = [p for p in files if p.endswith("/" + MANIFEST)]
        hint = f" (found {nested[0]}: zip the package's contents, not its folder)" if nested else ""
        problems.insert(0, Problem(label, None, f"there is no {MANIFEST} at the top of the zip{hint}"))
        raise PackageError(problems)
    try:
        manifest = parse_manifest(files[MANIFEST], set(files))
    except ManifestError as error:
        problems.insert(0, Problem(f"{label}: {MANIFEST}", error.line, error.message))
        raise PackageError(problems) from None
    if problems:
        raise PackageError(problems)
    return CheckedPackage(hashlib.sha256(data).hexdigest(), manifest, files)


def store_package(activity: Activity, checked: CheckedPackage, author) -> ScormPackage:
    """Store the checked package's files by hash and make it the activity's package (replacing any)."""
    stored = {path: [store_blob(content), len(content)] for path, content in checked.files.items()}
    package = db.session.scalar(ScormPackage.of(activity.id)) or ScormPackage(activity_id=activity.id)
    package.sha256, package.version = checked.sha256, checked.manifest.version
    package.title, package.manifest = checked.manifest.title, checked.manifest.to_dict()
    package.files, package.size = stored, sum(size for _, size in stored.values())
    package.uploaded_at, package.uploaded_by_id = utcnow(), author.id if author else None
    db.session.add(package)
    settings = dict(activity.settings or {})
    settings["scos"] = [item.identifier for item in checked.manifest.scos]
    settings["version"] = checked.manifest.version
    settings["package"] = checked.sha256
    activity.settings = settings
    activity.version += 1
    activity.updated_by, activity.updated_at = author, utcnow()
    db.session.flush()
    return package


def add_scorm(module, title: str, checked: CheckedPackage, author) -> Activity:
    """A new, unpublished SCORM activity at the end of a module, with its package."""
    from lms.courses.services import slugify

    activity = Activity(
        kind="scorm",
        title=(title or checked.manifest.title)[:200],
        slug=slugify(title or checked.manifest.title, {a.slug for a in module.activities}, fallback="scorm"),
        position=len(module.activities) + 1,
        published=False,
        settings={},
        updated_by=author,
    )
    module.activities.append(activity)
    db.session.flush()
    store_package(activity, checked, author)
    return activity


def update_scorm(activity: Activity, author, weight: float, **fields) -> None:
    from lms.activities import kind_of

    for name, value in fields.items():
        setattr(activity, name, value)
    activity.settings = {**(activity.settings or {}), "weight": weight}
    module = activity.module
    activity.body_html = kind_of(activity).render(module.course.slug, module.slug, activity.body)
    activity.version += 1
    activity.updated_by, activity.updated_at = author, utcnow()


@dataclass
class ReportRow:
    """One enrolled trainee's state in each SCO, for the trainer's page."""

    user: object
    tracks: dict  # sco identifier -> ScormTrack


def report(activity: Activity, package: ScormPackage) -> list[ReportRow]:
    """Every active trainee of the course with their tracks: two queries whatever their number."""
    from sqlalchemy.orm import joinedload

    from lms.courses.models import Enrolment

    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.course_id == activity.module.course_id, Enrolment.status == "active")
        .options(joinedload(Enrolment.user))
    ).all()
    tracks: dict[int, dict] = {}
    for track in db.session.scalars(select(ScormTrack).where(ScormTrack.activity_id == activity.id)):
        tracks.setdefault(track.user_id, {})[track.sco] = track
    rows = [ReportRow(e.user, tracks.get(e.user_id, {})) for e in enrolments]
    return sorted(rows, key=lambda row: row.user.name.casefold())


def settings_of(activity: Activity) -> dict:
    settings = activity.settings or {}
    return {"weight": float(settings.get("weight", 1.0)), "scos": list(settings.get("scos", []))}


# --- the run-time ------------------------------------------------------------------------------------


def _track(activity: Activity, user_id: int, sco: str, create: bool) -> ScormTrack | None:
    track = db.session.scalar(ScormTrack.find(activity.id, user_id, sco))
    if track is None and create:
        track = ScormTrack(
            activity_id=activity.id,
            user_id=user_id,
            sco=sco,
            values={},
            status="not attempted",
            total_seconds=0.0,
            session_seconds=0.0,
            sessions=0,
        )
        db.session.add(track)
    return track


def _fold_session(version: str, track: ScormTrack) -> None:
    """Add the last session's time to the total (at LMSFinish, or when the next session starts)."""
    track.total_seconds = (track.total_seconds or 0.0) + (track.session_seconds or 0.0)
    track.session_seconds = 0.0
    values = dict(track.values)
    values.pop("cmi.core.session_time" if version == "1.2" else "cmi.session_time", None)
    track.values = values


def start_session(activity: Activity, package: ScormPackage, item: Item, user_id: int) -> None:
    """A trainee launches a SCO: the session is counted and the last one's time joins the total (when
    the SCO never called LMSFinish, it is added now). An asset is complete once launched."""
    track = _track(activity, user_id, item.identifier, create=True)
    _fold_session(package.version, track)
    track.sessions = (track.sessions or 0) + 1
    before = track.status
    if track.status == "not attempted" and item.scorm_type == "asset":
        track.status = "completed"
    db.session.flush()
    if track.status != before:
        notify_changed(activity, user_id)


def launch_state(package: ScormPackage, item: Item, user, record: bool) -> dict:
    """What the SCO reads when it starts (sent with the page, so LMSGetValue answers at once): the
    trainee's stored values and those the LMS sets. Without `record` (a trainer's preview) it starts
    empty, in browse mode, and nothing will be recorded."""
    version = package.version
    track = (
        db.session.scalar(ScormTrack.find(package.activity_id, user.id, item.identifier)) if record else None
    )
    stored = dict(track.values) if track else {}
    has_history = bool(stored)
    suspended = (stored.get("cmi.core.exit") or stored.get("cmi.exit")) == "suspend"
    resume = suspended or bool(
        stored.get("cmi.suspend_data") or stored.get("cmi.core.lesson_location") or stored.get("cmi.location")
    )
    entry = "resume" if resume else ("" if has_history else "ab-initio")
    total = track.total_seconds if track else 0.0
    credit = "credit" if record else "no-credit"
    if version == "1.2":
        lms = {
            "cmi.core.student_id": str(user.id),
            "cmi.core.student_name": user.name,
            "cmi.core.credit": credit,
            "cmi.core.entry": entry,
            "cmi.core.lesson_mode": "normal" if record else "browse",
            "cmi.core.total_time": cmi.timespan(version, total),
            "cmi.launch_data": item.launch_data,
            "cmi.comments_from_lms": "",
            "cmi.student_data.mastery_score": "" if item.mastery_score is None else f"{item.mastery_score:g}",
            "cmi.student_data.max_time_allowed": item.max_time_allowed,
            "cmi.student_data.time_limit_action": item.time_limit_action,
            "cmi.core.lesson_status": stored.get("cmi.core.lesson_status") or "not attempted",
        }
    else:
        lms = {
            "cmi.learner_id": str(user.id),
            "cmi.learner_name": user.name,
            "cmi.credit": credit,
            "cmi.entry": entry,
            "cmi.mode": "normal" if record else "browse",
            "cmi.total_time": cmi.timespan(version, total),
            "cmi.launch_data": item.launch_data,
            "cmi.completion_status": stored.get("cmi.completion_status") or "unknown",
            "cmi.success_status": stored.get("cmi.success_status") or "unknown",
        }
    write_only = {name for name, (access, _) in cmi.ELEMENTS[version].items() if access == cmi.WO}
    readable = {
        name: value
        for name, value in stored.items()
        if cmi.resolve(name).pattern not in write_only and name not in ("cmi.core.exit", "cmi.exit")
    }
    return {"version": version, "sco": item.identifier, "values": readable | lms, "counts": _counts(stored)}


def _counts(values: dict) -> dict:
    """Array sizes the frame needs for _count, including the write-only interactions it cannot read."""
    counts = {array: cmi.count(values, array) for array in ("cmi.interactions", "cmi.objectives")}
    for index in range(counts["cmi.interactions"]):
        for inner in ("objectives", "correct_responses"):
            name = f"cmi.interactions.{index}.{inner}"
            counts[name] = cmi.count(values, name)
    return counts


@dataclass
class Committed:
    errors: dict[str, int]
    status: str
    score: float | None


def commit(
    activity: Activity, package: ScormPackage, item: Item, user_id: int, changes, finish: bool
) -> Committed:
    """Record what a SCO set, checked again here: the values that pass are kept, each refused one gets
    its error code. At LMSFinish (`finish`) the session's time joins the total."""
    version = package.version
    track = _track(activity, user_id, item.identifier, create=True)
    values, errors = cmi.apply(version, track.values or {}, changes)
    session_key = "cmi.core.session_time" if version == "1.2" else "cmi.session_time"
    if session_key in values:
        track.session_seconds = cmi.seconds_of(version, values[session_key])
    if (
        finish
        and version == "1.2"
        and values.get("cmi.core.lesson_status", "not attempted") == "not attempted"
    ):
        values["cmi.core.lesson_status"] = "completed"  # SCORM 1.2 RTE: a SCO that never said is completed
    track.values = values
    if finish:
        _fold_session(version, track)
    before = (track.status, track.score)
    track.status, track.score = cmi.outcome(version, track.values, item.mastery_score)
    if version == "1.2" and item.mastery_score is not None and track.status in ("passed", "failed"):
        track.values = {**track.values, "cmi.core.lesson_status": track.status}  # what the SCO reads back
    if item.scorm_type == "asset" and track.status == "not attempted":
        track.status = "completed"
    track.updated_at = utcnow()
    db.session.flush()
    if (track.status, track.score) != before:
        notify_changed(activity, user_id)
    return Committed(errors, track.status, track.score)


# --- completion and grades -----------------------------------------------------------------------------


def tracks_of(activity_ids, users) -> list:
    return db.session.execute(
        select(
            ScormTrack.user_id, ScormTrack.activity_id, ScormTrack.sco, ScormTrack.status, ScormTrack.score
        ).where(ScormTrack.activity_id.in_(activity_ids), users(ScormTrack.user_id))
    ).all()


def grade_of(scos: list[str], rows) -> float | None:
    """The activity's grade from one trainee's rows: the mean score of the SCOs that reported one."""
    scores = [row.score for row in rows if row.score is not None and (not scos or row.sco in scos)]
    return sum(scores) / len(scores) if scores else None


def complete(scos: list[str], rows) -> bool:
    """Every SCO passed or completed (a package of assets only: one launched)."""
    statuses = {row.sco: row.status for row in rows}
    if not scos:
        return any(status in cmi.COMPLETE for status in statuses.values())
    return all(statuses.get(sco) in cmi.COMPLETE for sco in scos)
