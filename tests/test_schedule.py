"""Scheduled jobs at a local time of day: the daily digest goes out at DIGEST_TIME in the app's time
zone, however long the scheduler has been running, and stays at that local time across DST."""

import pickle
from datetime import UTC, datetime, time

import pytest

from lms.jobs import DailyAt, celery_app
from tests.conftest import make_test_app

ATHENS_7 = DailyAt(time(7, 0), "Europe/Athens")


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


def test_the_next_run_is_the_next_local_time_of_day():
    assert ATHENS_7.next_after(_at("2027-01-10T06:59+02:00")) == _at("2027-01-10T07:00+02:00")
    assert ATHENS_7.next_after(_at("2027-01-10T07:00+02:00")) == _at("2027-01-11T07:00+02:00")
    # Summer time starts on 28 March 2027: 07:00 is then 04:00 UTC, not 05:00.
    assert ATHENS_7.next_after(_at("2027-03-27T08:00+02:00")) == _at("2027-03-28T04:00Z")


def _due(schedule, last_run: str, now: str):
    schedule.nowfun = lambda: _at(now)
    return schedule.is_due(_at(last_run))


def test_a_scheduler_started_at_noon_sends_the_next_morning_not_24_hours_later():
    schedule = DailyAt(time(7, 0), "Europe/Athens")
    started = "2027-01-10T12:00+02:00"  # beat counts a new entry's last run from its start
    waiting = _due(schedule, started, "2027-01-11T06:59+02:00")
    assert not waiting.is_due and waiting.next == 60
    due = _due(schedule, started, "2027-01-11T07:00+02:00")
    assert due.is_due and due.next == 24 * 3600
    after = _due(schedule, "2027-01-11T07:00:05+02:00", "2027-01-11T12:00+02:00")
    assert not after.is_due  # sent once that morning


def test_naive_times_from_an_old_state_file_are_utc_and_the_schedule_pickles():
    schedule = DailyAt(time(7, 0), "Europe/Athens")
    schedule.nowfun = lambda: _at("2027-01-11T05:00Z")
    assert schedule.is_due(datetime(2027, 1, 10, 10, 0)).is_due
    assert pickle.loads(pickle.dumps(ATHENS_7)) == ATHENS_7  # noqa: S301 (our own bytes)


def test_the_digest_runs_at_the_configured_time_in_the_apps_zone(app, tmp_path, database_url):
    assert celery_app().conf.beat_schedule["notifications.daily_digest"]["schedule"] == ATHENS_7
    other = make_test_app(
        database_url, tmp_path / "other", DIGEST_TIME="18:30", DEFAULT_TIMEZONE="Europe/Skopje"
    )
    assert celery_app(other).conf.beat_schedule["notifications.daily_digest"]["schedule"] == DailyAt(
        time(18, 30), "Europe/Skopje"
    )


@pytest.mark.parametrize("value", ["7am", "25:00", "07:00:30", ""])
def test_a_digest_time_that_is_not_hh_mm_stops_the_app_with_a_message(tmp_path, database_url, value):
    with pytest.raises(RuntimeError, match=r"DIGEST_TIME \(LMS_DIGEST_TIME\) must be a time of day as HH:MM"):
        make_test_app(database_url, tmp_path / "bad", DIGEST_TIME=value)
