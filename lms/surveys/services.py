"""Survey operations: answer once, author in the browser. Services flush, never commit.

Anonymity (docs/surveys.md): an anonymous answer is stored with no user, no time and a random id, in a
table apart from the row that says the trainee answered. Rows a transaction writes share its id (xmin in
PostgreSQL) and, in a heap, sit in insert order; so each anonymous answer deletes the survey's answers
in its context and writes them all again, with the new one, in the order of their random ids: every
answer then carries the same transaction and a place that says nothing about when it came.
"""

import secrets

from sqlalchemy import delete, select

from lms.activities.signals import notify_changed
from lms.courses.models import Activity
from lms.db import db, utcnow
from lms.surveys.models import COURSE, SurveyParticipation, SurveyResponse
from lms.surveys.spec import MAX_ANSWER, RATINGS, Question, Survey, survey_toml


class SurveyError(ValueError):
    """A refused answer: `code` says why; `errors` maps question keys to what is wrong."""

    def __init__(self, code: str, errors: dict | None = None):
        self.code, self.errors = code, errors or {}
        super().__init__(code)


def survey_of(activity: Activity) -> Survey:
    return Survey.from_dict(activity.settings)


def has_answered(activity: Activity, user_id: int, context: int = COURSE) -> bool:
    return db.session.scalar(SurveyParticipation.find(activity.id, user_id, context)) is not None


def check_answers(survey: Survey, form: dict) -> dict:
    """The answers from a form's values ("q-<key>": text), checked; SurveyError with every problem.
    An unanswered optional question is left out."""
    answers, errors = {}, {}
    for question in survey.questions:
        raw = (form.get(f"q-{question.key}") or "").strip()
        if not raw:
            if question.required:
                errors[question.key] = "required"
            continue
        value = _answer(question, raw)
        if value is None:
            errors[question.key] = "too-long" if question.kind == "text" else "invalid"
        else:
            answers[question.key] = value
    if errors:
        raise SurveyError("invalid", errors)
    return answers


def _answer(question: Question, raw: str):
    if question.kind == "rating":
        return int(raw) if raw.isdigit() and int(raw) in RATINGS else None
    if question.kind == "choice":
        return raw if raw in question.choices else None
    if question.kind == "yes_no":
        return raw if raw in ("yes", "no") else None
    return raw if len(raw) <= MAX_ANSWER else None


def submit_response(activity: Activity, user_id: int, answers: dict, context: int = COURSE) -> None:
    """Record one trainee's answers, once per survey and context. The participation row goes first
    and its primary key refuses a second one (a double submit, even at the same moment), raising
    SurveyError("already-answered") here or IntegrityError at the flush of a racing request."""
    survey = survey_of(activity)
    if has_answered(activity, user_id, context):
        raise SurveyError("already-answered")
    db.session.add(SurveyParticipation(activity_id=activity.id, context=context, user_id=user_id))
    db.session.flush()
    new = SurveyResponse(
        id=secrets.token_hex(16),
        activity_id=activity.id,
        context=context,
        user_id=None if survey.anonymous else user_id,
        answers=answers,
    )
    if survey.anonymous:
        _shuffle_in(activity.id, context, new)
    else:
        db.session.add(new)
        db.session.flush()
    notify_changed(activity, user_id)


def _shuffle_in(activity_id: int, context: int, new: SurveyResponse) -> None:
    """Write the context's anonymous answers again, with the new one, in random-id order (four
    statements whatever their number). The survey's row is locked first, so two answers at the same
    moment take turns instead of writing each other's rows twice (PostgreSQL; SQLite writes one at a
    time anyway)."""
    db.session.execute(select(Activity.id).where(Activity.id == activity_id).with_for_update())
    where = (
        SurveyResponse.activity_id == activity_id,
        SurveyResponse.context == context,
        SurveyResponse.user_id.is_(None),
    )
    rows = db.session.execute(select(SurveyResponse.id, SurveyResponse.answers).where(*where)).all()
    db.session.execute(delete(SurveyResponse).where(*where))
    values = [{"id": row.id, "answers": row.answers} for row in rows]
    values.append({"id": new.id, "answers": new.answers})
    values.sort(key=lambda value: value["id"])
    db.session.execute(
        SurveyResponse.__table__.insert(),
        [{"activity_id": activity_id, "context": context, "user_id": None, **value} for value in values],
    )
    db.session.flush()


def response_count(activity: Activity) -> int:
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.activity_id == activity.id)
    )


def add_survey(module, title: str, author, question: str = "Overall, how satisfied are you?") -> Activity:
    """A new, unpublished survey at the end of a module: anonymous, with one rating question (its
    text in the author's language, from the view)."""
    from lms.courses.services import slugify

    survey = Survey(anonymous=True, questions=[Question("overall", "rating", question)])
    activity = Activity(
        kind="survey",
        title=title,
        slug=slugify(title, {a.slug for a in module.activities}, fallback="survey"),
        position=len(module.activities) + 1,
        published=False,
        settings=survey.to_dict(),
        body=survey_toml(title, survey, published=False),
        updated_by=author,
    )
    module.activities.append(activity)
    db.session.flush()
    return activity


def update_survey(activity: Activity, survey: Survey, author, **fields) -> None:
    """Save what the trainer wrote; the package file (`body`) is written anew from it.
    Whether it is anonymous cannot change once someone answered: they were told."""
    from lms.activities import kind_of

    if survey.anonymous != survey_of(activity).anonymous and response_count(activity):
        raise SurveyError("anonymity-locked")
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.settings = survey.to_dict()
    activity.body = survey_toml(activity.title, survey, activity.optional, activity.published)
    module = activity.module
    activity.body_html = kind_of(activity).render(module.course.slug, module.slug, activity.body)
    activity.version += 1
    activity.updated_by, activity.updated_at = author, utcnow()
