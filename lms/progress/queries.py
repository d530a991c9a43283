"""Progress reads: for one trainee across their courses, or for a whole course across its trainees.

Both load everything in one query (completions, overrides, course completions, and each graded kind's
grade rows, asked of the kind, in one UNION ALL: `trainee_rows`) and hand the rows to one pure function,
`summarise`, so the numbers always agree. Nothing here names a kind: lms.activities says which
activities give grades.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, String, bindparam, cast, literal_column, null, select, union_all
from sqlalchemy.orm import joinedload

from lms.activities import kind_of, with_feature
from lms.activities.base import GRADE, grade_row_columns
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
    def of(cls, course, now: datetime | None = None) -> "CourseShape":
        """`course` is a Course or its outline as plain rows (lms.courses.outline): both list activities()."""
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
    """One trainee's progress from their rows of `trainee_rows` (completions: activity_id and
    completed_at; overrides: activity_id, None for the final grade, and value) and their grades by
    activity id, as the kinds worked them out."""
    row = Progress(user_id=user_id, completed={c.activity_id: c.completed_at for c in completions})
    manual = {o.activity_id: o.value for o in overrides}
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


NO_INT = cast(null(), Integer)
NO_AT = cast(null(), UTCDateTime)


@dataclass
class TraineeRows:
    """What progress reads about trainees, in one query (`trainee_rows`), grouped by trainee."""

    completions: dict[int, list] = field(default_factory=lambda: defaultdict(list))  # user -> rows
    grades: dict[int, dict[int, float | None]] = field(default_factory=lambda: defaultdict(dict))
    overrides: dict[int, list] = field(default_factory=lambda: defaultdict(list))  # user -> rows
    done: dict[tuple[int, int], object] = field(default_factory=dict)  # (user, course) -> row


def _part(source: str, *columns, number=NO_INT, value=None, course_id=NO_INT, at=NO_AT):
    """One select of the UNION ALL, with the columns of a kind's grade rows then progress's own."""
    user_id, activity_id = columns
    return select(
        *grade_row_columns(user_id, activity_id, value if value is not None else null(), number=number),
        literal_column(f"'{source}'", String).label("source"),
        course_id.label("course_id"),
        at.label("completed_at"),
    )


@dataclass(frozen=True)
class Trainees:
    """Which trainees a progress read is for: one, some (a list of ids) or every one enrolled in a
    course. `where(column)` restricts a user-id column with bound parameters (`params`), so that the
    statement is built once per process and reused; `literal(column)` puts the values in."""

    mode: str  # "one", "some" or "enrolled"
    value: object  # a user id, a list of user ids, or a course id

    PARAMETER = {"one": "trainee", "some": "trainees", "enrolled": "trainees_of"}

    def _filter(self, column, value):
        if self.mode == "one":
            return column == value
        if self.mode == "some":
            return column.in_(value)
        return column.in_(select(Enrolment.user_id).where(Enrolment.course_id == value))

    def where(self, column):
        name = self.PARAMETER[self.mode]
        return self._filter(column, bindparam(name, expanding=self.mode == "some"))

    def literal(self, column):
        return self._filter(column, self.value)

    @property
    def params(self) -> dict:
        return {self.PARAMETER[self.mode]: self.value}


_statements: dict[tuple, tuple] = {}  # (trainees' mode, graded kinds) -> (UNION ALL, kinds in it)


def _rows_statement(mode: str, kind_names: tuple[str, ...]):
    """The UNION ALL for these trainees' mode and graded kinds, built on first use (building and keying
    it took most of a page's progress time)."""
    key = (mode, kind_names)
    if key not in _statements:
        users = Trainees(mode, None).where
        activity_ids = bindparam("activity_ids", expanding=True)
        course_ids = bindparam("course_ids", expanding=True)
        parts = [
            _part("completion", Completion.user_id, Completion.activity_id, at=Completion.completed_at).where(
                Completion.activity_id.in_(activity_ids), users(Completion.user_id)
            ),
            _part(
                "override",
                GradeOverride.user_id,
                GradeOverride.activity_id,
                value=GradeOverride.grade,
                course_id=GradeOverride.course_id,
            ).where(GradeOverride.course_id.in_(course_ids), users(GradeOverride.user_id)),
            _part(
                "course",
                CourseCompletion.user_id,
                NO_INT,
                course_id=CourseCompletion.course_id,
                at=CourseCompletion.completed_at,
            ).where(CourseCompletion.course_id.in_(course_ids), users(CourseCompletion.user_id)),
        ]
        with_rows = []
        for name in kind_names:
            query = kind_of(name).grade_rows(bindparam(f"{name}_ids", expanding=True), users)
            if query is not None:  # kind names are [a-z_] (lms.activities.NAME_RE): safe in SQL text
                with_rows.append(name)
                parts.append(
                    query.add_columns(
                        literal_column(f"'kind:{name}'", String).label("source"),
                        NO_INT.label("course_id"),
                        NO_AT.label("completed_at"),
                    )
                )
        _statements[key] = (union_all(*parts), frozenset(with_rows))
    return _statements[key]


def trainee_rows(activity_ids: list[int], course_ids: list[int], graded: list[Activity], trainees: Trainees):
    """Completions of these activities, grade overrides and course completions of these courses, and
    each graded kind's grade rows (ActivityKind.grade_rows), for these trainees: one UNION ALL query,
    whatever the number of trainees and kinds (a kind without grade_rows is asked its grades() apart).
    Nothing here names a kind."""
    by_kind = defaultdict(list)
    for activity in graded:
        by_kind[activity.kind].append(activity)
    statement, with_rows = _rows_statement(trainees.mode, tuple(sorted(by_kind)))
    params = {"activity_ids": activity_ids, "course_ids": course_ids, **trainees.params}
    result = TraineeRows()
    for name, of_kind in by_kind.items():
        if name in with_rows:
            params[f"{name}_ids"] = [activity.id for activity in of_kind]
        else:
            for user_id, grades in kind_of(name).grades(of_kind, trainees.literal).items():
                result.grades[user_id].update(grades)
    kind_rows = defaultdict(list)
    for row in db.session.execute(statement, params):
        if row.source == "completion":
            result.completions[row.user_id].append(row)
        elif row.source == "override":
            result.overrides[row.user_id].append(row)
        elif row.source == "course":
            result.done[row.user_id, row.course_id] = row
        else:
            kind_rows[row.source[5:]].append(row)
    for name, rows in kind_rows.items():
        for user_id, grades in kind_of(name).grades_from_rows(by_kind[name], rows).items():
            result.grades[user_id].update(grades)
    return result


def course_progress(
    course: Course, user_ids: list[int], enrolments: list[Enrolment] = (), outline=None
) -> dict[int, Progress]:
    """Progress of the given trainees in one course, in one query whatever their number; `outline` is the
    course's outline when the page has read it as plain rows already."""
    structure = outline or course
    shape = CourseShape.of(structure)
    trainees = Trainees("enrolled", course.id) if len(user_ids) > MANY else Trainees("some", list(user_ids))
    rows = trainee_rows([a.id for a in structure.activities()], [course.id], shape.graded, trainees)
    last_access = {e.user_id: e.last_access_at for e in enrolments}
    result = {}
    for user_id in user_ids:
        row = summarise(
            shape,
            user_id,
            rows.completions.get(user_id, ()),
            rows.grades.get(user_id, {}),
            rows.overrides.get(user_id, ()),
            rows.done.get((user_id, course.id)),
        )
        row.last_access = last_access.get(user_id)
        result[user_id] = row
    return result


def my_progress(user, outlines: dict) -> dict[int, Progress]:
    """A trainee's progress in each of their courses (course id -> Progress), in one query, given the
    courses' outlines (lms.courses.outline.read_outlines)."""
    if not outlines:
        return {}
    shapes = {course_id: CourseShape.of(outline) for course_id, outline in outlines.items()}
    activity_course = {
        a.id: course_id for course_id, outline in outlines.items() for a in outline.activities()
    }
    graded = [activity for shape in shapes.values() for activity in shape.graded]
    rows = trainee_rows(list(activity_course), list(outlines), graded, Trainees("one", user.id))
    completions, overrides = defaultdict(list), defaultdict(list)
    for completion in rows.completions.get(user.id, ()):
        completions[activity_course[completion.activity_id]].append(completion)
    for override in rows.overrides.get(user.id, ()):
        overrides[override.course_id].append(override)
    grades = rows.grades.get(user.id, {})
    return {
        course_id: summarise(
            shapes[course_id],
            user.id,
            completions[course_id],
            grades,
            overrides[course_id],
            rows.done.get((user.id, course_id)),
        )
        for course_id in outlines
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
