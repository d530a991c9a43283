"""The SCORM kind: a SCORM 1.2 or 2004 package played in a sandboxed frame, its CMI data kept per
trainee and SCO; lesson status makes it complete and the score is its grade.

In a course package it is NN-slug.scorm.md: front matter (title, the package's SHA-256, weight), then
a description in Markdown. The zip itself is not part of the course package yet: on import, the
package is found by its hash among the files this site already stores (docs/scorm.md).
"""

import re

from sqlalchemy import select

from lms.activities.base import GRADE, OWN_COMPLETION, ActivityKind
from lms.courses.package import ActivitySpec, toml_value
from lms.db import db
from lms.i18n import _l
from lms.scorm.models import ScormPackage, ScormTrack
from lms.scorm.services import complete, grade_of, settings_of, tracks_of

SHA_RE = re.compile(r"^[0-9a-f]{64}$")
KEYS = ("title", "package", "weight", "optional", "published")


class ScormKind(ActivityKind):
    name = "scorm"
    label = _l("SCORM package")
    icon = "▶"
    suffix = ".scorm.md"
    features = frozenset({GRADE, OWN_COMPLETION})
    page_template = "scorm/_page.html"
    edit_endpoint = "scorm.edit"
    new_endpoint = "scorm.new"
    new_label = _l("Add a SCORM package")
    new_input = "file"
    new_title = _l("SCORM package (.zip)")
    markdown_body = True

    def read(self, reader, path, text, slug, position, settings):
        parsed = reader.front_matter(path, text, KEYS)
        if parsed is None:
            return None
        values, body = parsed
        if "title" not in values or not values["title"][1]:
            reader.problem(path, 1, "front matter needs a 'title'")
            return None
        if not reader.markdown(path, body, "SCORM description"):
            return None
        result = {}
        if "package" in values:
            number, raw = values["package"]
            if not SHA_RE.match(raw):
                reader.problem(path, number, "package must be the SHA-256 of the SCORM zip (64 hex digits)")
            else:
                result["package"] = raw
        if "weight" in values:
            number, raw = values["weight"]
            try:
                weight = float(raw)
                if not 0 <= weight <= 100:
                    raise ValueError
                result["weight"] = weight
            except ValueError:
                reader.problem(path, number, f"weight '{raw}' must be a number from 0 to 100")
        return ActivitySpec(
            kind=self.name,
            slug=slug,
            position=position,
            title=values["title"][1],
            body=body,
            optional=reader.flag(path, values, "optional", False),
            published=reader.flag(path, values, "published", True),
            settings=result,
        )

    def write(self, spec):
        lines = [f"title: {spec.title}"]
        if spec.settings.get("package"):
            lines.append(f"package: {spec.settings['package']}")
        if "weight" in spec.settings and float(spec.settings["weight"]) != 1.0:
            lines.append(f"weight: {toml_value(spec.settings['weight'])}")
        if spec.optional:
            lines.append("optional: true")
        if not spec.published:
            lines.append("published: false")
        header = "".join(line + "\n" for line in lines)
        return f"---\n{header}---\n\n{spec.body}", None

    def imported(self, activity, spec):
        """Attach the package named by its hash when this site stores it (else the trainer uploads it)."""
        from lms.courses.services import blob_key
        from lms.scorm.services import check_package, store_package
        from lms.storage import storage

        digest = spec.settings.get("package")
        current = db.session.scalar(ScormPackage.of(activity.id))
        if current is not None and current.sha256 == digest:
            scos = [item.identifier for item in current.parsed().scos]
            activity.settings = {**spec.settings, "scos": scos, "version": current.version}
            return
        if not digest or not storage().exists(blob_key(digest)):
            return
        store_package(activity, check_package(storage().read(blob_key(digest)), "package"), None)

    def page_context(self, activity):
        from lms.scorm.views import scorm_page

        return {"scorm": scorm_page(activity)}

    def is_complete(self, activity, user_id, grade):
        rows = db.session.execute(
            select(ScormTrack.sco, ScormTrack.status, ScormTrack.score).where(
                ScormTrack.activity_id == activity.id, ScormTrack.user_id == user_id
            )
        ).all()
        return complete(settings_of(activity)["scos"], rows)

    def weight(self, activity):
        return settings_of(activity)["weight"]

    def grade(self, activity, user_id):
        rows = tracks_of([activity.id], lambda column: column == user_id)
        return grade_of(settings_of(activity)["scos"], rows)

    def grades(self, activities, users):
        by_activity = {a.id: a for a in activities}
        rows: dict[tuple[int, int], list] = {}
        for row in tracks_of(list(by_activity), users):
            rows.setdefault((row.user_id, row.activity_id), []).append(row)
        result: dict[int, dict[int, float | None]] = {}
        for (user_id, activity_id), found in rows.items():
            grade = grade_of(settings_of(by_activity[activity_id])["scos"], found)
            if grade is not None:
                result.setdefault(user_id, {})[activity_id] = grade
        return result
