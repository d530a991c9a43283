"""The lesson kind: a page of Markdown the trainee reads and marks done (or completes by viewing)."""

from lms.activities.base import DURATION, LINK_TARGET, MARK_DONE, ActivityKind
from lms.courses.package import ActivitySpec, toml_value
from lms.i18n import _l

FRONT_MATTER_KEYS = ("title", "minutes", "optional", "published")


class LessonKind(ActivityKind):
    name = "lesson"
    label = _l("Lesson")
    icon = "▤"
    suffix = ".md"
    features = frozenset({MARK_DONE, DURATION, LINK_TARGET})
    page_template = "courses/_lesson.html"
    edit_endpoint = "authoring.activity"
    new_endpoint = "authoring.new_lesson"
    new_label = _l("Add a lesson")
    new_input = ""
    markdown_body = True

    def new_url(self, module) -> str:
        from flask import url_for

        return url_for(self.new_endpoint, slug=module.course.slug, module_id=module.id)

    def read(self, reader, path, text, slug, position, settings):
        parsed = reader.front_matter(path, text, FRONT_MATTER_KEYS)
        if parsed is None:
            return None
        values, body = parsed
        if "title" not in values or not values["title"][1]:
            reader.problem(path, 1, "front matter needs a 'title'")
            return None
        minutes = 10
        if "minutes" in values:
            number, raw = values["minutes"]
            if not raw.isdigit() or not 0 < int(raw) <= 1000:
                reader.problem(path, number, f"minutes '{raw}' must be a whole number from 1 to 1000")
            else:
                minutes = int(raw)
        if not reader.markdown(path, body, "lesson"):
            return None
        return ActivitySpec(
            kind=self.name,
            slug=slug,
            position=position,
            title=values["title"][1],
            body=body,
            minutes=minutes,
            optional=reader.flag(path, values, "optional", False),
            published=reader.flag(path, values, "published", True),
        )

    def write(self, spec):
        front = {"title": spec.title, "minutes": spec.minutes, "optional": spec.optional}
        if not spec.published:
            front["published"] = False
        header = "".join(
            f"{key}: {toml_value(v) if isinstance(v, bool) else v}\n" for key, v in front.items()
        )
        return f"---\n{header}---\n\n{spec.body}", None

    def edit_url(self, activity):
        from flask import url_for

        return url_for(self.edit_endpoint, slug=activity.module.course.slug, activity_id=activity.id)
