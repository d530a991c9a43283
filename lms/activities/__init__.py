"""The activity-kind registry: one line per kind, the only place that lists them.

Progress, the gradebook, course pages, the outline, exports and course packages ask `kind_of(activity)`
and the kind's features (lms.activities.base); none of them names a kind. See docs/architecture.md.
"""

import re
from importlib import import_module

from lms.activities.base import ActivityKind

# "module:Class" of each kind, in the order authors see them. Adding a kind adds one line here.
KINDS = (
    "lms.courses.lesson:LessonKind",
    "lms.quizzes.activity:QuizKind",
    "lms.assignments.activity:AssignmentKind",
    "lms.surveys.activity:SurveyKind",
    "lms.scorm.activity:ScormKind",
)
NAME_RE = re.compile(r"^[a-z][a-z_]{0,19}$")  # fits activities.kind, String(20)

_registry: dict[str, ActivityKind] = {}


def kinds() -> dict[str, ActivityKind]:
    """Every registered kind by name, loaded on first use (kinds import their features' modules)."""
    if not _registry:
        loaded = {}
        for path in KINDS:
            module, _, name = path.partition(":")
            kind = getattr(import_module(module), name)()
            if not NAME_RE.match(kind.name) or kind.name in loaded or not kind.suffix:
                raise RuntimeError(f"activity kind {path}: needs a unique name and a package suffix")
            loaded[kind.name] = kind
        _registry.update(loaded)
    return _registry


def kind_of(activity_or_name) -> ActivityKind:
    """The kind of an activity (or of a kind name); KeyError for a name nobody registered."""
    name = activity_or_name if isinstance(activity_or_name, str) else activity_or_name.kind
    return kinds()[name]


def kind_for_file(name: str) -> ActivityKind | None:
    """The kind whose package suffix ends this file name; the longest suffix wins (.survey.toml)."""
    matching = [kind for kind in kinds().values() if name.endswith(kind.suffix)]
    return max(matching, key=lambda kind: len(kind.suffix), default=None)


def with_feature(activities, feature: str) -> list:
    """The activities whose kind supports a feature, in their order."""
    return [activity for activity in activities if kind_of(activity).supports(feature)]
