"""The assignment kind: instructions in Markdown, work handed in as text and files, a grade or rubric.

In a course package it is NN-slug.assignment.md: front matter with its settings, then the instructions.
"""

from datetime import datetime

from sqlalchemy import select

from lms.activities.base import GRADE, NEW_BY_TITLE, OWN_COMPLETION, ActivityKind, grade_row_columns
from lms.assignments.models import Submission
from lms.assignments.settings import FILE_TYPES, RELEASE, AssignmentSettings
from lms.courses.package import ActivitySpec, toml_value
from lms.db import db
from lms.i18n import _l

FLAGS = ("online_text", "resubmit")
NUMBERS = {"max_files": (0, 20), "max_mb": (1, 100), "max_grade": (1, 1000), "pass_mark": (0, 100)}
KEYS = ("title", *AssignmentSettings.__dataclass_fields__, "optional", "published")


class AssignmentKind(ActivityKind):
    name = "assignment"
    label = _l("Assignment")
    icon = "✉"
    suffix = ".assignment.md"
    features = frozenset({GRADE, OWN_COMPLETION})
    page_template = "assignments/_page.html"
    edit_endpoint = "assignments.edit"
    new_endpoint = NEW_BY_TITLE
    new_label = _l("Add an assignment")
    new_title = _l("Assignment title")
    new_problem = _l("An assignment needs a title.")

    def add(self, module, title, author):
        from lms.assignments.services import add_assignment

        return add_assignment(module, title, author)

    markdown_body = True

    def read(self, reader, path, text, slug, position, settings):
        parsed = reader.front_matter(path, text, [k for k in KEYS if k != "rubric"], repeated=("criterion",))
        if parsed is None:
            return None
        values, body = parsed
        if "title" not in values or not values["title"][1]:
            reader.problem(path, 1, "front matter needs a 'title'")
            return None
        if not reader.markdown(path, body, "assignment"):
            return None
        result = AssignmentSettings()
        for key in FLAGS:
            setattr(result, key, reader.flag(path, values, key, getattr(result, key)))
        for key, (low, high) in NUMBERS.items():
            if key in values:
                number, raw = values[key]
                if not raw.isdigit() or not low <= int(raw) <= high:
                    reader.problem(path, number, f"{key} '{raw}' must be a whole number from {low} to {high}")
                else:
                    setattr(result, key, int(raw))
        if "weight" in values:
            number, raw = values["weight"]
            try:
                result.weight = float(raw)
                if not 0 <= result.weight <= 100:
                    raise ValueError
            except ValueError:
                reader.problem(path, number, f"weight '{raw}' must be a number from 0 to 100")
        for key in ("due", "cutoff"):
            if key in values:
                number, raw = values[key]
                try:
                    if datetime.fromisoformat(raw).tzinfo is None:
                        raise ValueError
                    setattr(result, key, raw)
                except ValueError:
                    reader.problem(
                        path, number, f"{key} '{raw}' must be a date and time like 2027-03-01T17:00+02:00"
                    )
        if result.due_at and result.cutoff_at and result.cutoff_at < result.due_at:
            reader.problem(path, values["cutoff"][0], "the cut-off cannot be before the due date")
        if "file_types" in values:
            number, raw = values["file_types"]
            types = ["." + t.strip().lstrip(".").lower() for t in raw.split(",") if t.strip()]
            wrong = [t for t in types if t not in FILE_TYPES]
            if wrong or not types:
                reader.problem(path, number, f"file_types must be among {', '.join(FILE_TYPES)}")
            else:
                result.file_types = types
        if "release" in values:
            number, raw = values["release"]
            if raw not in RELEASE:
                reader.problem(path, number, f"release must be {' or '.join(RELEASE)}")
            else:
                result.release = raw
        for number, raw in values.get("criterion", []):
            criterion = parse_criterion(raw)
            if criterion is None:
                reader.problem(path, number, "a criterion reads 'Name | level = points | level = points'")
            else:
                result.rubric.append(criterion)
        if not result.online_text and not result.max_files:
            reader.problem(path, 1, "an assignment takes online text, files (max_files), or both")
        return ActivitySpec(
            kind=self.name,
            slug=slug,
            position=position,
            title=values["title"][1],
            body=body,
            optional=reader.flag(path, values, "optional", False),
            published=reader.flag(path, values, "published", True),
            settings=result.to_dict(),
        )

    def write(self, spec):
        settings = AssignmentSettings.from_dict(spec.settings)
        changed = settings.to_dict()
        lines = [f"title: {spec.title}"]
        for key in AssignmentSettings.__dataclass_fields__:
            if key not in changed:
                continue
            value = getattr(settings, key)
            if key == "rubric":
                lines += [f"criterion: {criterion_text(c)}" for c in value]
            elif key == "file_types":
                lines.append(f"file_types: {', '.join(t.lstrip('.') for t in value)}")
            else:
                lines.append(f"{key}: {toml_value(value) if not isinstance(value, str) else value}")
        if spec.optional:
            lines.append("optional: true")
        if not spec.published:
            lines.append("published: false")
        header = "".join(line + "\n" for line in lines)
        return f"---\n{header}---\n\n{spec.body}", None

    def page_context(self, activity):
        from lms.assignments.views import assignment_page

        return {"assignment": assignment_page(activity)}

    def is_complete(self, activity, user_id, grade):
        return grade is not None and grade >= AssignmentSettings.from_dict(activity.settings).pass_mark

    def weight(self, activity):
        return AssignmentSettings.from_dict(activity.settings).weight

    def grade(self, activity, user_id):
        return db.session.scalar(
            select(Submission.grade).where(
                Submission.activity_id == activity.id,
                Submission.user_id == user_id,
                Submission.released.is_(True),
            )
        )

    def grade_rows(self, activity_ids, users):
        return select(*grade_row_columns(Submission.user_id, Submission.activity_id, Submission.grade)).where(
            Submission.activity_id.in_(activity_ids),
            Submission.released.is_(True),
            Submission.grade.is_not(None),
            users(Submission.user_id),
        )


def parse_criterion(raw: str) -> dict | None:
    name, *levels = [part.strip() for part in raw.split("|")]
    parsed = []
    for level in levels:
        label, sep, points = (part.strip() for part in level.rpartition("="))
        try:
            number = float(points)
        except ValueError:
            return None
        if not sep or not label or number < 0:
            return None
        parsed.append([label, int(number) if number == int(number) else number])
    return {"criterion": name, "levels": parsed} if name and len(parsed) >= 2 else None


def criterion_text(criterion: dict) -> str:
    levels = " | ".join(f"{label} = {toml_value(points)}" for label, points in criterion["levels"])
    return f"{criterion['criterion']} | {levels}"
