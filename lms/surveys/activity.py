"""The survey kind: questions a trainee answers once, anonymously or by name; no grade.

In a course package it is NN-slug.survey.toml (lms.surveys.spec). The activity keeps the file as written
in `body` and what it means in `settings`, so an import then an export gives the same bytes.
"""

from sqlalchemy import select

from lms.activities.base import NEW_BY_TITLE, OWN_COMPLETION, ActivityKind
from lms.courses.package import ActivitySpec
from lms.db import db
from lms.i18n import _l
from lms.surveys.models import SurveyParticipation
from lms.surveys.spec import Survey, parse_survey, survey_toml


class SurveyKind(ActivityKind):
    name = "survey"
    label = _l("Survey")
    icon = "☺"
    suffix = ".survey.toml"
    features = frozenset({OWN_COMPLETION})
    page_template = "surveys/_page.html"
    edit_endpoint = "surveys.edit"
    new_endpoint = NEW_BY_TITLE
    new_label = _l("Add a survey")
    new_title = _l("Survey title")
    new_problem = _l("A survey needs a title.")

    def add(self, module, title, author):
        from lms.i18n import _
        from lms.surveys.services import add_survey

        return add_survey(module, title, author, _("Overall, how satisfied are you?"))

    def read(self, reader, path, text, slug, position, settings):
        parsed, problems = parse_survey(text)
        for line, message in problems:
            reader.problem(path, line, message)
        if problems:
            return None
        survey = parsed["survey"]
        if survey.intro and not reader.markdown(path, survey.intro, "survey's intro"):
            return None
        return ActivitySpec(
            kind=self.name,
            slug=slug,
            position=position,
            title=parsed["title"],
            body=text,
            optional=parsed["optional"],
            published=parsed["published"],
            settings=survey.to_dict(),
        )

    def write(self, spec):
        """The file as it was written when it still says the same; written anew when the survey
        changed in the browser (title, questions, published ...)."""
        parsed, problems = parse_survey(spec.body or "")
        same = not problems and (
            parsed["title"],
            parsed["optional"],
            parsed["published"],
            parsed["survey"].to_dict(),
        ) == (spec.title, spec.optional, spec.published, Survey.from_dict(spec.settings).to_dict())
        if same:
            return spec.body, None
        return survey_toml(spec.title, Survey.from_dict(spec.settings), spec.optional, spec.published), None

    def render(self, course_slug, module_slug, body):
        from lms.courses.services import render_lesson

        parsed, problems = parse_survey(body or "")
        intro = parsed["survey"].intro if not problems else ""
        return str(render_lesson(course_slug, module_slug, intro)) if intro else ""

    def page_context(self, activity):
        from lms.surveys.views import survey_page

        return {"survey": survey_page(activity)}

    def is_complete(self, activity, user_id, grade):
        """Complete once the trainee has answered it (on the course page or after a session)."""
        answered = select(SurveyParticipation.user_id).where(
            SurveyParticipation.activity_id == activity.id, SurveyParticipation.user_id == user_id
        )
        return db.session.scalar(answered.limit(1)) is not None
