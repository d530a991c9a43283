"""The interface every activity kind implements (Moodle's `MODNAME_supports(FEATURE_...)` idea).

A kind is one class with class attributes saying what it is and what it supports, and methods the
shared code calls: course packages (read, write), rendering at save time, the trainee's page,
completion and grades. The shared code never names a kind; it asks `kind.supports(FEATURE)`.
Defaults here are those of a kind that supports nothing, so a kind overrides only what it has.
"""

from collections.abc import Callable

# Features a kind may support (`ActivityKind.features`).
MARK_DONE = "mark-done"  # the trainee marks it done, or it is done when viewed if the course says so
DURATION = "duration"  # it has a reading time in minutes, shown on the course page
GRADE = "grade"  # it has a grade in percent, with a weight, for the gradebook and the final grade
OWN_COMPLETION = "own-completion"  # the kind decides when it is complete (`is_complete`)
LINK_TARGET = "link-target"  # other lessons may link to its package file (`../02-reach/01-x.md`)

# The one view that adds an activity of any kind that needs only a title (authoring.views.new_activity).
NEW_BY_TITLE = "authoring.new_activity"

# Restricts a query to some trainees: given a user-id column, returns the WHERE clause.
UserFilter = Callable[[object], object]

# The columns of a kind's grade rows (ActivityKind.grade_rows), in this order.
GRADE_ROW_COLUMNS = ("user_id", "activity_id", "number", "value")


def grade_row_columns(user_id, activity_id, value, number=None) -> tuple:
    """The four columns of a grade row, labelled and typed alike for every kind so that progress can
    UNION ALL them: `number` (an attempt's number, say) may be left out, `value` is a grade or a score."""
    from sqlalchemy import Float, Integer, cast, null

    return (
        user_id.label("user_id"),
        activity_id.label("activity_id"),
        (cast(null(), Integer) if number is None else number).label("number"),
        cast(value, Float).label("value"),
    )


class ActivityKind:
    name: str = ""  # stored in activities.kind; lower-case letters and '_'
    label = ""  # what the kind is called on pages (a lazy translation)
    icon = "▤"  # shown before the activity's title in the course outline
    suffix = ""  # its file in a course package: NN-slug<suffix>, e.g. ".gift"
    features: frozenset[str] = frozenset()
    page_template = ""  # the trainee's view of it, included in courses/activity.html
    edit_endpoint = ""  # where a trainer edits it; called with activity_id=
    markdown_body = False  # the body is Markdown shown as a lesson is (cached HTML by render)
    # The course outline's add form (templates/authoring/course.html) goes to new_url(module); a kind
    # with no new_endpoint is not added there. It sends new_input: "title" (labelled new_title) to the
    # shared view, NEW_BY_TITLE, which calls add(); "file" (a package) to new_endpoint, a view of the
    # kind's own (lms.activities.views.new_activity); or "" is a link to new_endpoint, a page of its own.
    new_endpoint = ""
    new_label = ""  # the form's button, "Add a quiz" (a lazy translation)
    new_input = "title"
    new_title = ""
    new_problem = ""  # what the title form says when the title is missing

    def __repr__(self) -> str:
        return f"<ActivityKind {self.name}>"

    def supports(self, feature: str) -> bool:
        return feature in self.features

    # --- course packages ---------------------------------------------------------------------------

    def read(self, reader, path: str, text: str, slug: str, position: int, settings: dict):
        """Parse the package file into an ActivitySpec, or report problems with reader.problem() and
        return None. `settings` is the file's table in module.toml, `[<kind name>.<NN-slug>]`."""
        raise NotImplementedError

    def write(self, spec) -> tuple[str, dict | None]:
        """The package file's text for an ActivitySpec, and its module.toml table (or None)."""
        raise NotImplementedError

    def render(self, course_slug: str, module_slug: str, body: str) -> str:
        """HTML of the body, cached in activities.body_html when saved; never rendered per request."""
        if not self.markdown_body:
            return ""
        from lms.courses.services import render_lesson

        return str(render_lesson(course_slug, module_slug, body))

    def imported(self, activity, spec) -> None:
        """After a package import created or changed the activity (it has an id): store what else the
        kind keeps (a quiz's questions)."""

    # --- pages -------------------------------------------------------------------------------------

    def edit_url(self, activity) -> str:
        from flask import url_for

        return url_for(self.edit_endpoint, activity_id=activity.id)

    def new_url(self, module) -> str:
        from flask import url_for

        if self.new_endpoint == NEW_BY_TITLE:
            return url_for(NEW_BY_TITLE, module_id=module.id, kind=self.name)
        return url_for(self.new_endpoint, module_id=module.id)

    def add(self, module, title: str, author):
        """With the title add form (new_endpoint NEW_BY_TITLE): a new, unpublished activity of this kind
        at the end of the module, flushed; the trainer edits it next."""
        raise NotImplementedError

    def page_context(self, activity) -> dict:
        """Template variables page_template needs for the current user (called for their page only)."""
        return {}

    # --- completion and grades ---------------------------------------------------------------------

    def is_complete(self, activity, user_id: int, grade: float | None) -> bool:
        """With OWN_COMPLETION: whether the trainee has completed it, given their grade (an override
        set by hand when there is one)."""
        return False

    def weight(self, activity) -> float:
        """With GRADE: its weight in the course's final grade."""
        return 1.0

    def marks_hidden(self, activity, now) -> bool:
        """With GRADE: whether the trainee may not see their mark at `now` (their trainers always may)."""
        return False

    def grade(self, activity, user_id: int) -> float | None:
        """With GRADE: one trainee's grade in percent, None when there is none yet."""
        return None

    def grade_rows(self, activity_ids, users: UserFilter):
        """With GRADE: a select of the rows its activities' grades are worked out from, its columns made
        by `grade_row_columns` (user_id, activity_id, number, value), or None. `activity_ids` is for
        `column.in_(activity_ids)` (a bound parameter: the select is built once per process and run
        again with other activities and trainees, so it depends on nothing but its arguments; no ORDER BY
        or LIMIT). Progress runs every kind's select and its own reads in one UNION ALL (a page costs the
        same queries however many kinds there are) and hands each kind its rows back through
        `grades_from_rows`."""
        return None

    def grades_from_rows(self, activities: list, rows) -> dict[int, dict[int, float | None]]:
        """With GRADE: user id -> activity id -> grade from the rows of `grade_rows`; by default each
        row's value is the grade."""
        result: dict[int, dict[int, float | None]] = {}
        for row in rows:
            result.setdefault(row.user_id, {})[row.activity_id] = row.value
        return result

    def grades(self, activities: list, users: UserFilter) -> dict[int, dict[int, float | None]]:
        """With GRADE: user id -> activity id -> grade for these activities (all of this kind), in a
        fixed number of queries whatever the number of trainees and activities. Kinds that give
        `grade_rows` need not override it; progress asks this only of kinds that do not (one query more)."""
        from sqlalchemy import bindparam

        query = self.grade_rows(bindparam("activity_ids", expanding=True), users)
        if query is None:
            return {}
        from lms.db import db

        rows = db.session.execute(query, {"activity_ids": [a.id for a in activities]}).all()
        return self.grades_from_rows(activities, rows)
