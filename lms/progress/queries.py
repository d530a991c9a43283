"""Progress reads: for one trainee across their courses, or for a whole course across its trainees.

Both load everything in a fixed number of queries (completions, attempts, overrides, course
completions) and hand the rows to one pure function, `summarise`, so the numbers always agree.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.courses.models import Activity, Course, Enrolment
from lms.db import db
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


def _course_rows(course: Course, user_ids: list[int]):
    """Only the columns progress needs: a thousand trainees' rows load as tuples, not ORM objects."""
    from lms.quizzes.models import Attempt

    activity_ids = [a.id for a in course.activities()]
    if len(user_ids) > MANY:
        enrolled = select(Enrolment.user_id).where(Enrolment.course_id == course.id)
        users = lambda column: column.in_(enrolled)  # noqa: E731
    else:
        users = lambda column: column.in_(user_ids)  # noqa: E731
    completions = db.session.execute(
        select(Completion.user_id, Completion.activity_id, Completion.completed_at).where(
            Completion.activity_id.in_(activity_ids), users(Completion.user_id)
        )
    ).all()
    attempts = db.session.execute(
        select(Attempt.user_id, Attempt.activity_id, Attempt.number, Attempt.state, Attempt.score).where(
            Attempt.activity_id.in_(activity_ids), Attempt.state == "finished", users(Attempt.user_id)
        )
    ).all()
    overrides = db.session.execute(
        select(GradeOverride.user_id, GradeOverride.activity_id, GradeOverride.grade).where(
            GradeOverride.course_id == course.id, users(GradeOverride.user_id)
        )
    ).all()
    done = db.session.execute(
        select(CourseCompletion.user_id, CourseCompletion.completed_at).where(
            CourseCompletion.course_id == course.id, users(CourseCompletion.user_id)
        )
    ).all()
    return completions, attempts, overrides, done


def course_progress(
    course: Course, user_ids: list[int], enrolments: list[Enrolment] = ()
) -> dict[int, Progress]:
    """Progress of the given trainees in one course, in four queries whatever their number."""
    completions, attempts, overrides, done = _course_rows(course, user_ids)
    grouped = {name: defaultdict(list) for name in ("completions", "attempts", "overrides")}
    for name, rows in (("completions", completions), ("attempts", attempts), ("overrides", overrides)):
        for row in rows:
            grouped[name][row.user_id].append(row)
    finished = {c.user_id: c for c in done}
    last_access = {e.user_id: e.last_access_at for e in enrolments}
    shape = CourseShape.of(course)
    result = {}
    for user_id in user_ids:
        row = summarise(
            shape,
            user_id,
            grouped["completions"][user_id],
            grouped["attempts"][user_id],
            grouped["overrides"][user_id],
            finished.get(user_id),
        )
        row.last_access = last_access.get(user_id)
        result[user_id] = row
    return result


def my_progress(user, enrolments: list[Enrolment]) -> dict[int, Progress]:
    """A trainee's progress in each of their courses (course id -> Progress), in a fixed number of queries."""
    from lms.quizzes.models import Attempt

    if not enrolments:
        return {}
    courses = {
        c.id: c
        for c in db.session.scalars(
            Course.with_outline().where(Course.id.in_([e.course_id for e in enrolments]))
        )
    }
    completions = defaultdict(list)
    activity_course = {a.id: course.id for course in courses.values() for a in course.activities()}
    for completion in db.session.scalars(select(Completion).where(Completion.user_id == user.id)):
        completions[activity_course.get(completion.activity_id)].append(completion)
    attempts = defaultdict(list)
    for attempt in db.session.scalars(
        select(Attempt).where(Attempt.user_id == user.id, Attempt.state == "finished")
    ):
        attempts[activity_course.get(attempt.activity_id)].append(attempt)
    overrides = defaultdict(list)
    for override in db.session.scalars(select(GradeOverride).where(GradeOverride.user_id == user.id)):
        overrides[override.course_id].append(override)
    done = {
        c.course_id: c
        for c in db.session.scalars(select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    }
    return {
        course_id: summarise(
            CourseShape.of(course),
            user.id,
            completions[course_id],
            attempts[course_id],
            overrides[course_id],
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
