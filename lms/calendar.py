"""The personal calendar feed's other sources: a feature that has dated things for a user (assignment
due dates) registers a source here, and the classroom's feed adds their events to the sessions, so
the classroom never imports that feature."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across changes: calendar apps update the event with this UID
    starts_at: datetime  # aware, UTC
    summary: str
    description: str = ""
    url: str = ""
    sequence: int = 0  # higher for each change of the event
    ends_at: datetime | None = None


CALENDAR_SOURCES: list[Callable] = []


def calendar_source(source: Callable) -> Callable:
    """Register `source(user, since) -> list[CalendarEvent]`."""
    if source not in CALENDAR_SOURCES:
        CALENDAR_SOURCES.append(source)
    return source


def events_for(user, since: datetime) -> list[CalendarEvent]:
    return [event for source in CALENDAR_SOURCES for event in source(user, since)]
