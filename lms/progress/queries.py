"""Progress reads: for one trainee across their courses, or for a whole course across its trainees.

Both load everything in a fixed number of queries (completions, overrides, course completions, and
each graded kind's grades, asked of the kind) and hand the rows to one pure function, `summarise`, so
the numbers always agree. Nothing here names a kind: lms.activities says which activities give grades.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.activities import kind_of, with_feature
from lms.activities.base import GRADE, UserFilter
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
    grades: dict[int, float | None] = field(default_factory=dict)  # graded activity id -> grade
    required_total: int = 0
    required_done: int = 0
    final_grade: float | None = None
    completed_at: datetime | None = None  # the course's completion
    last_access: datetime | None = None
    next_activity: Activity | None = None
    marks_hidden: frozenset[int] = frozenset()  # graded activities whose marks the trainee may not see now
    final_grade_hidden: bool = False  # the final grade would reveal a hidden mark

    @property
    def percent(self) -> int:
        return round(100 * self.required_done / self.required_total) if self.required_total else 0

    # What the trainee may see of their marks (course page, dashboard, certificate): the activity's kind
    # decides (ActivityKind.marks_hidden); trainers' pages use the fields above.
    def visible_grade(self, activity_id: int) -> float | None:
        return None if activity_id in self.marks_hidden else self.grades.get(activity_id)

    @property
    def visible_final_grade(self) -> float | None:
        return None if self.final_grade_hidden else self.final_grade


@dataclass
class CourseShape:
    """What every trainee's progress in a course is measured against, worked out once per course."""

    activities: list[Activity]
    required: list[Activity]
    graded: list[Activity]  # published activities whose kind gives a grade
    weights: dict[int, float]  # graded activity id -> weight in the final grade
    marks_hidden: frozenset[int] = frozenset()  # graded activities whose marks the trainee may not see now

    @classmethod
    def of(cls, course: Course, now: datetime | None = None) -> "CourseShape":
        from lms.db import utcnow

        now = now or utcnow()
        activities = [a for a in course.activities() if a.published]
        graded = with_feature(activities, GRADE)
        return cls(
            activities=activities,
            required=[a for a in activities if a.counts_for_completion],
            graded=graded,
            weights={a.id: kind_of(a).weight(a) for a in graded},
            marks_hidden=frozenset(a.id for a in graded if kind_of(a).marks_hidden(a, now)),
        )

    @property
    def final_grade_hidden(self) -> bool:
        """A final grade made of a hidden mark would reveal it: hidden too."""
        return any(aid in self.marks_hidden for aid in self.weights)


def summarise(
    shape: CourseShape, user_id: int, completions, grades, overrides, course_completion
) -> Progress:
    """One trainee's progress from their rows (objects or column rows with the same names) and their
    grades by activity id, as the kinds worked them out."""
    row = Progress(user_id=user_id, completed={c.activity_id: c.completed_at for c in completions})
    manual = {o.activity_id: o.grade for o in overrides}
    for activity in shape.graded:
        row.grades[activity.id] = manual[activity.id] if activity.id in manual else grades.get(activity.id)
    row.required_total = len(shape.required)
    row.required_done = sum(1 for a in shape.required if a.id in row.completed)
    row.final_grade = manual[None] if None in manual else final_grade(row.grades, shape.weights)
    row.completed_at = course_completion.completed_at if course_completion else None
    row.marks_hidden, row.final_grade_hidden = shape.marks_hidden, shape.final_grade_hidden
    row.next_activity = next(
        (a for a in shape.activities if a.id not in row.completed and not a.optional), None
    )
    return row


def kind_grades(activities: list[Activity], users: UserFilter) -> dict[int, dict[int, float | None]]:
    """user id -> activity id -> grade, asking each kind once for its activities (one query or so a
    kind, whatever the number of trainees)."""
    by_kind = defaultdict(list)
    for activity in activities:
        by_kind[activity.kind].append(activity)
    result: dict[int, dict[int, float | None]] = defaultdict(dict)
    for name, of_kind in by_kind.items():
        for user_id, grades in kind_of(name).grades(of_kind, users).items():
            result[user_id].update(grades)
    return result


def _course_rows(course: Course, shape: CourseShape, user_ids: list[int]):
    """Only the columns progress needs: a thousand trainees' rows load as tuples, not ORM objects."""
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
    grades = kind_grades(shape.graded, users)
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
    return completions, grades, overrides, done


def course_progress(
    course: Course, user_ids: list[int], enrolments: list[Enrolment] = ()
) -> dict[int, Progress]:
    """Progress of the given trainees in one course, in three queries and one a graded kind, whatever
    their number."""
    shape = CourseShape.of(course)
    completions, grades, overrides, done = _course_rows(course, shape, user_ids)
    grouped = {name: defaultdict(list) for name in ("completions", "overrides")}
    for name, rows in (("completions", completions), ("overrides", overrides)):
        for row in rows:
            grouped[name][row.user_id].append(row)
    finished = {c.user_id: c for c in done}
    last_access = {e.user_id: e.last_access_at for e in enrolments}
    result = {}
    for user_id in user_ids:
        row = summarise(
            shape,
            user_id,
            grouped["completions"][user_id],
            grades.get(user_id, {}),
            grouped["overrides"][user_id],
            finished.get(user_id),
        )
        row.last_access = last_access.get(user_id)
        result[user_id] = row
    return result


def my_progress(user, enrolments: list[Enrolment]) -> dict[int, Progress]:
    """A trainee's progress in each of their courses (course id -> Progress), in a fixed number of queries."""
    if not enrolments:
        return {}
    courses = {e.course_id: e.course for e in enrolments}  # my_enrolments loaded their outlines
    shapes = {course_id: CourseShape.of(course) for course_id, course in courses.items()}
    completions = defaultdict(list)
    activity_course = {a.id: course.id for course in courses.values() for a in course.activities()}
    for completion in db.session.scalars(select(Completion).where(Completion.user_id == user.id)):
        completions[activity_course.get(completion.activity_id)].append(completion)
    graded = [activity for shape in shapes.values() for activity in shape.graded]
    grades = kind_grades(graded, lambda column: column == user.id).get(user.id, {})
    overrides = defaultdict(list)
    for override in db.session.scalars(select(GradeOverride).where(GradeOverride.user_id == user.id)):
        overrides[override.course_id].append(override)
    done = {
        c.course_id: c
        for c in db.session.scalars(select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    }
    return {
        course_id: summarise(
            shapes[course_id],
            user.id,
            completions[course_id],
            grades,
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
