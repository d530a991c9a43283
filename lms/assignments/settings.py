"""An assignment's settings, kept in its activity's `settings` and written as the front matter of its
package file, NN-slug.assignment.md."""

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime

RELEASE = ("each", "together")  # grades shown to trainees as each is given, or all at once by the trainer
# Types a trainee may hand in, by suffix; their content is checked (lms.uploads.looks_like).
FILE_TYPES = (".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".png", ".jpg", ".jpeg", ".txt", ".csv")


@dataclass
class AssignmentSettings:
    due: str = ""  # ISO 8601 with a time zone; "" = no due date
    cutoff: str = ""  # after it nothing more is accepted (unless an extension); "" = never
    online_text: bool = True
    max_files: int = 0  # 0 = no files
    file_types: list = field(default_factory=lambda: [".pdf"])
    max_mb: int = 5  # per file
    max_grade: int = 100  # points of a simple grade (ignored with a rubric)
    # Criteria, each {"criterion": "Market analysis", "levels": [["Missing", 0], ["Thorough", 10]]}.
    rubric: list = field(default_factory=list)
    resubmit: bool = False
    pass_mark: int = 50  # percent; graded at least this completes the assignment
    weight: float = 1.0  # share of the course's final grade
    release: str = "each"

    @classmethod
    def from_dict(cls, data: dict) -> "AssignmentSettings":
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in (data or {}).items() if key in known})

    def to_dict(self) -> dict:
        """Only what differs from the defaults."""
        defaults = AssignmentSettings()
        return {key: value for key, value in asdict(self).items() if value != getattr(defaults, key)}

    @property
    def due_at(self) -> datetime | None:
        return parse_time(self.due)

    @property
    def cutoff_at(self) -> datetime | None:
        return parse_time(self.cutoff)

    @property
    def max_points(self) -> float:
        if self.rubric:
            return float(sum(max(points for _, points in c["levels"]) for c in self.rubric))
        return float(self.max_grade)


def parse_time(value: str) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
