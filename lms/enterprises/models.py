"""An enterprise: one record per SME, however its employees spell its name."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, String, Text, UniqueConstraint, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, db, utcnow
from lms.enterprises.names import loose_key, name_key, search_text

if TYPE_CHECKING:
    from lms.auth.models import User

NAME_MAX = 200
SIZE_CLASSES = ("micro", "small", "medium", "large")

# The EU SME definition (Commission Recommendation 2003/361/EC): fewer staff than the ceiling, and
# turnover or balance sheet total at most the ceiling (in euro). The first class that fits wins.
SME_CEILINGS = (
    ("micro", 10, 2_000_000, 2_000_000),
    ("small", 50, 10_000_000, 10_000_000),
    ("medium", 250, 50_000_000, 43_000_000),
)

# NACE Rev. 2: each section and its divisions (two-digit codes).
NACE_DIVISIONS = {
    "A": range(1, 4),
    "B": range(5, 10),
    "C": range(10, 34),
    "D": (35,),
    "E": range(36, 40),
    "F": range(41, 44),
    "G": range(45, 48),
    "H": range(49, 54),
    "I": (55, 56),
    "J": range(58, 64),
    "K": range(64, 67),
    "L": (68,),
    "M": range(69, 76),
    "N": range(77, 83),
    "O": (84,),
    "P": (85,),
    "Q": range(86, 89),
    "R": range(90, 94),
    "S": range(94, 97),
    "T": (97, 98),
    "U": (99,),
}
SECTION_OF_DIVISION = {f"{d:02d}": s for s, divisions in NACE_DIVISIONS.items() for d in divisions}


def size_class(headcount: int | None, turnover: int | None, balance_sheet: int | None) -> str | None:
    """The EU SME size class from staff headcount and turnover or balance sheet total (euro).

    Without either money figure the headcount alone decides; without a headcount nothing does (None).
    """
    if headcount is None:
        return None
    for name, staff, turnover_max, balance_max in SME_CEILINGS:
        if headcount >= staff:
            continue
        money_known = turnover is not None or balance_sheet is not None
        if (
            not money_known
            or (turnover is not None and turnover <= turnover_max)
            or (balance_sheet is not None and balance_sheet <= balance_max)
        ):
            return name
    return "large"


class Enterprise(db.Model):
    __tablename__ = "enterprises"
    __table_args__ = (UniqueConstraint("country", "number", name="uq_enterprises_country_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))  # in the enterprise's own script
    name_latin: Mapped[str] = mapped_column(String(NAME_MAX), default="")  # for reports read abroad
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(100), default="")
    number: Mapped[str | None] = mapped_column(String(32))  # VAT or registration number, compact
    nace_section: Mapped[str | None] = mapped_column(String(1))
    nace_division: Mapped[str | None] = mapped_column(String(2))
    headcount: Mapped[int | None] = mapped_column()
    turnover_eur: Mapped[int | None] = mapped_column(BigInteger)
    balance_sheet_eur: Mapped[int | None] = mapped_column(BigInteger)
    # Computed from the figures when there is a headcount; as declared (or migrated) otherwise.
    size_class: Mapped[str | None] = mapped_column(String(8), index=True)
    founded_year: Mapped[int | None] = mapped_column()
    # Every spelling this enterprise was known by (merged duplicates, migrated profiles), one per line.
    other_names: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    search_keys: Mapped[str] = mapped_column(Text, default="")
    # A coordinator confirmed it is not a duplicate of an enterprise with a similar name.
    reviewed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list["User"]] = relationship(back_populates="enterprise", order_by="User.name")

    def __repr__(self) -> str:
        return f"<Enterprise {self.name} {self.country}:{self.number}>"

    @property
    def spellings(self) -> list[str]:
        return [line for line in (self.other_names or "").splitlines() if line]

    def refresh_keys(self) -> None:
        """Recompute what searches look in, after a change of name or spellings."""
        self.search_keys = search_text(self.name, self.name_latin, *self.spellings)

    def founded_within(self, years: int, today_year: int) -> bool:
        return self.founded_year is not None and today_year - self.founded_year < years

    @staticmethod
    def search(text: str = ""):
        """Enterprises whose name (any spelling, any script) or number contains `text`."""
        query = select(Enterprise).order_by(func.lower(Enterprise.name))
        words = text.strip()
        if words:
            keys = {key for key in (name_key(words), loose_key(words)) if key}
            number = "".join(char for char in words if char.isalnum()).upper()
            conditions = [Enterprise.search_keys.like(f"%{key}%") for key in keys]
            if number:
                conditions.append(Enterprise.number.like(f"%{number}%"))
            query = query.where(or_(*conditions))
        return query
