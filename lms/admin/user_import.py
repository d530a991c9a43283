"""Bulk user upload from a CSV file with Moodle's column names, all or nothing.

`parse_users_csv` reads and checks a file without writing anything; `apply_plan` creates the users of a
plan without problems and returns the welcome mails, which the caller sends after committing.
"""

import base64
import binascii
import csv
import io
import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select

from lms.admin.services import audit
from lms.auth.models import EMAIL_MAX, NAME_MAX, User, normalise_email
from lms.auth.passwords import password_problem
from lms.auth.services import create_user, make_reset_token
from lms.choices import OTHER_COUNTRIES, PARTNER_COUNTRIES
from lms.classroom.models import Cohort, Programme, programme_courses
from lms.classroom.services import add_member
from lms.courses.models import Course
from lms.courses.services import enrol
from lms.db import db
from lms.enterprises import services as enterprise_services
from lms.enterprises.models import SECTION_OF_DIVISION, SIZE_CLASSES, Enterprise
from lms.enterprises.names import name_key
from lms.i18n import _
from lms.links import external_url
from lms.mail import send_mail
from lms.notifications.services import account_mail

MAX_BYTES = 2 * 1024 * 1024  # largest file the web form accepts
ORGANISATION_MAX = 200

COLUMNS = (
    "username",
    "email",
    "firstname",
    "lastname",
    "password",
    "lang",
    "institution",
    "institution_number",
    "nace",
    "size",
    "country",
)
# Moodle's own columns this LMS acts on (besides the ones above).
ACTED_COLUMNS = ("suspended", "auth", "timezone", "deleted")
NACE_CODE = re.compile(r"([A-U])?\s*(\d{2})?(?:\.\d{1,2})*")
NUMBERED_COLUMN = re.compile(
    r"(cohort|course|role|type|group|enrolstatus|enrolperiod|enroltimestart|enroltimeend|sysrole|category"
    r"|categoryrole)([1-9][0-9]*)"
)
PROFILE_FIELD = re.compile(r"profile_field_[a-z0-9_]+")
# Moodle's course roles (short names) and legacy enrolment types, as course roles here.
COURSE_ROLES = {"student": "trainee", "editingteacher": "trainer", "teacher": "trainer"}
ENROLMENT_TYPES = {"1": "student", "2": "editingteacher", "3": "teacher"}
AUTH_NAME = re.compile(r"[a-z0-9_]{1,50}")
ENROLMENT_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{1,11}")


def _ignored_reasons() -> dict[str, str]:
    """Columns Moodle's "Upload users" documents that mean nothing here, with why (by column or by the
    prefix of a numbered column); read at request time, so in the reader's language."""
    profile = _("This LMS keeps no such detail on a user's profile.")
    mail = _(
        "There is no such mail preference here: the LMS mails users only about their account, courses "
        "and e-classes."
    )
    update = _("This upload only creates new accounts; it does not rename, update or delete existing ones.")
    names = _("Names here are a first and a last name only.")
    dates = _("Enrolments here have no start or end date: a user stays enrolled until unenrolled.")
    reasons = {
        column: profile
        for column in (
            "city",
            "department",
            "idnumber",
            "phone1",
            "phone2",
            "address",
            "url",
            "description",
            "descriptionformat",
            "interests",
            "skype",
            "msn",
            "aim",
            "yahoo",
            "icq",
            "profile_field_",
        )
    }
    reasons |= {column: mail for column in ("maildisplay", "maildigest", "mailformat", "autosubscribe")}
    reasons |= {
        column: names for column in ("middlename", "alternatename", "firstnamephonetic", "lastnamephonetic")
    }
    reasons |= {column: update for column in ("id", "oldusername", "mnethostid")}
    reasons |= {column: dates for column in ("enrolperiod", "enroltimestart", "enroltimeend")}
    reasons["emailstop"] = _(
        "There is no switch to stop a user's mail here: the LMS sends only account, course and e-class mail."
    )
    reasons["htmleditor"] = _("There is one editor for everyone here (Markdown).")
    reasons["theme"] = _("There are no themes here: everyone sees the same site.")
    reasons["sysrole"] = _("Site roles (trainer, coordinator) are given on the user's page, not by upload.")
    reasons["category"] = _("Courses have no categories with roles here.")
    reasons["categoryrole"] = reasons["category"]
    return reasons


def known_column(name: str) -> bool:
    """Whether Moodle's "Upload users" (or this LMS) knows the column."""
    return bool(
        name in COLUMNS
        or name in ACTED_COLUMNS
        or name in _IGNORED_NAMES
        or NUMBERED_COLUMN.fullmatch(name)
        or PROFILE_FIELD.fullmatch(name)
    )


def ignored_reason(name: str) -> str | None:
    """Why a column Moodle knows is ignored here, or None when the LMS acts on it."""
    reasons = _ignored_reasons()
    if PROFILE_FIELD.fullmatch(name):
        return reasons["profile_field_"]
    match = NUMBERED_COLUMN.fullmatch(name)
    return reasons.get(match.group(1) if match else name)


_IGNORED_NAMES = frozenset(
    (
        "city",
        "department",
        "idnumber",
        "phone1",
        "phone2",
        "address",
        "url",
        "description",
        "descriptionformat",
        "interests",
        "skype",
        "msn",
        "aim",
        "yahoo",
        "icq",
        "maildisplay",
        "maildigest",
        "mailformat",
        "autosubscribe",
        "middlename",
        "alternatename",
        "firstnamephonetic",
        "lastnamephonetic",
        "id",
        "oldusername",
        "mnethostid",
        "emailstop",
        "htmleditor",
        "theme",
    )
)
COUNTRIES = frozenset(PARTNER_COUNTRIES + OTHER_COUNTRIES)
# Codes people write that are not ISO 3166: the EU's code for Greece and the old one for the UK.
COUNTRY_ALIASES = {"EL": "GR", "UK": "GB"}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass
class Problem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str  # the column's name in the file, or "" for the file as a whole
    message: str


@dataclass
class ImportRow:
    row: int
    email: str
    firstname: str
    lastname: str
    password: str | None = None
    lang: str | None = None
    organisation: str | None = None  # the enterprise's name as the file writes it
    country: str | None = None
    enterprise_number: str | None = None  # compact
    nace_section: str | None = None
    nace_division: str | None = None
    size_class: str | None = None
    # What the row does with its enterprise: "create" it, "join" one in the database (enterprise_id),
    # or "match" the one an earlier row of the file creates (same_as_row); "" without an enterprise.
    enterprise_action: str = ""
    enterprise_id: int | None = None
    enterprise_name: str = ""  # of the enterprise joined
    written_as: str = ""  # the file's name for it, when it is not one of the joined enterprise's names
    same_as_row: int | None = None
    courses: list[str] = field(default_factory=list)  # enrolled as a trainee
    cohorts: list[str] = field(default_factory=list)
    active: bool = True  # suspended=1 or auth=nologin make the account inactive
    timezone: str | None = None
    teaching: list[str] = field(default_factory=list)  # courses the user becomes a trainer of (roleN)
    # Moodle's course groups as cohorts here: (cohort name, course slug, "trainee" or "trainer").
    groups: list[tuple[str, str, str]] = field(default_factory=list)
    not_enrolled: list[str] = field(default_factory=list)  # courseN with enrolstatusN=1 (suspended)

    @property
    def role(self) -> str:
        return "trainer" if self.teaching else "trainee"

    @property
    def name(self) -> str:
        return f"{self.firstname} {self.lastname}"


@dataclass
class ImportPlan:
    encoding: str = ""  # as people know it: "UTF-8", "Windows-1253", ...
    delimiter: str = ","
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # things to know that do not stop the import
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (column, why it means nothing here)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems

    @property
    def ignored_by_reason(self) -> list[tuple[str, list[str]]]:
        """The ignored columns grouped by why, in the file's order: short enough for a phone."""
        groups: dict[str, list[str]] = {}
        for column, reason in self.ignored:
            groups.setdefault(reason, []).append(column)
        return list(groups.items())

    @property
    def delimiter_name(self) -> str:
        return DELIMITERS.get(self.delimiter, self.delimiter)

    def add(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(row, column, message))


@dataclass
class WelcomeMail:
    to: str
    subject: str
    body: str
    lang: str | None = None


# --- reading the file -----------------------------------------------------------------------------

# How often each letter appears in running text (per cent, roughly), to tell Greek read as Greek from
# Greek read as Cyrillic (and the other way round): a wrong code page turns common letters into rare ones.
GREEK_LETTERS = {
    **{"α": 12.0, "ο": 9.8, "ε": 8.0, "τ": 8.0, "ι": 7.8, "ν": 6.6, "σ": 5.5, "η": 4.7, "ρ": 4.4},
    **{"υ": 4.0, "π": 4.0, "κ": 4.0, "μ": 3.3, "λ": 2.7, "ς": 2.0, "γ": 1.7, "δ": 1.7, "ω": 1.6},
    **{"θ": 1.2, "χ": 1.1, "φ": 0.8, "β": 0.7, "ξ": 0.4, "ζ": 0.4, "ψ": 0.1},
    **{"ά": 1.8, "ί": 1.6, "ό": 1.4, "έ": 1.3, "ή": 0.8, "ύ": 0.6, "ώ": 0.5},
    **{"ϊ": 0.05, "ϋ": 0.02, "ΐ": 0.01, "ΰ": 0.005},
}
CYRILLIC_LETTERS = {  # Macedonian, Bulgarian, Serbian, Russian and Ukrainian together
    **{"а": 9.5, "о": 9.0, "е": 8.0, "и": 8.0, "н": 6.5, "т": 6.0, "р": 4.7, "с": 4.5, "в": 4.0},
    **{"л": 3.5, "к": 3.5, "д": 3.0, "м": 3.0, "п": 2.8, "у": 2.0, "з": 1.8, "г": 1.7, "б": 1.5},
    **{"я": 1.5, "ъ": 1.5, "ч": 1.3, "ј": 1.0, "ы": 1.0, "ь": 0.8, "й": 0.8, "ж": 0.8, "ц": 0.8},
    **{"х": 0.8, "ш": 0.7, "щ": 0.6, "ю": 0.4, "ф": 0.3, "њ": 0.3, "љ": 0.3, "і": 0.3, "ќ": 0.2},
    **{"ћ": 0.2, "э": 0.2, "є": 0.2, "ѓ": 0.1, "џ": 0.1, "ђ": 0.1, "ї": 0.1, "ё": 0.1, "ѕ": 0.05},
}
CODE_PAGES = (("cp1253", "Windows-1253", GREEK_LETTERS), ("cp1251", "Windows-1251", CYRILLIC_LETTERS))
_UNLIKELY = math.log(0.00001)  # a letter of another script, a stray symbol, a capital inside a word
_WORD = re.compile(r"[^\W\d_]+")


def _plausibility(text: str, letters: dict[str, float]) -> float:
    """Mean log-likelihood of the non-ASCII characters of `text` as text in the script of `letters`."""
    total, count = 0.0, 0
    for word in _WORD.findall(text):
        previous_lower = False
        for char in word:
            if not char.isascii():
                total += math.log(letters.get(char.lower(), 0.001) / 100)
                count += 1
                if char.isupper() and previous_lower:  # "ЕлЭнз" is Greek "Ελένη" read as Cyrillic
                    total += _UNLIKELY
            previous_lower = char.islower()
    for char in text:
        if not char.isascii() and not char.isalpha() and not char.isspace():  # ¼, ƒ, « in a name
            total += _UNLIKELY
            count += 1
    return total / count if count else 0.0


def decode(data: bytes) -> tuple[str, str] | None:
    """(text, encoding name) of a file in UTF-8 (with or without BOM), UTF-16 with BOM, or one of the
    Windows code pages for Greek and Cyrillic, chosen by which one reads as plausible letters."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError:
            return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    readings = []
    for codec, label, letters in CODE_PAGES:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:  # a byte this code page does not define
            continue
        readings.append((_plausibility(text, letters), text, label))
    if not readings:
        return None
    _score, text, label = max(readings, key=lambda reading: reading[0])
    return text, label


def detect_delimiter(text: str) -> str:
    """The delimiter the header line uses most: comma, semicolon (what Excel writes in Greek and Balkan
    locales) or tab."""
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def pack(data: bytes) -> str:
    """File content for a hidden form field: compressed (a preview page stays small) and base64."""
    return base64.urlsafe_b64encode(zlib.compress(data, 9)).decode("ascii")


def unpack(text: str) -> bytes | None:
    """The bytes `pack` encoded, or None for anything else (tampered, truncated, too large)."""
    try:
        packed = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        inflater = zlib.decompressobj()
        data = inflater.decompress(packed, MAX_BYTES + 1)
    except (ValueError, binascii.Error, zlib.error):
        return None
    if len(data) > MAX_BYTES or not inflater.eof:
        return None
    return data


# --- checking it ----------------------------------------------------------------------------------


def parse_users_csv(data: bytes) -> ImportPlan:
    """Read and check a CSV of users; writes nothing. Every problem names its row and column."""
    plan = ImportPlan()
    decoded = decode(data)
    if decoded is None:
        plan.add(1, "", _("The file is not text in UTF-8, Windows-1253 (Greek) or Windows-1251 (Cyrillic)."))
        return plan
    text, plan.encoding = decoded
    first_line, _newline, rest = text.partition("\n")
    if re.fullmatch(r"sep=[,;\t]\r?", first_line):  # Excel's hint line, which Excel itself hides
        plan.delimiter, text = first_line[4], rest
    else:
        plan.delimiter = detect_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=plan.delimiter))
    except csv.Error as error:
        plan.add(1, "", _("The file is not valid CSV: %(reason)s", reason=str(error)))
        return plan
    if not records or not any(cell.strip() for cell in records[0]):
        plan.add(1, "", _("The file is empty: the first row must name the columns."))
        return plan

    columns = _read_header(records[0], records[1:], plan)
    if plan.problems:
        return plan
    references = _read_rows(columns, records[1:], plan)
    _check_database(plan, references)
    _plan_enterprises(plan)
    if not plan.rows and not plan.problems:
        plan.add(2, "", _("The file has a header row but no users."))
    plan.problems.sort(key=lambda problem: problem.row)
    rows_with_problems = {problem.row for problem in plan.problems}
    plan.rows = [row for row in plan.rows if row.row not in rows_with_problems]
    return plan


def _read_header(header: list[str], records: list[list[str]], plan: ImportPlan) -> list[str | None]:
    """Column names by position (None for an unnamed, empty column, as Excel leaves at the end)."""
    columns: list[str | None] = []
    seen: set[str] = set()
    for index, cell in enumerate(header):
        name = cell.strip().lower()
        if not name:
            if any(index < len(record) and record[index].strip() for record in records):
                plan.add(
                    1, _("column %(number)d", number=index + 1), _("This column has values but no name.")
                )
            columns.append(None)
            continue
        if name in seen:
            plan.add(1, name, _("This column appears twice."))
        elif not known_column(name):
            plan.add(
                1,
                name,
                _(
                    "Unknown column: neither Moodle's “Upload users” nor this LMS knows it. Use Moodle's "
                    "names, such as username, email, firstname, lastname, password, lang, timezone, "
                    "suspended, institution, country, course1, role1, group1, cohort1 (see the list of "
                    "columns above)."
                ),
            )
        elif (reason := ignored_reason(name)) is not None:
            plan.ignored.append((name, reason))
        seen.add(name)
        columns.append(name)
    if "email" not in seen and "username" not in seen:
        plan.add(
            1, "email", _("The file needs an email column (or a username column holding e-mail addresses).")
        )
    for required in ("firstname", "lastname"):
        if required not in seen:
            plan.add(1, required, _("This column is required."))
    return columns


def _read_rows(columns: list[str | None], records: list[list[str]], plan: ImportPlan) -> list[tuple]:
    """Check each row on its own and against the rows above it; the valid ones go into the plan.

    Returns what the database must confirm: ("email", row, column, address) that must be new and
    ("course", row, column, slug) that must exist; checked for every row, so one round of fixes is enough.
    """
    references: list[tuple] = []
    first_row_of: dict[str, int] = {}
    languages = current_app.config["LANGUAGES"]
    for number, record in enumerate(records, start=2):
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue  # blank lines between users are harmless
        if any(cells[len(columns) :]):
            plan.add(number, "", _("This row has more cells than the header has columns."))
            continue
        values = {name: value for name, value in zip(columns, cells, strict=False) if name}
        problems_before = len(plan.problems)

        email, email_column = values.get("email", ""), "email"
        if not email and "@" in values.get("username", ""):
            email, email_column = values["username"], "username"
        if not email:
            plan.add(number, "email", _("The e-mail address is missing."))
        elif len(email) > EMAIL_MAX or not _valid_email(email):
            plan.add(number, email_column, _("“%(value)s” is not a valid e-mail address.", value=email))
        else:
            email = normalise_email(email)
            references.append(("email", number, email_column, email))
            if email in first_row_of:
                plan.add(
                    number,
                    email_column,
                    _("This e-mail address is already on row %(row)d.", row=first_row_of[email]),
                )
            else:
                first_row_of[email] = number

        firstname, lastname = values.get("firstname", ""), values.get("lastname", "")
        for column, value in (("firstname", firstname), ("lastname", lastname)):
            if not value:
                plan.add(number, column, _("This field is required."))
        if firstname and lastname and len(f"{firstname} {lastname}") > NAME_MAX:
            plan.add(
                number,
                "firstname, lastname",
                _("The full name is longer than %(max)d characters.", max=NAME_MAX),
            )

        password = values.get("password") or None
        if password is not None and (problem := password_problem(password, email, firstname, lastname)):
            plan.add(number, "password", problem)

        lang = values.get("lang", "").lower().replace("-", "_") or None
        if lang is not None and lang not in languages:
            base = lang.split("_", 1)[0]  # Moodle's "en_us", "sr_lt"
            if base in languages:
                lang = base
            else:
                plan.add(
                    number,
                    "lang",
                    _(
                        "Unknown language “%(value)s”: use one of %(codes)s.",
                        value=values["lang"],
                        codes=", ".join(languages),
                    ),
                )

        organisation = values.get("institution") or None
        if organisation is not None and len(organisation) > ORGANISATION_MAX:
            plan.add(
                number,
                "institution",
                _("The organisation is longer than %(max)d characters.", max=ORGANISATION_MAX),
            )

        country = values.get("country", "").upper() or None
        country = COUNTRY_ALIASES.get(country, country)
        if country is not None and country not in COUNTRIES:
            plan.add(
                number,
                "country",
                _(
                    "Unknown country code “%(value)s”: use a two-letter code such as GR, MK, BG or RS.",
                    value=values["country"],
                ),
            )

        enterprise = _read_enterprise(number, values, organisation, country, plan)

        moodle = _read_moodle_columns(number, values, plan)
        courses = _numbered(values, "course")
        references.extend(("course", number, column, slug) for column, slug in courses)
        references.extend(("group", number, column, group) for column, group in moodle.pop("group_refs"))
        cohorts = _numbered(values, "cohort")
        references.extend(("cohort", number, column, name) for column, name in cohorts)
        cohorts = [name for _column, name in cohorts]
        if len(plan.problems) == problems_before:
            plan.rows.append(
                ImportRow(
                    row=number,
                    email=email,
                    firstname=firstname,
                    lastname=lastname,
                    password=password,
                    lang=lang,
                    organisation=organisation,
                    country=country,
                    **enterprise,
                    **moodle,
                    cohorts=cohorts,
                )
            )
    return references


def _read_moodle_columns(number: int, values: dict, plan: ImportPlan) -> dict:
    """Moodle's account and enrolment columns this LMS acts on: suspended, auth, timezone, deleted, and
    per course courseN with roleN (or the legacy typeN), groupN and enrolstatusN; checks the ignored
    enrolment dates too, so a file that is wrong for Moodle is wrong here."""
    found: dict = {"active": True, "group_refs": []}
    suspended = values.get("suspended", "")
    if suspended not in ("", "0", "1"):
        plan.add(number, "suspended", _("Write 1 to suspend the account, 0 or nothing to leave it active."))
    elif suspended == "1":
        found["active"] = False
    auth = values.get("auth", "").lower()
    if auth and not AUTH_NAME.fullmatch(auth):
        plan.add(
            number,
            "auth",
            _("“%(value)s” is not the name of a Moodle authentication method.", value=values["auth"]),
        )
    elif auth == "nologin":
        found["active"] = False
    if values.get("deleted", "") not in ("", "0"):
        plan.add(number, "deleted", _("This upload only creates accounts: delete users on their page."))
    timezone = values.get("timezone", "")
    if timezone and timezone != "99":  # Moodle's "server time zone"
        if timezone in _time_zones():
            found["timezone"] = timezone
        else:
            plan.add(
                number,
                "timezone",
                _("Unknown time zone “%(value)s”: write a name such as Europe/Athens.", value=timezone),
            )

    enrolled, teaching, not_enrolled, groups = [], [], [], []
    for column, slug in _numbered(values, "course"):
        index = column[len("course") :]
        role_column, role = f"role{index}", values.get(f"role{index}", "").lower()
        if not role and values.get(f"type{index}"):
            role_column, role = f"type{index}", ENROLMENT_TYPES.get(values[f"type{index}"], "?")
        if role and role not in COURSE_ROLES:
            plan.add(
                number,
                role_column,
                _(
                    "The course role “%(value)s” has no equivalent here: use student (trainee), teacher or "
                    "editingteacher (trainer).",
                    value=values[role_column],
                ),
            )
            continue
        as_role = COURSE_ROLES.get(role or "student")
        status = values.get(f"enrolstatus{index}", "")
        if status not in ("", "0", "1"):
            plan.add(
                number,
                f"enrolstatus{index}",
                _("Write 1 for a suspended enrolment, 0 or nothing for an active one."),
            )
        for prefix in ("enroltimestart", "enroltimeend"):
            if (value := values.get(f"{prefix}{index}", "")) and not ENROLMENT_DATE.fullmatch(value):
                plan.add(number, f"{prefix}{index}", _("Write a date as 2026-09-30 (or a Unix timestamp)."))
        if (value := values.get(f"enrolperiod{index}", "")) and not value.isdigit():
            plan.add(number, f"enrolperiod{index}", _("Write the enrolment's length as a number of days."))
        if status == "1":  # a suspended enrolment gives no access: here, no enrolment
            not_enrolled.append(slug)
            continue
        (teaching if as_role == "trainer" else enrolled).append(slug)
        if group := values.get(f"group{index}", ""):
            groups.append((group, slug, as_role))
            found["group_refs"].append((f"group{index}", (group, slug)))
    for prefix in ("role", "type", "group", "enrolstatus", "enrolperiod", "enroltimestart", "enroltimeend"):
        for column, _value in _numbered(values, prefix):
            if not values.get("course" + column[len(prefix) :]):
                plan.add(
                    number,
                    column,
                    _("This column needs a course in %(column)s.", column="course" + column[len(prefix) :]),
                )
    found["courses"] = list(dict.fromkeys(slug for slug in enrolled if slug not in teaching))
    found["teaching"] = list(dict.fromkeys(teaching))
    found["not_enrolled"] = not_enrolled
    found["groups"] = groups
    return found


def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def _read_enterprise(
    number: int, values: dict, name: str | None, country: str | None, plan: ImportPlan
) -> dict:
    """The enterprise columns of a row, checked: the number by its country's rules, the NACE code,
    the size class."""
    found: dict = {}
    raw_number = values.get("institution_number") or None
    if raw_number:
        try:
            found["enterprise_number"] = enterprise_services.checked_number(country, raw_number)
        except enterprise_services.EnterpriseError as error:
            plan.add(number, "institution_number", str(error))
        if not name:
            plan.add(
                number, "institution", _("A row with an enterprise number needs the enterprise's name too.")
            )
    nace = values.get("nace", "").upper()
    if nace:
        match = NACE_CODE.fullmatch(nace)
        section, division = (match.group(1), match.group(2)) if match else (None, None)
        if division and division not in SECTION_OF_DIVISION:
            section = division = None
        if division and section and SECTION_OF_DIVISION[division] != section:
            section = division = None
        if not (section or division):
            plan.add(
                number,
                "nace",
                _(
                    "“%(value)s” is not a NACE Rev. 2 code: write a section letter (I), a division "
                    "(56) or both (I56).",
                    value=values["nace"],
                ),
            )
        else:
            found["nace_section"] = section or SECTION_OF_DIVISION[division]
            found["nace_division"] = division
    size = values.get("size", "").lower()
    if size:
        if size in SIZE_CLASSES:
            found["size_class"] = size
        else:
            plan.add(
                number,
                "size",
                _("Unknown size “%(value)s”: write micro, small, medium or large.", value=values["size"]),
            )
    if (nace or size) and not name:
        plan.add(number, "institution", _("The enterprise's name is missing."))
    return found


def _plan_enterprises(plan: ImportPlan) -> None:
    """What each row does with its enterprise: join one in the database (found by number, else by the
    same name), match one an earlier row creates, or create it. Reads only."""
    created_by_number: dict[tuple, int] = {}
    created_by_name: dict[str, int] = {}
    for row in plan.rows:
        if not row.organisation:
            continue
        key = name_key(row.organisation)
        if row.enterprise_number:
            existing = enterprise_services.by_number(row.country, row.enterprise_number)
            earlier = created_by_number.get((row.country, row.enterprise_number))
        else:
            same = enterprise_services.same_name(row.organisation)
            if len(same) > 1:
                plan.add(
                    row.row,
                    "institution",
                    _(
                        "Several enterprises are named “%(name)s”: add its number in the institution_number "
                        "column to say which.",
                        name=row.organisation,
                    ),
                )
                continue
            existing = same[0] if same else None
            earlier = created_by_name.get(key)
        if existing is not None:
            row.enterprise_action, row.enterprise_id, row.enterprise_name = "join", existing.id, existing.name
            if key not in existing.search_keys.split("|"):
                row.written_as = row.organisation
        elif earlier is not None:
            row.enterprise_action, row.same_as_row = "match", earlier
        else:
            row.enterprise_action = "create"
            if row.enterprise_number:
                created_by_number[(row.country, row.enterprise_number)] = row.row
            created_by_name.setdefault(key, row.row)


def _check_database(plan: ImportPlan, references: list[tuple]) -> None:
    """E-mail addresses already taken and course slugs that do not exist (reads only, in batches)."""
    emails = sorted({value for kind, _row, _column, value in references if kind == "email"})
    slugs = sorted({value for kind, _row, _column, value in references if kind == "course"})
    taken, known = set(), set()
    for start in range(0, len(emails), 500):
        taken.update(
            db.session.scalars(select(User.email).where(User.email.in_(emails[start : start + 500])))
        )
    for start in range(0, len(slugs), 500):
        known.update(
            db.session.scalars(select(Course.slug).where(Course.slug.in_(slugs[start : start + 500])))
        )
    cohort_names = sorted({value for kind, _row, _column, value in references if kind == "cohort"})
    cohorts = Counter(db.session.scalars(select(Cohort.name).where(Cohort.name.in_(cohort_names))))
    group_names = sorted({value[0] for kind, _row, _column, value in references if kind == "group"})
    in_course = Counter(
        db.session.execute(
            select(Cohort.name, Course.slug)
            .join(Programme, Cohort.programme_id == Programme.id)
            .join(programme_courses, programme_courses.c.programme_id == Programme.id)
            .join(Course, Course.id == programme_courses.c.course_id)
            .where(Cohort.name.in_(group_names))
        ).all()
    )
    for kind, row, column, value in references:
        if kind == "group" and in_course[value] != 1:
            group, slug = value
            message = (
                _(
                    "There is no cohort named “%(name)s” in a programme with the course “%(slug)s”: Moodle's "
                    "course groups are the cohorts of a course's programme here. Create the cohort first.",
                    name=group,
                    slug=slug,
                )
                if not in_course[value]
                else _("Several cohorts are named “%(name)s”: rename one, then try again.", name=group)
            )
            plan.add(row, column, message)
        elif kind == "cohort" and cohorts[value] != 1:
            message = (
                _("There is no cohort named “%(name)s”.", name=value)
                if not cohorts[value]
                else _("Several cohorts are named “%(name)s”: rename one, then try again.", name=value)
            )
            plan.add(row, column, message)
        elif kind == "email" and value in taken:
            plan.add(row, column, _("A user with the e-mail address %(email)s already exists.", email=value))
        elif kind == "course" and value not in known:
            plan.add(
                row,
                column,
                _(
                    "There is no course with the short name “%(slug)s” (the last part of its address).",
                    slug=value,
                ),
            )


def _numbered(values: dict[str, str], prefix: str) -> list[tuple[str, str]]:
    """(column, value) of the non-empty columns prefix1, prefix2, ... in their numeric order."""
    found = []
    for name, value in values.items():
        match = NUMBERED_COLUMN.fullmatch(name)
        if match and match.group(1) == prefix and value:
            found.append((int(match.group(2)), name, value))
    return [(name, value) for _number, name, value in sorted(found)]


def _valid_email(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


# --- importing it ---------------------------------------------------------------------------------


class ImportRefused(ValueError):
    """apply_plan was given a plan with problems (or without users): nothing was written."""


def apply_plan(plan: ImportPlan, by: User | None, source: str = "") -> list[WelcomeMail]:
    """Create the plan's users (trainees), enrol them and audit it (`source`: the file's name);
    flushes, never commits.

    Returns the welcome mails, to send once the caller has committed. Needs a request context (a real
    one, or the CLI's) for the links in the mails.
    """
    if not plan.ok:
        raise ImportRefused("the plan has problems; nothing was imported")
    slugs = {slug for row in plan.rows for slug in row.courses + row.teaching}
    courses = {
        course.slug: course for course in db.session.scalars(select(Course).where(Course.slug.in_(slugs)))
    }
    names = {name for row in plan.rows for name in row.cohorts}
    cohorts = {
        cohort.name: cohort for cohort in db.session.scalars(select(Cohort).where(Cohort.name.in_(names)))
    }
    group_names = {name for row in plan.rows for name, _slug, _role in row.groups}
    groups = {
        (cohort.name, course.slug): cohort
        for cohort in db.session.scalars(select(Cohort).where(Cohort.name.in_(group_names)))
        for course in cohort.programme.courses
    }
    created = []
    made: dict[int, Enterprise] = {}  # row number -> the enterprise it created
    for row in plan.rows:
        user = create_user(
            row.email,
            row.name,
            row.password,
            role=row.role,
            locale=row.lang,
            country=row.country,
            timezone=row.timezone,
            active=row.active,
        )
        if row.enterprise_action == "create":
            made[row.row] = enterprise_services.create_enterprise(
                name=row.organisation,
                number=row.enterprise_number,
                country=row.country,
                nace_section=row.nace_section,
                nace_division=row.nace_division,
                size_class=row.size_class,
            )
            enterprise_services.place_user(user, made[row.row])
        elif row.enterprise_action == "match":
            enterprise_services.place_user(user, made[row.same_as_row])
        elif row.enterprise_action == "join":
            enterprise_services.place_user(user, db.session.get(Enterprise, row.enterprise_id))
        for slug in row.courses:
            enrol(courses[slug], user, "manual", by=by)
        for slug in row.teaching:
            if user not in courses[slug].trainers:
                courses[slug].trainers.append(user)
        for name in row.cohorts:
            add_member(cohorts[name], user, by=by)  # and so enrolled in the programme's courses
        for name, slug, role in row.groups:
            cohort = groups[(name, slug)]
            if role == "trainer":
                if user not in cohort.trainers:
                    cohort.trainers.append(user)
            else:
                add_member(cohort, user, by=by)
        created.append((user, row))
    entry = audit(
        "users.import",
        source[:200],
        count=len(created),
        enrolments=sum(len(row.courses) for row in plan.rows),
        trainers=sum(len(row.teaching) for row in plan.rows),
        encoding=plan.encoding,
    )
    if by is not None:
        entry.actor_id = by.id
    db.session.flush()
    return [  # a suspended account gets no mail: it could not log in
        welcome_mail(user, [courses[slug] for slug in row.courses + row.teaching], bool(row.password))
        for user, row in created
        if row.active
    ]


def welcome_mail(user: User, courses: list[Course], has_password: bool) -> WelcomeMail:
    """templates/mail/welcome.txt in the user's language: a link to choose a password, unless the file
    set one."""
    context = {
        "courses": [course.title for course in courses],
        "has_password": has_password,
        "login_url": external_url("auth.login"),
        "forgot_url": external_url("auth.forgot_password"),
        "link": None
        if has_password
        else external_url("auth.reset_password", token=make_reset_token(user, True)),
    }
    return WelcomeMail(user.email, *account_mail("welcome", context, user))


def send_welcome_mails(mails: list[WelcomeMail]) -> None:
    """Queue the mails: a background job sends each after the commit, and retries it while SMTP fails.
    Always sent (an account mail, no unsubscribe); multipart like every mail (lms.mail.html_of)."""
    for mail in mails:
        send_mail(mail.to, mail.subject, mail.body, html=True, lang=mail.lang)
