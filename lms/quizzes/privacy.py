"""A trainee's quiz attempts and answers, for their data export (lms.privacy). Marks and feedback the quiz
does not show them yet (its review options) stay out, as on the review page."""

import json

from sqlalchemy import select

from lms.courses.models import Activity, Course
from lms.db import db, utcnow
from lms.i18n import _
from lms.privacy import Table, moment, to_course
from lms.quizzes.models import Attempt, Question, Response
from lms.quizzes.settings import QuizSettings


def _answer(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def attempts_and_answers(user) -> list[Table]:
    now = utcnow()
    attempts = Table(
        "quiz-attempts.csv",
        _("Your quiz attempts: when, and the grade when the quiz shows it."),
        ["course", "quiz", "attempt", "state", "started_utc", "finished_utc", "grade_percent"],
    )
    shows: dict[int, QuizSettings] = {}
    for attempt, activity, course in db.session.execute(
        to_course(select(Attempt, Activity, Course), Attempt.activity_id)
        .where(Attempt.user_id == user.id)
        .order_by(Attempt.started_at, Attempt.id)
    ):
        settings = shows.setdefault(activity.id, QuizSettings.from_dict(activity.settings))
        marks = settings.review_allows("marks", now) and attempt.score is not None
        attempts.rows.append(
            [
                course.title,
                activity.title,
                attempt.number,
                attempt.state,
                moment(attempt.started_at),
                moment(attempt.finished_at),
                round(attempt.score, 2) if marks else "",
            ]
        )
    answers = Table(
        "quiz-answers.csv",
        _("Your answers to each question, with the mark and the trainer's comment when the quiz shows them."),
        ["course", "quiz", "attempt", "question", "question_text", "answer", "saved_utc", "mark_percent"]
        + ["comment"],
    )
    for response, question, attempt, activity, course in db.session.execute(
        to_course(
            select(Response, Question, Attempt, Activity, Course)
            .join(Question, Response.question_id == Question.id)
            .join(Attempt, Response.attempt_id == Attempt.id),
            Attempt.activity_id,
        )
        .where(Attempt.user_id == user.id)
        .order_by(Attempt.started_at, Attempt.id, Response.id)
    ):
        settings = shows.setdefault(activity.id, QuizSettings.from_dict(activity.settings))
        finished = attempt.state == "finished"
        marks = finished and settings.review_allows("marks", now) and response.fraction is not None
        feedback = finished and settings.review_allows("feedback", now)
        answers.rows.append(
            [
                course.title,
                activity.title,
                attempt.number,
                question.name,
                question.text,
                _answer(response.value),
                moment(response.saved_at),
                round(100 * response.fraction, 2) if marks else "",
                response.comment if feedback else "",
            ]
        )
    return [attempts, answers]
