"""A trainee's answers to named surveys, for their data export (lms.privacy). Answers to anonymous surveys
are kept without a name, so nobody, the trainee included, can tell which are theirs: they are not here."""

from sqlalchemy import select

from lms.courses.models import Activity, Course
from lms.db import db
from lms.i18n import _
from lms.privacy import Table, to_course
from lms.surveys.models import COURSE, SurveyResponse
from lms.surveys.spec import Survey


def named_answers(user) -> list[Table]:
    table = Table(
        "survey-answers.csv",
        _("Your answers to surveys that were not anonymous (anonymous answers are kept without your name)."),
        ["course", "survey", "answered_in", "question", "answer"],
    )
    for response, activity, course in db.session.execute(
        to_course(select(SurveyResponse, Activity, Course), SurveyResponse.activity_id)
        .where(SurveyResponse.user_id == user.id)
        .order_by(Activity.id, SurveyResponse.context)
    ):
        survey = Survey.from_dict(activity.settings)
        where = "course" if response.context == COURSE else f"session {response.context}"
        for key, answer in response.answers.items():
            question = survey.question(key)
            table.rows.append(
                [course.title, activity.title, where, question.text if question else key, answer]
            )
    return [table]
