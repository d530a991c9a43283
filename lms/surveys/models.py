"""Who answered a survey, and the answers, kept apart so that anonymous answers lead to nobody.

`survey_participations` says only that a trainee answered (in a context: the course, or one classroom
session); it has no id and no time. `survey_responses` holds the answers; for an anonymous survey it has
no user, no time, and a random id. Both tables are stored without SQLite's rowid, ordered by their keys;
and each anonymous answer rewrites the survey's answers in random-id order (services.submit_response),
so neither insert order nor transaction ids join an answer to a participation. See docs/surveys.md.
"""

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import db

COURSE = 0  # the context of a survey answered on its course page; otherwise a classroom session's id


class SurveyParticipation(db.Model):
    """That one trainee answered one survey in one context: the one-answer rule and completion."""

    __tablename__ = "survey_participations"
    __table_args__ = {"sqlite_with_rowid": False}

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    context: Mapped[int] = mapped_column(Integer, primary_key=True, default=COURSE)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    @staticmethod
    def find(activity_id: int, user_id: int, context: int = COURSE):
        return select(SurveyParticipation).where(
            SurveyParticipation.activity_id == activity_id,
            SurveyParticipation.user_id == user_id,
            SurveyParticipation.context == context,
        )


class SurveyResponse(db.Model):
    """One set of answers, {question key: answer}; `user_id` only when the survey is named."""

    __tablename__ = "survey_responses"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, never sequential
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    context: Mapped[int] = mapped_column(Integer, default=COURSE)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
