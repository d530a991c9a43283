"""The question bank, the questions a quiz uses, and trainees' attempts with their responses."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Activity, Course
from lms.db import UTCDateTime, db, utcnow
from lms.quizzes.spec import KINDS, AnswerSpec, QuestionSpec, UnitSpec


class QuestionCategory(db.Model):
    __tablename__ = "question_categories"
    __table_args__ = (UniqueConstraint("course_id", "name", name="uq_question_categories_course_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))

    course: Mapped[Course] = relationship()
    questions: Mapped[list["Question"]] = relationship(back_populates="category", order_by="Question.id")


class Question(db.Model):
    """One question of a course's bank; its kind (lms.quizzes.kinds) says how to show and grade it."""

    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(kind) for kind in KINDS)})", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("question_categories.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    text_format: Mapped[str] = mapped_column(String(10), default="moodle")
    text_html: Mapped[str] = mapped_column(Text, default="")  # rendered when saved, never per request
    answers: Mapped[list] = mapped_column(JSON, default=list)
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    single: Mapped[bool] = mapped_column(default=True)
    units: Mapped[list] = mapped_column(JSON, default=list)  # [{"name": "EUR", "multiplier": 1.0}, ...]
    # Bumped when the question is corrected, so attempts can be regraded against the new version.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[QuestionCategory] = relationship(back_populates="questions")

    def to_spec(self) -> QuestionSpec:
        return QuestionSpec(
            kind=self.kind,
            name=self.name,
            text=self.text,
            text_format=self.text_format,
            category=self.category.name if self.category else "",
            answers=[AnswerSpec(**answer) for answer in self.answers],
            general_feedback=self.general_feedback,
            single=self.single,
            units=[UnitSpec(**unit) for unit in self.units or []],
        )

    def same_content(self, spec: QuestionSpec) -> bool:
        mine = self.to_spec()
        mine.category = spec.category
        return mine == spec

    def update_from(self, spec: QuestionSpec) -> None:
        from lms.quizzes.spec import render_question_text

        self.kind, self.name, self.text, self.text_format = spec.kind, spec.name, spec.text, spec.text_format
        self.answers = [vars(answer).copy() for answer in spec.answers]
        self.general_feedback, self.single = spec.general_feedback, spec.single
        self.units = [vars(unit).copy() for unit in spec.units]
        self.text_html = render_question_text(spec.text, spec.text_format, spec.kind)

    @property
    def is_graded(self) -> bool:
        return self.kind != "description"


class QuizSlot(db.Model):
    """A place in a quiz: a fixed question, or `count` questions drawn at random from a category."""

    __tablename__ = "quiz_slots"
    __table_args__ = (
        CheckConstraint("(question_id IS NULL) != (category_id IS NULL)", name="question_or_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("question_categories.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(default=1)
    mark: Mapped[float] = mapped_column(Float, default=1.0)

    activity: Mapped[Activity] = relationship()
    question: Mapped[Question | None] = relationship()
    category: Mapped[QuestionCategory | None] = relationship()

    @staticmethod
    def of(activity_id: int):
        return select(QuizSlot).where(QuizSlot.activity_id == activity_id).order_by(QuizSlot.position)


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id", "number", name="uq_attempts_activity_user_number"),
        CheckConstraint("state IN ('in_progress', 'finished')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(12), default="in_progress")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The server's clock decides: answers after deadline_at (plus a small grace) are not counted.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Pages of slots, each slot {"q": question id, "mark": max mark, "order": display order of answers},
    # fixed when the attempt starts so shuffling and random questions stay stable within it.
    layout: Mapped[list] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column(Float)  # percent; None until every response is graded
    closed_by_deadline: Mapped[bool] = mapped_column(default=False)

    activity: Mapped[Activity] = relationship()
    user: Mapped[User] = relationship()
    responses: Mapped[list["Response"]] = relationship(back_populates="attempt", cascade="all, delete-orphan")

    @property
    def in_progress(self) -> bool:
        return self.state == "in_progress"

    def slots(self) -> list[dict]:
        return [slot for page in self.layout for slot in page]

    def question_ids(self) -> list[int]:
        return [slot["q"] for slot in self.slots()]

    def is_owned_by(self, user) -> bool:
        return user.is_authenticated and user.id == self.user_id

    @staticmethod
    def of(activity_id: int, user_id: int):
        return (
            select(Attempt)
            .where(Attempt.activity_id == activity_id, Attempt.user_id == user_id)
            .order_by(Attempt.number)
        )


class Response(db.Model):
    """What a trainee answered to one question of an attempt, and the grade it got."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id", name="uq_responses_attempt_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    value: Mapped[object] = mapped_column(JSON, nullable=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fraction: Mapped[float | None] = mapped_column(Float)  # 0..1; None = not graded yet (essay)
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manual: Mapped[bool] = mapped_column(default=False)  # graded by a trainer: a regrade keeps it

    attempt: Mapped[Attempt] = relationship(back_populates="responses")
    question: Mapped[Question] = relationship()
