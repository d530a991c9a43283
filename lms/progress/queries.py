"""Progress reads: for one trainee across their courses, or for a whole course across its trainees.

Both read everything in one query (completions, finished attempts, grade overrides and course
completions, as one UNION ALL) and hand the rows to one pure function, `summarise`, so the numbers
always agree.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import Float, Integer, String, cast, literal, null, select, union_all
from sqlalchemy.orm import joinedload

from lms.courses.models import Activity, Course, Enrolment
from lms.db import UTCDateTime, db
from lms.progress.models import Completion, CourseCompletion, GradeOverride
from lms.progress.services import final_grade

MANY = 200  # above this many trainees, filter by the course's enrolments instead of listing ids


@dataclass
class Progress:
    """One trainee in one course."""

    user_id: int
    completed: dict[int, datetime] = field(default_factory=dict)  # activity id -> when
    quiz_grades: dict[int, float | None] = field(default_factory=dict)  # quiz activity id -> grade
    required_total: int = 0
    required_done: int = 0
    final_grade: float | None = None
    completed_at: datetime | None = None  # the course's completion
    last_access: datetime | None = None
    next_activity: Activity | None = None
    marks_hidden: frozenset[int] = frozenset()  # quizzes whose review options hide the mark from the trainee
    final_grade_hidden: bool = False  # the final grade would reveal a hidden mark

    @property
    def percent(self) -> int:
        return round(100 * self.required_done / self.required_total) if self.required_total else 0

    # What the trainee may see of their marks (course page, dashboard, certificate): the quiz's review
    # options decide, through QuizSettings.review_allows; trainers' pages use the fields above.
    def visible_quiz_grade(self, quiz_id: int) -> float | None:
        return None if quiz_id in self.marks_hidden else self.quiz_grades.get(quiz_id)

    @property
    def visible_final_grade(self) -> float | None:
        return None if self.final_grade_hidden else self.final_grade


@dataclass
class CourseShape:
    """What every trainee's progress in a course is measured against, worked out once per course."""

    activities: list[Activity]
    required: list[Activity]
    quiz_methods: dict[int, str]  # quiz activity id -> grading method
    quiz_weights: dict[int, float]
    marks_hidden: frozenset[int] = frozenset()  # quizzes whose marks the trainee may not see now

    @classmethod
    def of(cls, course: Course, now: datetime | None = None) -> "CourseShape":
        from lms.db import utcnow
        from lms.quizzes.settings import QuizSettings

        now = now or utcnow()
        activities = [a for a in course.activities() if a.published]
        quizzes = {a.id: QuizSettings.from_dict(a.settings) for a in activities if a.kind == "quiz"}
        return cls(
            activities=activities,
            required=[a for a in activities if a.counts_for_completion],
            quiz_methods={qid: settings.grading for qid, settings in quizzes.items()},
            quiz_weights={qid: settings.weight for qid, settings in quizzes.items()},
            marks_hidden=frozenset(
                qid for qid, settings in quizzes.items() if not settings.review_allows("marks", now)
            ),
        )

    @property
    def final_grade_hidden(self) -> bool:
        """A final grade made of a hidden mark would reveal it: hidden too."""
        return any(qid in self.marks_hidden for qid in self.quiz_weights)


def summarise(
    shape: CourseShape, user_id: int, completions, attempts, overrides, course_completion
) -> Progress:
    """One trainee's progress from their rows (objects or column rows with the same names)."""
    from lms.quizzes.services import grade_by_method

    row = Progress(user_id=user_id, completed={c.activity_id: c.completed_at for c in completions})
    by_quiz = defaultdict(list)
    for attempt in attempts:
        by_quiz[attempt.activity_id].append(attempt)
    manual = {o.activity_id: o.grade for o in overrides}
    for quiz_id, method in shape.quiz_methods.items():
        row.quiz_grades[quiz_id] = (
            manual[quiz_id] if quiz_id in manual else grade_by_method(by_quiz[quiz_id], method)
        )
    row.required_total = len(shape.required)
    row.required_done = sum(1 for a in shape.required if a.id in row.completed)
    row.final_grade = manual[None] if None in manual else final_grade(row.quiz_grades, shape.quiz_weights)
    row.completed_at = course_completion.completed_at if course_completion else None
    row.marks_hidden, row.final_grade_hidden = shape.marks_hidden, shape.final_grade_hidden
    row.next_activity = next(
        (a for a in shape.activities if a.id not in row.completed and not a.optional), None
    )
    return row


# The four kinds of row progress is made of, read in one UNION ALL query (see _progress_rows).
COMPLETION, ATTEMPT, OVERRIDE, COURSE_DONE = "c", "a", "o", "d"


def _progress_rows(completions, attempts, overrides, done) -> dict[str, list]:
    """Completions, finished attempts, grade overrides and course completions matching the four
    conditions, in one query: rows of one shape, with the names `summarise` reads."""
    from lms.quizzes.models import Attempt

    def kind(tag):
        return cast(literal(tag), String(1)).label("kind")

    def none(type_, name):
        return cast(null(), type_).label(name)

    query = union_all(
        select(
            kind(COMPLETION),
            Completion.user_id,
            none(Integer, "course_id"),
            Completion.activity_id,
            Completion.completed_at,
            none(Integer, "number"),
            none(Float, "value"),
        ).where(completions),
        select(
            kind(ATTEMPT),
            Attempt.user_id,
            none(Integer, "course_id"),
            Attempt.activity_id,
            none(UTCDateTime, "completed_at"),
            Attempt.number,
            Attempt.score,
        ).where(Attempt.state == "finished", attempts),
        select(
            kind(OVERRIDE),
            GradeOverride.user_id,
            GradeOverride.course_id,
            GradeOverride.activity_id,
            none(UTCDateTime, "completed_at"),
            none(Integer, "number"),
            GradeOverride.grade,
        ).where(overrides),
        select(
            kind(COURSE_DONE),
            CourseCompletion.user_id,
            CourseCompletion.course_id,
            none(Integer, "activity_id"),
            CourseCompletion.completed_at,
            none(Integer, "number"),
            none(Float, "value"),
        ).where(done),
    )
    rows = {COMPLETION: [], ATTEMPT: [], OVERRIDE: [], COURSE_DONE: []}
    for row in db.session.execute(query):
        rows[row.kind].append(
            SimpleNamespace(
                user_id=row.user_id,
                course_id=row.course_id,
                activity_id=row.activity_id,
                completed_at=row.completed_at,
                number=row.number,
                state="finished",
                score=row.value,
                grade=row.value,
            )
        )
    return rows


def course_progress(
    course: Course, user_ids: list[int], enrolments: list[Enrolment] = ()
) -> dict[int, Progress]:
    """Progress of the given trainees in one course, in one query whatever their number."""
    from lms.quizzes.models import Attempt

    activity_ids = [a.id for a in course.activities()]
    if len(user_ids) > MANY:
        enrolled = select(Enrolment.user_id).where(Enrolment.course_id == course.id)
        users = lambda column: column.in_(enrolled)  # noqa: E731
    else:
        users = lambda column: column.in_(user_ids)  # noqa: E731
    rows = _progress_rows(
        Completion.activity_id.in_(activity_ids) & users(Completion.user_id),
        Attempt.activity_id.in_(activity_ids) & users(Attempt.user_id),
        (GradeOverride.course_id == course.id) & users(GradeOverride.user_id),
        (CourseCompletion.course_id == course.id) & users(CourseCompletion.user_id),
    )
    grouped = {kind: defaultdict(list) for kind in (COMPLETION, ATTEMPT, OVERRIDE)}
    for kind, by_user in grouped.items():
        for row in rows[kind]:
            by_user[row.user_id].append(row)
    finished = {row.user_id: row for row in rows[COURSE_DONE]}
    last_access = {e.user_id: e.last_access_at for e in enrolments}
    shape = CourseShape.of(course)
    result = {}
    for user_id in user_ids:
        row = summarise(
            shape,
            user_id,
            grouped[COMPLETION][user_id],
            grouped[ATTEMPT][user_id],
            grouped[OVERRIDE][user_id],
            finished.get(user_id),
        )
        row.last_access = last_access.get(user_id)
        result[user_id] = row
    return result


def my_progress(user, enrolments: list[Enrolment]) -> dict[int, Progress]:
    """A trainee's progress in each of their courses (course id -> Progress), in one query (my_enrolments
    loads the courses' outlines)."""
    from lms.quizzes.models import Attempt

    if not enrolments:
        return {}
    courses = {e.course_id: e.course for e in enrolments}
    activity_course = {a.id: course.id for course in courses.values() for a in course.activities()}
    rows = _progress_rows(
        Completion.user_id == user.id,
        Attempt.user_id == user.id,
        GradeOverride.user_id == user.id,
        CourseCompletion.user_id == user.id,
    )
    by_course = {kind: defaultdict(list) for kind in (COMPLETION, ATTEMPT, OVERRIDE)}
    for kind in (COMPLETION, ATTEMPT):
        for row in rows[kind]:
            by_course[kind][activity_course.get(row.activity_id)].append(row)
    for row in rows[OVERRIDE]:
        by_course[OVERRIDE][row.course_id].append(row)
    done = {row.course_id: row for row in rows[COURSE_DONE]}
    return {
        course_id: summarise(
            CourseShape.of(course),
            user.id,
            by_course[COMPLETION][course_id],
            by_course[ATTEMPT][course_id],
            by_course[OVERRIDE][course_id],
            done.get(course_id),
        )
        for course_id, course in courses.items()
    }


def matrix(course: Course):
    """Everything the trainer's progress matrix shows: active enrolments with users, and their progress."""
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.course_id == course.id, Enrolment.status == "active")
            .options(joinedload(Enrolment.user))  # one JOIN: selectinload would batch 500 ids a query
        )
    )
    progress = course_progress(course, [e.user_id for e in enrolments], enrolments)
    return enrolments, progress
