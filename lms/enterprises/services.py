"""Enterprise operations: create and edit with a checked number, find before creating, merge
duplicates. Services flush, never commit."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from lms.admin.services import audit
from lms.db import db
from lms.enterprises.models import SECTION_OF_DIVISION, Enterprise, size_class
from lms.enterprises.names import latin, loose_key, name_key
from lms.enterprises.numbers import NumberError, clean_number
from lms.enterprises.queries import people_counts
from lms.i18n import _

EDITABLE = (
    "name",
    "name_latin",
    "country",
    "region",
    "number",
    "nace_section",
    "nace_division",
    "headcount",
    "turnover_eur",
    "balance_sheet_eur",
    "size_class",
    "founded_year",
    "notes",
)


class EnterpriseError(ValueError):
    """A change that cannot be made; `field` names the form field, the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def by_number(country: str | None, number: str | None, exclude: int | None = None) -> Enterprise | None:
    if not number:
        return None
    query = select(Enterprise).where(Enterprise.country == country, Enterprise.number == number)
    if exclude is not None:
        query = query.where(Enterprise.id != exclude)
    return db.session.scalar(query)


def checked_number(country: str | None, number: str | None) -> str | None:
    """The number in compact form, or EnterpriseError naming what is wrong with it."""
    if not number or not number.strip():
        return None
    if not country:
        raise EnterpriseError("number", _("Choose the country first: the number is checked by its rules."))
    try:
        return clean_number(country, number)
    except NumberError as error:
        raise EnterpriseError("number", str(error)) from None


def save_enterprise(enterprise: Enterprise, **values) -> Enterprise:
    """Set the given fields, check them and derive the rest: the compact number (unique in its
    country), the NACE section of a division, the size class from the figures, the Latin name."""
    for name, value in values.items():
        if name not in EDITABLE:
            raise TypeError(f"not an editable field: {name}")
        setattr(enterprise, name, value.strip() if isinstance(value, str) else value)
    if not enterprise.name:
        raise EnterpriseError("name", _("An enterprise needs a name."))
    enterprise.number = checked_number(enterprise.country, enterprise.number)
    taken = by_number(enterprise.country, enterprise.number, exclude=enterprise.id)
    if taken is not None:
        raise EnterpriseError(
            "number", _("This number belongs to %(name)s already: merge the two instead.", name=taken.name)
        )
    if enterprise.nace_division:
        section = SECTION_OF_DIVISION.get(enterprise.nace_division)
        if section is None or (enterprise.nace_section and enterprise.nace_section != section):
            raise EnterpriseError("nace_division", _("This division is not in the chosen NACE section."))
        enterprise.nace_section = section
    computed = size_class(enterprise.headcount, enterprise.turnover_eur, enterprise.balance_sheet_eur)
    if computed is not None:
        enterprise.size_class = computed
    enterprise.name_latin = enterprise.name_latin or latin(enterprise.name)
    enterprise.refresh_keys()
    if enterprise.id is None:
        db.session.add(enterprise)
    db.session.flush()
    return enterprise


def create_enterprise(**values) -> Enterprise:
    enterprise = save_enterprise(Enterprise(), **values)
    audit("enterprise.create", enterprise.name, number=enterprise.number, country=enterprise.country)
    return enterprise


def same_name(name: str) -> list[Enterprise]:
    """Enterprises one of whose spellings is certainly this name (case and accents aside)."""
    key = name_key(name)
    if not key:
        return []
    found = db.session.scalars(select(Enterprise).where(Enterprise.search_keys.like(f"%{key}%")))
    return [e for e in found if key in e.search_keys.split("|")]


def similar(name: str, limit: int = 8) -> list[Enterprise]:
    """Enterprises whose name perhaps is this one (another script, another legal form, part of it)."""
    if not name_key(name):
        return []
    return list(db.session.scalars(Enterprise.search(name).limit(limit)))


@dataclass
class Lookup:
    """What a name and number typed in a form lead to: one enterprise for sure, or candidates to
    choose from, or a new enterprise to create."""

    found: Enterprise | None = None
    candidates: list[Enterprise] = field(default_factory=list)
    number: str | None = None  # compact


def look_up(name: str, number: str | None, country: str | None) -> Lookup:
    """Find before creating: by number first, then by the same name; else list the similar ones.
    Raises EnterpriseError for a number that cannot be right."""
    number = checked_number(country, number)
    exact = by_number(country, number)
    if exact is not None:
        return Lookup(found=exact, number=number)
    if name.strip():
        same = [e for e in same_name(name) if not (number and e.number and e.number != number)]
        if len(same) == 1 and (same[0].country in (None, country) or country is None):
            return Lookup(found=same[0], number=number)
        candidates = same or [e for e in similar(name) if not (number and e.number)]
        return Lookup(candidates=candidates, number=number)
    return Lookup(number=number)


def merge(keep: Enterprise, duplicates: list[Enterprise]) -> Enterprise:
    """Fold duplicates into `keep`: their people join it, their names become its other spellings,
    its empty fields take their values, and the audit log records what was merged."""
    spellings = keep.spellings
    for duplicate in duplicates:
        if duplicate.id == keep.id:
            continue
        for user in list(duplicate.members):
            user.enterprise = keep
        spellings += [duplicate.name, *duplicate.spellings]
        for name in EDITABLE:
            if name not in ("name", "name_latin", "notes", "number") and getattr(keep, name) in (None, ""):
                setattr(keep, name, getattr(duplicate, name))
        if duplicate.notes:
            keep.notes = "\n".join(filter(None, [keep.notes, duplicate.notes]))
        number, country = duplicate.number, duplicate.country
        audit(
            "enterprise.merge",
            keep.name,
            kept=keep.id,
            merged=duplicate.id,
            merged_name=duplicate.name,
            merged_number=number,
            merged_country=country,
        )
        db.session.delete(duplicate)
        db.session.flush()  # the number is free for `keep` now
        if not keep.number and number and keep.country in (None, country):
            keep.number, keep.country = number, country
    keep.other_names = "\n".join(dict.fromkeys(s for s in spellings if s and s != keep.name))
    keep.reviewed = False
    keep.refresh_keys()
    db.session.flush()
    return keep


def duplicate_groups() -> list[list[Enterprise]]:
    """Enterprises that are perhaps one (the same loose key: script, case, accents and legal form
    aside, or the same number), where a coordinator has not yet said they differ."""
    groups: dict[str, list[Enterprise]] = defaultdict(list)
    for enterprise in db.session.scalars(select(Enterprise).order_by(Enterprise.name)):
        for spelling in {enterprise.name, *enterprise.spellings}:
            key = loose_key(spelling)
            if key and enterprise not in groups[key]:
                groups[key].append(enterprise)
    seen: set[frozenset[int]] = set()
    found = []
    for members in groups.values():
        ids = frozenset(e.id for e in members)
        if len(members) > 1 and ids not in seen and not all(e.reviewed for e in members):
            seen.add(ids)
            found.append(members)
    people = people_counts([e.id for members in found for e in members])
    # The likeliest record to keep first: one with a number, then the one with most people.
    return [
        sorted(members, key=lambda e: (e.number is None, -people.get(e.id, 0), e.name)) for members in found
    ]


def keep_apart(enterprises: list[Enterprise]) -> None:
    """A coordinator says these similar names are different enterprises."""
    for enterprise in enterprises:
        enterprise.reviewed = True
    audit("enterprise.distinct", ", ".join(e.name for e in enterprises)[:200])


def apply_choice(user, choice: dict | None) -> None:
    """Place the user as EnterpriseFields.enterprise_choice said, perhaps days later (a registration
    link): an enterprise by id, a new one (or the one that took its number since), a would-be
    founder, or nothing said. An enterprise merged away meanwhile leaves the user without one."""
    choice = choice or {}
    enterprise = None
    if choice.get("enterprise_id"):
        enterprise = db.session.get(Enterprise, choice["enterprise_id"])
    elif choice.get("new"):
        values = choice["new"]
        enterprise = by_number(values.get("country"), values.get("number")) or create_enterprise(**values)
    place_user(user, enterprise, founder=bool(choice.get("founder")))


def place_user(user, enterprise: Enterprise | None, founder: bool = False) -> None:
    """The user works for `enterprise`, or is a would-be founder, or (neither) has not said."""
    user.enterprise = enterprise
    user.founder = founder and enterprise is None
