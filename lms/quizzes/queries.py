"""Reads for quiz pages, in a fixed number of queries whatever the number of questions."""

from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer, joinedload, selectinload

from lms.courses.models import Activity, Module
from lms.courses.queries import get_activity
from lms.db import db, prepared
from lms.quizzes.models import Attempt, Question, QuestionCategory, Response


def get_quiz(activity_id: int) -> Activity | None:
    return get_activity(activity_id, "quiz")


@prepared
def _attempt_with_quiz():
    return (
        select(Attempt)
        .where(Attempt.id == bindparam("attempt_id"))
        .options(
            selectinload(Attempt.responses),
            # One row for the quiz, its module and course (many-to-one each, so a join adds no rows); the
            # course's trainers load only if a page asks (a trainee's own attempt never does).
            joinedload(Attempt.activity, innerjoin=True)
            .options(defer(Activity.body), defer(Activity.body_html))
            .joinedload(Activity.module, innerjoin=True)
            .joinedload(Module.course, innerjoin=True),
        )
    )


@prepared
def _questions():
    return select(Question).where(Question.id.in_(bindparam("ids", expanding=True)))


def get_attempt(attempt_id: int) -> Attempt | None:
    return db.session.scalar(_attempt_with_quiz(), {"attempt_id": attempt_id})


def questions_by_id(ids) -> dict[int, Question]:
    return {q.id: q for q in db.session.scalars(_questions(), {"ids": list(ids)})}


def attempts_of(activity_id: int, user_id: int) -> list[Attempt]:
    return list(db.session.scalars(Attempt.of(activity_id, user_id)))


def finished_attempts(activity_id: int) -> list[Attempt]:
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.activity_id == activity_id, Attempt.state == "finished")
            .options(selectinload(Attempt.responses), selectinload(Attempt.user))
            .order_by(Attempt.user_id, Attempt.number)
        )
    )


def essays_to_grade(activity_id: int) -> list[Response]:
    return list(
        db.session.scalars(
            select(Response)
            .join(Attempt)
            .join(Question)
            .where(
                Attempt.activity_id == activity_id,
                Attempt.state == "finished",
                Question.kind == "essay",
                Response.fraction.is_(None),
            )
            .options(
                selectinload(Response.question), selectinload(Response.attempt).selectinload(Attempt.user)
            )
            .order_by(Attempt.finished_at)
        )
    )


def bank(course_id: int) -> list[QuestionCategory]:
    return list(
        db.session.scalars(
            select(QuestionCategory)
            .where(QuestionCategory.course_id == course_id)
            .options(selectinload(QuestionCategory.questions))
            .order_by(QuestionCategory.name)
        )
    )
