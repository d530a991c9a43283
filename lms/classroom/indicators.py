"""The indicators a programme can report to its funder: what each counts, in the funder's words.

A coordinator ticks the ones the programme's funder asks for (Programme.indicators); the report page,
its XLSX and PDF show those, each with its definition, and each figure opens the list behind it.
"""

from dataclasses import dataclass

from lms.i18n import _l

STARTUP_YEARS = 5  # an enterprise younger than this is a start-up


@dataclass(frozen=True)
class Indicator:
    key: str
    title: object  # lazy string
    definition: object
    lists: str  # what its drill-down lists: enterprises, participants, sessions, certificates; "" none


INDICATORS = [
    Indicator(
        "enterprises",
        _l("Enterprises supported, by size class"),
        _l(
            "Enterprises with at least one person who attended a delivered session of the programme in the "
            "period. Each enterprise counts once, however many of its people took part, in its size class "
            "by the EU SME definition (staff headcount with turnover or balance sheet)."
        ),
        "enterprises",
    ),
    Indicator(
        "sectors",
        _l("Enterprises supported, by sector"),
        _l("The same enterprises, each counted once, by their NACE Rev. 2 section."),
        "enterprises",
    ),
    Indicator(
        "startups",
        _l("Start-ups supported"),
        _l(
            "The enterprises supported that were founded less than five years before the end of the period "
            "(or this year, without an end), each counted once."
        ),
        "enterprises",
    ),
    Indicator(
        "participations",
        _l("Participations in training"),
        _l(
            "People who attended (present or late) at least one delivered session of the programme in the "
            "period. Each person counts once per programme, whatever the number of sessions or cohorts."
        ),
        "participants",
    ),
    Indicator(
        "founders",
        _l("Would-be founders"),
        _l("Participants who are not yet a company and plan to start one."),
        "participants",
    ),
    Indicator(
        "completions",
        _l("Completed trainings"),
        _l(
            "Cohort members who completed every course of the programme, the last of them in the period. "
            "Each person counts once."
        ),
        "participants",
    ),
    Indicator(
        "gender",
        _l("Participants by gender"),
        _l("The participants, each once, by the gender in their profile (Not stated when they gave none)."),
        "participants",
    ),
    Indicator(
        "country",
        _l("Participants by country"),
        _l("The participants, each once, by the country in their profile."),
        "participants",
    ),
    Indicator(
        "hours",
        _l("Hours delivered"),
        _l(
            "Sessions that started in the period and whose attendance was taken, with their scheduled "
            "length. A session counts once, whatever the number of people in it."
        ),
        "sessions",
    ),
    Indicator(
        "attendance",
        _l("Attendance rate"),
        _l(
            "Attendance points earned in the delivered sessions, as a share of the points that the trainees "
            "who were cohort members on each session's date could have earned."
        ),
        "sessions",
    ),
    Indicator(
        "satisfaction",
        _l("Participants' satisfaction"),
        _l(
            "The mean of the answers (1 to 5) to the programme's chosen rating question in the surveys of "
            "its courses and of its delivered sessions, with the share of answers of 4 or 5. Answers given "
            "on a course page carry no date (anonymous answers keep none), so they count whatever the period."
        ),
        "",
    ),
    Indicator(
        "certificates",
        _l("Certificates issued"),
        _l("Course certificates, not revoked, dated in the period, of the programme's cohort members."),
        "certificates",
    ),
]
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}


def selected_indicators(programme) -> list[str]:
    """The programme's indicators in the catalogue's order; all of them until a coordinator chooses."""
    chosen = programme.indicators
    if chosen is None:
        return [indicator.key for indicator in INDICATORS]
    return [indicator.key for indicator in INDICATORS if indicator.key in chosen]
