"""A quiz's settings, kept in its activity's `settings` (and so in module.toml's [quiz.NN-slug] table)."""

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime

GRADING_METHODS = ("highest", "average", "first", "last")
REVIEW_WHEN = ("immediately", "after_close", "never")
COMPLETION_ON = ("passed", "attempted")
# An answer that arrives this long after the deadline still counts: the network is slow on a phone.
GRACE_SECONDS = 30


@dataclass
class QuizSettings:
    pass_mark: int = 60  # percent
    time_limit: int = 0  # minutes; 0 = none
    attempts: int = 0  # 0 = unlimited
    grading: str = "highest"
    opens: str = ""  # ISO 8601 with a time zone, "" = always open
    closes: str = ""
    shuffle_questions: bool = False
    shuffle_answers: bool = True
    per_page: int = 5  # questions per page; 0 = all on one page
    review_answers: str = "immediately"
    review_marks: str = "immediately"
    review_feedback: str = "immediately"
    review_correct: str = (
        "immediately"  # as Moodle does; "after_close" stops sharing answers between attempts
    )
    completion: str = "passed"
    weight: float = 1.0  # share of the course's final grade, relative to the other quizzes
    random: list = field(default_factory=list)  # [{"category": "name", "count": 3}]

    @classmethod
    def from_dict(cls, data: dict) -> "QuizSettings":
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in (data or {}).items() if key in known})

    def to_dict(self) -> dict:
        """Only what differs from the defaults, so module.toml stays short."""
        defaults = QuizSettings()
        return {key: value for key, value in asdict(self).items() if value != getattr(defaults, key)}

    @property
    def opens_at(self) -> datetime | None:
        return _parse(self.opens)

    @property
    def closes_at(self) -> datetime | None:
        return _parse(self.closes)

    def is_open(self, now: datetime) -> bool:
        return (self.opens_at is None or now >= self.opens_at) and (
            self.closes_at is None or now < self.closes_at
        )

    def is_closed(self, now: datetime) -> bool:
        return self.closes_at is not None and now >= self.closes_at

    def review_allows(self, what: str, now: datetime) -> bool:
        """May a trainee see `what` (answers, marks, feedback, correct) of a finished attempt now?"""
        when = getattr(self, f"review_{what}")
        return when == "immediately" or (when == "after_close" and self.is_closed(now))


def _parse(value: str) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
