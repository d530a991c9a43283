"""The quiz kind: questions in GIFT, attempts graded by the server, a grade with a weight."""

import posixpath
from collections import namedtuple

from sqlalchemy import select

from lms.activities.base import GRADE, NEW_BY_TITLE, OWN_COMPLETION, ActivityKind, grade_row_columns
from lms.courses.package import ActivitySpec
from lms.db import db
from lms.i18n import _l
from lms.quizzes.gift import parse_gift
from lms.quizzes.models import Attempt
from lms.quizzes.queries import attempts_of
from lms.quizzes.services import grade_by_method, quiz_grade, sync_quiz
from lms.quizzes.settings import QuizSettings
from lms.quizzes.spec import QuestionFormatError

# A finished attempt as grade_by_method reads it, from a grade row.
FinishedAttempt = namedtuple("FinishedAttempt", "number state score")


class QuizKind(ActivityKind):
    name = "quiz"
    label = _l("Quiz")
    icon = "✎"
    suffix = ".gift"
    features = frozenset({GRADE, OWN_COMPLETION})
    page_template = "quizzes/_page.html"
    edit_endpoint = "quizzes.edit"
    new_endpoint = NEW_BY_TITLE
    new_label = _l("Add a quiz")
    new_title = _l("Quiz title")
    new_problem = _l("A quiz needs a title.")

    def add(self, module, title, author):
        from lms.courses.services import add_quiz

        return add_quiz(module, title, author)

    def read(self, reader, path, text, slug, position, settings):

        try:
            questions = parse_gift(text)
        except QuestionFormatError as error:
            reader.problem(path, error.line, error.message)
            return None
        title = str(settings.pop("title", slug.replace("-", " ").capitalize()))
        for key in sorted(set(settings) - set(QuizSettings.__dataclass_fields__)):
            reader.problem(
                posixpath.dirname(path) + "/module.toml", None, f"unknown quiz setting '{key}' for {slug}"
            )
        return ActivitySpec(
            kind=self.name,
            slug=slug,
            position=position,
            title=title,
            body=text,
            settings=settings,
            parsed=questions,
        )

    def write(self, spec):
        return spec.body, {"title": spec.title, **spec.settings}

    def imported(self, activity, spec):

        sync_quiz(activity, spec.parsed)

    def page_context(self, activity):
        from lms.quizzes.views import quiz_intro

        return {"quiz": quiz_intro(activity)}

    def is_complete(self, activity, user_id, grade):

        settings = QuizSettings.from_dict(activity.settings)
        if settings.completion == "attempted":
            finished = select(Attempt.id).where(
                Attempt.activity_id == activity.id, Attempt.user_id == user_id, Attempt.state == "finished"
            )
            return db.session.scalar(finished.limit(1)) is not None
        return grade is not None and grade >= settings.pass_mark

    def weight(self, activity):
        return QuizSettings.from_dict(activity.settings).weight

    def marks_hidden(self, activity, now):
        return not QuizSettings.from_dict(activity.settings).review_allows("marks", now)

    def grade(self, activity, user_id):

        return quiz_grade(activity, attempts_of(activity.id, user_id))

    def grade_rows(self, activity_ids, users):
        return select(
            *grade_row_columns(Attempt.user_id, Attempt.activity_id, Attempt.score, number=Attempt.number)
        ).where(
            Attempt.activity_id.in_(activity_ids),
            Attempt.state == "finished",
            users(Attempt.user_id),
        )

    def grades_from_rows(self, activities, rows):
        methods = {activity.id: QuizSettings.from_dict(activity.settings).grading for activity in activities}
        grouped: dict[tuple[int, int], list] = {}
        for row in rows:
            grouped.setdefault((row.user_id, row.activity_id), []).append(
                FinishedAttempt(row.number, "finished", row.value)
            )
        result: dict[int, dict[int, float | None]] = {}
        for (user_id, activity_id), attempts in grouped.items():
            result.setdefault(user_id, {})[activity_id] = grade_by_method(attempts, methods[activity_id])
        return result
