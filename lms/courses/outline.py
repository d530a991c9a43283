"""A course's outline (its modules and their activities, in order) read as plain rows for the pages a
trainee opens most: the course page, the lesson page and the dashboard.

Loading the same outline as ORM objects through relationship loaders cost about ten times the query
itself (identity map, instance state, loader paths built per request). These pages only read it, so one
SELECT of the columns they show builds small slotted objects instead. They answer the attributes the
templates, the activity kinds (kind, settings) and progress read of an Activity, so both can be passed
where an outline is read. Bodies are not part of it: the one activity a page shows is loaded on its own.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select

from lms.courses.models import Activity, Module
from lms.db import db, prepared


@dataclass(slots=True, eq=False)
class OutlineModule:
    id: int
    course_id: int
    slug: str
    title: str
    summary: str
    activities: list["OutlineActivity"] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class OutlineActivity:
    id: int
    slug: str
    kind: str
    title: str
    minutes: int
    optional: bool
    published: bool
    settings: dict
    module: OutlineModule

    @property
    def module_id(self) -> int:
        return self.module.id

    @property
    def counts_for_completion(self) -> bool:
        return self.published and not self.optional


@dataclass(slots=True)
class Outline:
    modules: list[OutlineModule]

    def activities(self) -> list[OutlineActivity]:
        return [activity for module in self.modules for activity in module.activities]

    def visible(self, editor: bool) -> list[tuple[OutlineModule, list[OutlineActivity]]]:
        """Each module with the activities its reader sees (drafts only for editors), in order."""
        return [(m, [a for a in m.activities if a.published or editor]) for m in self.modules]


MODULE_COLUMNS = (Module.id, Module.course_id, Module.slug, Module.title, Module.summary)
ACTIVITY_COLUMNS = (
    Activity.id,
    Activity.slug,
    Activity.kind,
    Activity.title,
    Activity.minutes,
    Activity.optional,
    Activity.published,
    Activity.settings,
)


@prepared
def _outline_rows():
    # A module without activities still appears (outer join), so the course page lists it.
    return (
        select(*MODULE_COLUMNS, *ACTIVITY_COLUMNS)
        .outerjoin(Activity, Activity.module_id == Module.id)
        .where(Module.course_id.in_(bindparam("course_ids", expanding=True)))
        .order_by(Module.course_id, Module.position, Module.id, Activity.position, Activity.id)
    )


def read_outlines(course_ids: Iterable[int]) -> dict[int, Outline]:
    """The outline of each course, in one query whatever their number; a course without modules has an
    empty one."""
    outlines = {course_id: Outline([]) for course_id in course_ids}
    if not outlines:
        return outlines
    module = None
    width = len(MODULE_COLUMNS)
    for row in db.session.execute(_outline_rows(), {"course_ids": list(outlines)}):
        if module is None or module.id != row[0]:
            module = OutlineModule(*row[:width])
            outlines[module.course_id].modules.append(module)
        if row[width] is not None:
            module.activities.append(OutlineActivity(*row[width:], module=module))
    return outlines


def read_outline(course_id: int) -> Outline:
    return read_outlines([course_id])[course_id]
