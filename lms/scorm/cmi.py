"""The SCORM run-time data model (CMI) on the server: which elements exist, who may read or write them,
what values they take, and what a trainee's data means for completion and the grade.

The frame's script (static/js/scorm-api.js) checks the same rules so a SCO gets its error code at once;
the server checks them again on every commit, because the client is never trusted. A commit applies the
values that pass and answers the error code of each value that does not.

SCORM 1.2 error codes: 0 no error, 101 general exception, 201 invalid argument, 202 element cannot
have children, 203 element not an array, 301 not initialized, 401 not implemented, 402 invalid set
value (keyword), 403 read only, 404 write only, 405 incorrect data type.
SCORM 2004 (API_1484_11): 401 undefined element, 404 read only, 405 write only, 406 type mismatch,
407 value out of range, 351 general set failure (an array index out of order), 408 dependency not
established (an interaction's id before its other values).
"""

import re
from dataclasses import dataclass
from datetime import timedelta

MAX_INTERACTIONS = 250
MAX_OBJECTIVES = 100
MAX_VALUES = 5000  # elements kept for one trainee and SCO, all arrays included

# Abstract errors -> code in each version.
ERRORS = {
    "undefined": {"1.2": 401, "2004": 401},
    "argument": {"1.2": 201, "2004": 201},
    "read_only": {"1.2": 403, "2004": 404},
    "write_only": {"1.2": 404, "2004": 405},
    "keyword": {"1.2": 402, "2004": 404},
    "type": {"1.2": 405, "2004": 406},
    "range": {"1.2": 405, "2004": 407},
    "index": {"1.2": 201, "2004": 351},
    "dependency": {"1.2": 201, "2004": 408},
    "too_much": {"1.2": 101, "2004": 351},
}

# --- value types ------------------------------------------------------------------------------------

DECIMAL_RE = re.compile(r"^-?\d{1,10}(\.\d{1,10})?$")
TIMESPAN_12_RE = re.compile(r"^(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?$")
TIME_12_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,2})?$")
DURATION_RE = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$"
)
TIMESTAMP_RE = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,2})?)?)?(Z|[+-]\d{2}(:\d{2})?)?)?)?)?$"
)
IDENTIFIER_12_RE = re.compile(r"^[^\s]{1,255}$")


def _string(limit: int):
    def check(value: str) -> str | None:
        return "type" if len(value) > limit else None

    return check


def _vocabulary(*words: str):
    def check(value: str) -> str | None:
        return None if value in words else "type"

    return check


def _decimal(low=None, high=None, blank=False):
    def check(value: str) -> str | None:
        if value == "" and blank:
            return None
        if not DECIMAL_RE.match(value):
            return "type"
        number = float(value)
        if (low is not None and number < low) or (high is not None and number > high):
            return "range"
        return None

    return check


def _integer(low: int, high: int):
    def check(value: str) -> str | None:
        if not re.fullmatch(r"-?\d{1,4}", value):
            return "type"
        return None if low <= int(value) <= high else "range"

    return check


def _pattern(regex: re.Pattern):
    def check(value: str) -> str | None:
        return None if regex.match(value) else "type"

    return check


def _duration(value: str) -> str | None:
    return (
        None if DURATION_RE.match(value) and value not in ("P", "PT") and not value.endswith("T") else "type"
    )


def _identifier_2004(value: str) -> str | None:
    return None if 0 < len(value) <= 4000 and not value.isspace() else "type"


def _result_12(value: str) -> str | None:
    if value in ("correct", "wrong", "unanticipated", "neutral"):
        return None
    return _decimal()(value)


def _result_2004(value: str) -> str | None:
    if value in ("correct", "incorrect", "unanticipated", "neutral"):
        return None
    return _decimal()(value)


RO, WO, RW = "r", "w", "rw"
LESSON_STATUS = ("passed", "completed", "failed", "incomplete", "browsed", "not attempted")

# element name (n and m stand for array indexes) -> (access, check)
ELEMENTS_12 = {
    "cmi.core.student_id": (RO, None),
    "cmi.core.student_name": (RO, None),
    "cmi.core.lesson_location": (RW, _string(255)),
    "cmi.core.credit": (RO, None),
    "cmi.core.lesson_status": (RW, _vocabulary(*LESSON_STATUS[:-1])),
    "cmi.core.entry": (RO, None),
    "cmi.core.score.raw": (RW, _decimal(0, 100, blank=True)),
    "cmi.core.score.min": (RW, _decimal(0, 100, blank=True)),
    "cmi.core.score.max": (RW, _decimal(0, 100, blank=True)),
    "cmi.core.total_time": (RO, None),
    "cmi.core.lesson_mode": (RO, None),
    "cmi.core.exit": (WO, _vocabulary("time-out", "suspend", "logout", "")),
    "cmi.core.session_time": (WO, _pattern(TIMESPAN_12_RE)),
    "cmi.suspend_data": (RW, _string(4096)),
    "cmi.launch_data": (RO, None),
    "cmi.comments": (RW, _string(4096)),
    "cmi.comments_from_lms": (RO, None),
    "cmi.student_data.mastery_score": (RO, None),
    "cmi.student_data.max_time_allowed": (RO, None),
    "cmi.student_data.time_limit_action": (RO, None),
    "cmi.student_preference.audio": (RW, _integer(-1, 100)),
    "cmi.student_preference.language": (RW, _string(255)),
    "cmi.student_preference.speed": (RW, _integer(-100, 100)),
    "cmi.student_preference.text": (RW, _integer(-1, 1)),
    "cmi.objectives.n.id": (RW, _pattern(IDENTIFIER_12_RE)),
    "cmi.objectives.n.score.raw": (RW, _decimal(0, 100, blank=True)),
    "cmi.objectives.n.score.min": (RW, _decimal(0, 100, blank=True)),
    "cmi.objectives.n.score.max": (RW, _decimal(0, 100, blank=True)),
    "cmi.objectives.n.status": (RW, _vocabulary(*LESSON_STATUS)),
    "cmi.interactions.n.id": (WO, _pattern(IDENTIFIER_12_RE)),
    "cmi.interactions.n.objectives.m.id": (WO, _pattern(IDENTIFIER_12_RE)),
    "cmi.interactions.n.time": (WO, _pattern(TIME_12_RE)),
    "cmi.interactions.n.type": (
        WO,
        _vocabulary(
            "true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert", "numeric"
        ),
    ),
    "cmi.interactions.n.correct_responses.m.pattern": (WO, _string(255)),
    "cmi.interactions.n.weighting": (WO, _decimal()),
    "cmi.interactions.n.student_response": (WO, _string(255)),
    "cmi.interactions.n.result": (WO, _result_12),
    "cmi.interactions.n.latency": (WO, _pattern(TIMESPAN_12_RE)),
}
KEYWORDS_12 = {
    "cmi._version": "3.4",
    "cmi.core._children": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,"
    "total_time,lesson_mode,exit,session_time",
    "cmi.core.score._children": "raw,min,max",
    "cmi.objectives._children": "id,score,status",
    "cmi.student_data._children": "mastery_score,max_time_allowed,time_limit_action",
    "cmi.student_preference._children": "audio,language,speed,text",
    "cmi.interactions._children": "id,objectives,time,type,correct_responses,weighting,student_response,"
    "result,latency",
    "cmi.objectives.n.score._children": "raw,min,max",
}

SCORE_2004 = {"scaled": _decimal(-1, 1), "raw": _decimal(), "min": _decimal(), "max": _decimal()}
ELEMENTS_2004 = {
    "cmi.learner_id": (RO, None),
    "cmi.learner_name": (RO, None),
    "cmi.location": (RW, _string(1000)),
    "cmi.credit": (RO, None),
    "cmi.completion_status": (RW, _vocabulary("completed", "incomplete", "not attempted", "unknown")),
    "cmi.success_status": (RW, _vocabulary("passed", "failed", "unknown")),
    "cmi.entry": (RO, None),
    "cmi.mode": (RO, None),
    "cmi.exit": (WO, _vocabulary("time-out", "suspend", "logout", "normal", "")),
    "cmi.session_time": (WO, _duration),
    "cmi.total_time": (RO, None),
    "cmi.suspend_data": (RW, _string(64000)),
    "cmi.launch_data": (RO, None),
    "cmi.progress_measure": (RW, _decimal(0, 1)),
    "cmi.completion_threshold": (RO, None),
    "cmi.scaled_passing_score": (RO, None),
    "cmi.max_time_allowed": (RO, None),
    "cmi.time_limit_action": (RO, None),
    "cmi.learner_preference.audio_level": (RW, _decimal(0)),
    "cmi.learner_preference.language": (RW, _string(250)),
    "cmi.learner_preference.delivery_speed": (RW, _decimal(0)),
    "cmi.learner_preference.audio_captioning": (RW, _vocabulary("-1", "0", "1")),
    **{f"cmi.score.{name}": (RW, check) for name, check in SCORE_2004.items()},
    "cmi.objectives.n.id": (RW, _identifier_2004),
    **{f"cmi.objectives.n.score.{name}": (RW, check) for name, check in SCORE_2004.items()},
    "cmi.objectives.n.success_status": (RW, _vocabulary("passed", "failed", "unknown")),
    "cmi.objectives.n.completion_status": (
        RW,
        _vocabulary("completed", "incomplete", "not attempted", "unknown"),
    ),
    "cmi.objectives.n.progress_measure": (RW, _decimal(0, 1)),
    "cmi.objectives.n.description": (RW, _string(250)),
    "cmi.interactions.n.id": (RW, _identifier_2004),
    "cmi.interactions.n.type": (
        RW,
        _vocabulary(
            "true-false",
            "choice",
            "fill-in",
            "long-fill-in",
            "matching",
            "performance",
            "sequencing",
            "likert",
            "numeric",
            "other",
        ),
    ),
    "cmi.interactions.n.objectives.m.id": (RW, _identifier_2004),
    "cmi.interactions.n.timestamp": (RW, _pattern(TIMESTAMP_RE)),
    "cmi.interactions.n.correct_responses.m.pattern": (RW, _string(4000)),
    "cmi.interactions.n.weighting": (RW, _decimal()),
    "cmi.interactions.n.learner_response": (RW, _string(4000)),
    "cmi.interactions.n.result": (RW, _result_2004),
    "cmi.interactions.n.latency": (RW, _duration),
    "cmi.interactions.n.description": (RW, _string(250)),
    "adl.nav.request": (RW, _string(200)),  # kept, not acted upon: there is no sequencing here
}
KEYWORDS_2004 = {
    "cmi._version": "1.0",
    "cmi.score._children": "scaled,raw,min,max",
    "cmi.objectives._children": "id,score,success_status,completion_status,progress_measure,description",
    "cmi.objectives.n.score._children": "scaled,raw,min,max",
    "cmi.learner_preference._children": "audio_level,language,delivery_speed,audio_captioning",
    "cmi.interactions._children": "id,type,objectives,timestamp,correct_responses,weighting,"
    "learner_response,result,latency,description",
}
ELEMENTS = {"1.2": ELEMENTS_12, "2004": ELEMENTS_2004}
KEYWORDS = {"1.2": KEYWORDS_12, "2004": KEYWORDS_2004}
ARRAY_RE = re.compile(r"^(cmi\.(?:objectives|interactions))\.(\d{1,4})\.(.+)$")
INNER_RE = re.compile(r"^(objectives|correct_responses)\.(\d{1,4})\.(.+)$")


@dataclass
class Element:
    """An element name resolved against the data model: its pattern (indexes as n, m) and indexes."""

    pattern: str
    array: str = ""  # "cmi.interactions" for cmi.interactions.3.id
    index: int = -1
    inner: str = ""  # "cmi.interactions.3.objectives" for cmi.interactions.3.objectives.0.id
    inner_index: int = -1


def resolve(name: str) -> Element:
    match = ARRAY_RE.match(name)
    if not match:
        return Element(name)
    array, index, rest = match.group(1), int(match.group(2)), match.group(3)
    inner = INNER_RE.match(rest)
    if inner:
        return Element(
            f"{array}.n.{inner.group(1)}.m.{inner.group(3)}",
            array,
            index,
            f"{array}.{index}.{inner.group(1)}",
            int(inner.group(2)),
        )
    return Element(f"{array}.n.{rest}", array, index)


def count(values: dict, array: str) -> int:
    """How many records an array (cmi.interactions, or cmi.interactions.0.objectives) holds."""
    prefix = array + "."
    indexes = {int(key[len(prefix) :].split(".", 1)[0]) for key in values if key.startswith(prefix)}
    return max(indexes) + 1 if indexes else 0


def set_error(version: str, values: dict, name: str, value) -> str | None:
    """Why `name` cannot be set to `value` (an abstract error, see ERRORS), or None if it can."""
    if not isinstance(name, str) or not isinstance(value, str):
        return "argument"
    if not name.startswith(("cmi.", "adl.")) or len(name) > 255:
        return "argument" if version == "1.2" else "undefined"
    element = resolve(name)
    if (
        name in KEYWORDS[version]
        or element.pattern in KEYWORDS[version]
        or name.endswith(("._count", "._children"))
    ):
        return "keyword"
    known = ELEMENTS[version].get(element.pattern)
    if known is None:
        return "undefined"
    access, check = known
    if access == RO:
        return "read_only"
    problem = check(value) if check else None
    if problem:
        return problem
    if element.array:
        limit = MAX_INTERACTIONS if element.array == "cmi.interactions" else MAX_OBJECTIVES
        if element.index > count(values, element.array) or element.index >= limit:
            return "index"
        if element.inner and element.inner_index > count(values, element.inner):
            return "index"
        record = f"{element.array}.{element.index}.id"
        if not element.pattern.endswith(".n.id") and record not in values and version == "2004":
            return "dependency"
    if name not in values and len(values) >= MAX_VALUES:
        return "too_much"
    return None


def apply(version: str, values: dict, changes) -> tuple[dict, dict[str, int]]:
    """Values after setting `changes` ((name, value) pairs in the order the SCO set them), and the
    error code of each refused change. The values given are not modified."""
    result = dict(values)
    errors: dict[str, int] = {}
    for name, value in changes:
        problem = set_error(version, result, name, value)
        if problem:
            errors[str(name)[:255]] = ERRORS[problem][version]
        else:
            result[name] = value
    return result, errors


# --- time -------------------------------------------------------------------------------------------


def seconds_of(version: str, value: str) -> float:
    """A SCORM time span in seconds: 1.2 HHHH:MM:SS.SS, 2004 ISO 8601 (P1DT2H3M4.5S). 0 if malformed."""
    if version == "1.2":
        match = TIMESPAN_12_RE.match(value or "")
        if not match:
            return 0.0
        return (
            int(match.group(1)) * 3600
            + int(match.group(2)) * 60
            + int(match.group(3))
            + float(match.group(4) or 0)
        )
    match = DURATION_RE.match(value or "")
    if not match:
        return 0.0
    years, months, days, hours, minutes, seconds = (float(group or 0) for group in match.groups())
    return ((years * 365 + months * 30 + days) * 24 + hours) * 3600 + minutes * 60 + seconds


def timespan(version: str, seconds: float) -> str:
    whole = timedelta(seconds=round(seconds))
    hours, rest = divmod(int(whole.total_seconds()), 3600)
    minutes, secs = divmod(rest, 60)
    if version == "1.2":
        return f"{min(hours, 9999):04d}:{minutes:02d}:{secs:02d}"
    return f"PT{hours}H{minutes}M{secs}S"


# --- what the values mean ---------------------------------------------------------------------------


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def outcome(version: str, values: dict, mastery_score: float | None = None) -> tuple[str, float | None]:
    """(status, score in percent or None). Status is one of: not attempted, incomplete, completed,
    passed, failed, browsed. In 1.2 a mastery score in the manifest decides passed or failed once the
    SCO reports a raw score (SCORM 1.2 RTE 3.4.4)."""
    if version == "1.2":
        status = values.get("cmi.core.lesson_status") or "not attempted"
        raw = _float(values.get("cmi.core.score.raw"))
        low = _float(values.get("cmi.core.score.min"))
        high = _float(values.get("cmi.core.score.max"))
        if raw is not None and mastery_score is not None and status not in ("browsed",):
            status = "passed" if raw >= mastery_score else "failed"
        return status, _percent(raw, low, high)
    success = values.get("cmi.success_status") or "unknown"
    completion = values.get("cmi.completion_status") or "not attempted"
    status = success if success in ("passed", "failed") else completion
    if status == "unknown":
        status = "incomplete"
    scaled = _float(values.get("cmi.score.scaled"))
    if scaled is not None:
        return status, max(0.0, min(100.0, scaled * 100))
    return status, _percent(
        _float(values.get("cmi.score.raw")),
        _float(values.get("cmi.score.min")),
        _float(values.get("cmi.score.max")),
    )


def _percent(raw: float | None, low: float | None, high: float | None) -> float | None:
    if raw is None:
        return None
    low = 0.0 if low is None else low
    high = 100.0 if high is None else high
    if high <= low:
        return None
    return max(0.0, min(100.0, (raw - low) / (high - low) * 100))


COMPLETE = ("completed", "passed")
