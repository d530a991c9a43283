"""Reads for survey pages and reports, in a fixed number of queries whatever the number of answers."""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.courses.models import Activity, Module
from lms.courses.queries import get_activity
from lms.db import db
from lms.surveys.models import SurveyResponse
from lms.surveys.spec import RATINGS, Question, Survey


def get_survey(activity_id: int) -> Activity | None:
    return get_activity(activity_id, "survey")


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)  # (option, answers) for a chart
    mean: float | None = None  # a rating question's mean
    top_share: float | None = None  # a rating question's share of 4 and 5, in percent
    texts: list[tuple[str, str]] = field(default_factory=list)  # (who or "", text) of free text


@dataclass
class Results:
    responses: int
    questions: list[QuestionResult]


def load_responses(activity: Activity, context: int | None = None) -> list[tuple[str, dict]]:
    """(name of a named survey's respondent or "", answers) for every response: one query."""
    query = (
        select(SurveyResponse.answers, User.name)
        .outerjoin(User, User.id == SurveyResponse.user_id)
        .where(SurveyResponse.activity_id == activity.id)
        .order_by(User.name, SurveyResponse.id)
    )
    if context is not None:
        query = query.where(SurveyResponse.context == context)
    return [(name or "", answers or {}) for answers, name in db.session.execute(query).all()]


def summarise(survey: Survey, responses: list[tuple[str, dict]], labels: dict) -> Results:
    """Per question: the count of each option (`labels` names yes and no), a rating's mean and share
    of 4-5, and the free texts."""
    results = []
    for question in survey.questions:
        given = [(who, answers[question.key]) for who, answers in responses if question.key in answers]
        result = QuestionResult(question, answered=len(given))
        if question.kind == "text":
            result.texts = [(who, str(value)) for who, value in given]
        else:
            counts = Counter(value for _who, value in given)
            options = {
                "rating": [(str(r), r) for r in RATINGS],
                "choice": [(c, c) for c in question.choices],
                "yes_no": [(labels["yes"], "yes"), (labels["no"], "no")],
            }[question.kind]
            result.counts = [(label, counts.get(value, 0)) for label, value in options]
            if question.kind == "rating":
                ratings = [v for _who, v in given if v in RATINGS]
                result.mean, result.top_share = rating_figures(ratings)
        results.append(result)
    return Results(len(responses), results)


def rating_figures(ratings: list[int]) -> tuple[float | None, float | None]:
    """(mean rating to 2 places, share of 4 and 5 in percent to 1 place); None for no ratings."""
    if not ratings:
        return None, None
    mean = round(sum(ratings) / len(ratings), 2)
    return mean, round(100 * sum(1 for r in ratings if r >= 4) / len(ratings), 1)


def rating_keys(course_ids: list[int]) -> list[tuple[str, str]]:
    """(key, question text) of every rating question in the surveys of these courses, by key: one
    query. The indicator report's satisfaction question is chosen among them."""
    activities = db.session.scalars(
        select(Activity)
        .join(Module, Module.id == Activity.module_id)
        .where(Activity.kind == "survey", Module.course_id.in_(course_ids))
        .order_by(Module.course_id, Module.position, Activity.position)
    ).all()
    keys: dict[str, str] = {}
    for activity in activities:
        for question in Survey.from_dict(activity.settings).rating_questions():
            keys.setdefault(question.key, question.text)
    return sorted(keys.items())


def satisfaction(course_ids: list[int], key: str, session_ids: list[int]) -> tuple:
    """(answers, mean rating, share of 4-5 in percent) of the rating question `key` in the surveys of
    these courses, answered on the course page or after one of these classroom sessions: two queries
    whatever the number of answers."""
    activity_ids = db.session.scalars(
        select(Activity.id)
        .join(Module, Module.id == Activity.module_id)
        .where(Activity.kind == "survey", Module.course_id.in_(course_ids))
    ).all()
    if not activity_ids:
        return 0, None, None
    contexts = [0, *session_ids]
    rows = db.session.scalars(
        select(SurveyResponse.answers).where(
            SurveyResponse.activity_id.in_(activity_ids), SurveyResponse.context.in_(contexts)
        )
    ).all()
    ratings = [answers.get(key) for answers in rows if (answers or {}).get(key) in RATINGS]
    mean, share = rating_figures(ratings)
    return len(ratings), mean, share


def answered(user_id: int, pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of these (survey activity id, context) pairs, those the user has answered: one query."""
    from lms.surveys.models import SurveyParticipation

    if not pairs:
        return set()
    rows = db.session.execute(
        select(SurveyParticipation.activity_id, SurveyParticipation.context).where(
            SurveyParticipation.user_id == user_id,
            SurveyParticipation.activity_id.in_({activity_id for activity_id, _context in pairs}),
        )
    ).all()
    return {(row.activity_id, row.context) for row in rows} & set(pairs)


def surveys_of_courses(course_ids: list[int]) -> list[Activity]:
    """The survey activities of these courses, with module and course, in outline order: one query."""
    if not course_ids:
        return []
    return list(
        db.session.scalars(
            select(Activity)
            .join(Module, Module.id == Activity.module_id)
            .where(Activity.kind == "survey", Module.course_id.in_(course_ids))
            .options(joinedload(Activity.module).joinedload(Module.course))
            .order_by(Module.course_id, Module.position, Activity.position)
        )
    )
