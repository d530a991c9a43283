"""Completion of activities and courses, and the final grade; the one place that decides them.

Services flush, never commit. Other features report events here (a lesson marked done, a quiz
finished); a course's completion is evaluated again after each and stored once reached.
"""

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from lms.courses.models import Activity, Course, Enrolment
from lms.db import db, utcnow
from lms.progress.models import Completion, CourseCompletion, GradeOverride

# Attendance plugs in here (the e-classroom feature registers a function): percent present, or None.
ATTENDANCE_PROVIDERS: list[Callable[[Course, int], float | None]] = []
# Called with (course, user_id, course_completion) when a course is completed (certificates).
ON_COURSE_COMPLETED: list[Callable] = []
LAST_ACCESS_EVERY = timedelta(minutes=5)  # write the trainee's last access at most this often


class ProgressError(ValueError):
    pass


def _completion(activity: Activity, user_id: int) -> Completion | None:
    return db.session.scalar(
        select(Completion).where(Completion.user_id == user_id, Completion.activity_id == activity.id)
    )


def complete(activity: Activity, user_id: int, source: str) -> Completion:
    """Record that a trainee completed an activity (once: the first date is kept)."""
    completion = _completion(activity, user_id)
    if completion is None:
        completion = Completion(user_id=user_id, activity_id=activity.id, source=source)
        db.session.add(completion)
        db.session.flush()
        evaluate_course(activity.module.course, user_id)
    return completion


def uncomplete(activity: Activity, user_id: int) -> None:
    """A trainee takes back 'done' on a lesson; quiz completions are not theirs to take back."""
    completion = _completion(activity, user_id)
    if completion is not None and completion.source in ("marked", "viewed"):
        db.session.delete(completion)


def quiz_finished(activity: Activity, user_id: int) -> None:
    """After an attempt is graded: complete the quiz when its rule (passed, or attempted) is met."""
    from lms.quizzes.models import Attempt
    from lms.quizzes.services import quiz_grade
    from lms.quizzes.settings import QuizSettings

    settings = QuizSettings.from_dict(activity.settings)
    attempts = list(db.session.scalars(Attempt.of(activity.id, user_id)))
    finished = [a for a in attempts if not a.in_progress]
    manual = _override(activity.module.course_id, user_id, activity.id)
    grade = manual.grade if manual is not None else quiz_grade(activity, attempts)
    met = (
        bool(finished)
        if settings.completion == "attempted"
        else grade is not None and grade >= settings.pass_mark
    )
    if met:
        complete(activity, user_id, "quiz")
    else:
        evaluate_course(activity.module.course, user_id)


def _override(course_id: int, user_id: int, activity_id: int | None) -> GradeOverride | None:
    """The trainee's grade set by hand for one quiz, or (activity_id None) for the whole course."""
    return db.session.scalar(
        select(GradeOverride).where(
            GradeOverride.course_id == course_id,
            GradeOverride.user_id == user_id,
            GradeOverride.activity_id.is_(None)
            if activity_id is None
            else GradeOverride.activity_id == activity_id,
        )
    )


def final_grade(quiz_grades: dict[int, float | None], weights: dict[int, float]) -> float | None:
    """The course's final grade: the quizzes' grades by their weights; a quiz not taken counts 0."""
    total = sum(weights.values())
    if not weights or not total or all(quiz_grades.get(quiz_id) is None for quiz_id in weights):
        return None
    return round(
        sum(weight * (quiz_grades.get(quiz_id) or 0.0) for quiz_id, weight in weights.items()) / total, 2
    )


def attendance_percent(course: Course, user_id: int) -> float | None:
    for provider in ATTENDANCE_PROVIDERS:
        value = provider(course, user_id)
        if value is not None:
            return value
    return None


def evaluate_course(course: Course, user_id: int) -> CourseCompletion | None:
    """Check the course's completion rules for one trainee; store the completion, dated, when first met."""
    from lms.progress.queries import course_progress

    existing = db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.course_id == course.id, CourseCompletion.user_id == user_id
        )
    )
    if existing is not None:
        return existing
    row = course_progress(course, [user_id])[user_id]
    if not rules_met(course, row):
        return None
    completion = CourseCompletion(course_id=course.id, user_id=user_id, final_grade=row.final_grade)
    db.session.add(completion)
    db.session.flush()
    for hook in ON_COURSE_COMPLETED:
        hook(course, user_id, completion)
    return completion


def rules_met(course: Course, row) -> bool:
    if course.completion_activities == "all" and row.required_done < row.required_total:
        return False
    if course.completion_min_grade and (
        row.final_grade is None or row.final_grade < course.completion_min_grade
    ):
        return False
    if course.completion_min_attendance:
        attendance = attendance_percent(course, row.user_id)
        if attendance is None or attendance < course.completion_min_attendance:
            return False
    return True


def override_grade(
    course: Course, user_id: int, activity: Activity | None, grade: float, reason: str, by
) -> None:
    from lms.admin.services import audit

    activity_id = activity.id if activity else None
    existing = _override(course.id, user_id, activity_id)
    old = existing.grade if existing else None
    if existing is None:
        existing = GradeOverride(
            course_id=course.id,
            user_id=user_id,
            activity_id=activity_id,
            grade=grade,
            reason=reason,
            by_id=by.id,
        )
        db.session.add(existing)
    existing.grade, existing.reason, existing.by_id, existing.at = grade, reason, by.id, utcnow()
    db.session.flush()
    audit(
        "grade.override",
        f"{course.slug} / user {user_id}",
        activity=activity.title if activity else "final",
        old=old,
        new=grade,
        reason=reason,
    )
    if activity is not None:
        quiz_finished(activity, user_id)
    else:
        evaluate_course(course, user_id)


def _access_due(enrolment: Enrolment, now) -> bool:
    return enrolment.last_access_at is None or now - enrolment.last_access_at > LAST_ACCESS_EVERY


def _counts_view(activity: Activity) -> bool:
    return activity.kind == "lesson" and activity.module.course.completion_lessons == "viewed"


def view_recorded(activity: Activity, enrolment: Enrolment) -> bool:
    """True when a trainee's view of `activity` has nothing to write: the last access is recent and,
    for a lesson completed by viewing, the completion is there. Most page views stop here, as readers."""
    if _access_due(enrolment, utcnow()):
        return False
    if not _counts_view(activity):
        return True
    return _completion(activity, enrolment.user_id) is not None


def record_view(activity: Activity, enrolment: Enrolment) -> None:
    """A trainee viewed `activity`: note the last access (at most every few minutes, not on every page
    view) and complete a lesson that completes by viewing. Page views call it as best-effort bookkeeping
    (`lms.db.writing(best_effort=True)`)."""
    now = utcnow()
    if _access_due(enrolment, now):
        enrolment.last_access_at = now
    if _counts_view(activity):
        complete(activity, enrolment.user_id, "viewed")
