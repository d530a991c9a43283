"""Background work on Celery: slow and scheduled jobs leave the request.

A feature declares a job with `@task("feature.name", every=...)` in its `tasks.py`; a view or service asks
for it with `enqueue(job, *args)`, which sends it when the database session commits (and drops it on a
rollback), so a job never runs for a change that did not happen.

Where jobs run:

- LMS_BROKER_URL set (redis://... or amqp://...): on `lms worker` processes, any number of hosts; one
  `lms scheduler` sends the scheduled jobs.
- No broker (the default): the queue is a SQLite file in the instance folder (kombu's SQLAlchemy
  transport), and `lms serve` / `lms demo` run a worker and the scheduler in threads of their own process,
  so one command still serves everything. Under gunicorn, run one `lms worker --beat` beside it.
- JOBS_EAGER (tests): a job runs at once in the process that commits.

Jobs are retried with exponential back-off on errors that may pass (network, a locked database); each
job is written so that running it twice does no harm (`once(key)` marks a unit of work as done).
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from celery import Celery, Task
from celery.schedules import BaseSchedule, schedstate
from flask import Flask, current_app
from sqlalchemy import String, delete, event, exc, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.db import UTCDateTime, db, utcnow

log = logging.getLogger(__name__)

# Errors that may pass: the job is tried again later (1 s, 2 s, 4 s ... up to 10 minutes apart).
TRANSIENT_ERRORS = (OSError, exc.OperationalError)
MAX_RETRIES = 6

_TASKS: dict[str, tuple[Callable, dict]] = {}
_SCHEDULE: dict[str, "timedelta | Daily"] = {}


@dataclass(frozen=True)
class Daily:
    """A job's schedule: once a day at the local time (HH:MM, 24-hour, in DEFAULT_TIMEZONE) that the
    configuration value `setting` names, read when the app is made."""

    setting: str


class DailyAt(BaseSchedule):
    """Due once a day at a wall-clock time of a time zone, whenever the scheduler started (a timedelta
    would count 24 h from its start); across a daylight-saving change it stays at that local time."""

    def __init__(self, at: time, zone: str):
        super().__init__()
        self.at, self.zone = at, zone

    def next_after(self, moment: datetime) -> datetime:
        """The first time of day `at` in the zone strictly after `moment` (an aware datetime)."""
        zone = ZoneInfo(self.zone)
        day = moment.astimezone(zone).date()
        for offset in (0, 1, 2):
            candidate = datetime.combine(day + timedelta(days=offset), self.at, tzinfo=zone)
            if candidate > moment:
                return candidate
        raise AssertionError("a time of day comes within two days")

    def now(self) -> datetime:
        return (self.nowfun or utcnow)()

    def remaining_estimate(self, last_run_at: datetime) -> timedelta:
        return self.next_after(_aware(last_run_at)) - self.now()

    def is_due(self, last_run_at: datetime):
        now = self.now()
        if now >= self.next_after(_aware(last_run_at)):
            return schedstate(True, (self.next_after(now) - now).total_seconds())
        return schedstate(False, (self.next_after(_aware(last_run_at)) - now).total_seconds())

    def __reduce__(self):  # the scheduler's state file pickles its schedules
        return self.__class__, (self.at, self.zone)

    def __eq__(self, other) -> bool:
        return isinstance(other, DailyAt) and (other.at, other.zone) == (self.at, self.zone)

    def __repr__(self) -> str:
        return f"<daily at {self.at:%H:%M} {self.zone}>"


def _aware(moment: datetime) -> datetime:
    """Celery beat hands naive UTC times when its state file is older than its time-zone support."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def daily_at(config, setting: str) -> DailyAt:
    """The DailyAt for a configuration value; a value that is not HH:MM stops the app with a message."""
    raw = str(config[setting]).strip()
    try:
        at = time.fromisoformat(raw)
        if len(raw) != 5:
            raise ValueError(raw)
    except ValueError:
        raise RuntimeError(
            f"{setting} (LMS_{setting}) must be a time of day as HH:MM, like 07:00, not {raw!r}"
        ) from None
    return DailyAt(at, config["DEFAULT_TIMEZONE"])


def task(name: str, *, every: "timedelta | Daily | None" = None, on_failure: Callable | None = None):
    """Declare a background job. `every` schedules it (Celery beat): a timedelta, or Daily(setting) for
    a local time of day; `on_failure(exc, *args)` runs in an app context when the job has failed for good
    (after its retries), to say why where users look."""

    def decorate(function: Callable) -> Callable:
        _TASKS[name] = (function, {"on_failure_hook": on_failure})
        if every is not None:
            _SCHEDULE[name] = every
        function.task_name = name
        return function

    return decorate


class FlaskTask(Task):
    """Runs each job inside the Flask app's context, with a database session of its own."""

    abstract = True
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = MAX_RETRIES
    acks_late = True  # a job whose worker died is handed to another; jobs are idempotent
    on_failure_hook = None

    def __call__(self, *args, **kwargs):
        app = self.app.flask_app
        with app.app_context(), _outside_any_request(app):
            try:
                return self.run(*args, **kwargs)
            finally:
                db.session.remove()

    def on_failure(self, error, task_id, args, kwargs, einfo):
        log.error("job %s%r failed: %s", self.name, tuple(args), error)
        if self.on_failure_hook is not None:
            app = self.app.flask_app
            with app.app_context(), _outside_any_request(app):
                try:
                    type(self).on_failure_hook(error, *args)
                    db.session.commit()
                finally:
                    db.session.remove()


def _outside_any_request(app: Flask):
    """A job run at once (JOBS_EAGER) by the request that committed it runs as on a worker: not as part
    of that request (whose method decides how its SQLite transactions begin), in a request context of
    its own at the site's address."""
    from contextlib import nullcontext

    from flask import has_request_context

    if not has_request_context():
        return nullcontext()
    return app.test_request_context(base_url=app.config["BASE_URL"])


def broker_url(app: Flask) -> str:
    """The configured broker, or the embedded queue: a SQLite file in the instance folder."""
    return app.config["BROKER_URL"] or f"sqla+sqlite:///{Path(app.instance_path) / 'jobs.sqlite'}"


def is_embedded(app: Flask) -> bool:
    return not app.config["BROKER_URL"]


def init_jobs(app: Flask) -> None:
    from importlib import import_module, util

    from lms import FEATURES

    for module in ("lms.mail", *(f"lms.{feature}.tasks" for feature in FEATURES)):
        if util.find_spec(module) is not None:
            import_module(module)

    celery = Celery(app.import_name, task_cls=FlaskTask, set_as_current=False)
    celery.flask_app = app
    celery.conf.update(
        broker_url=broker_url(app),
        broker_connection_retry_on_startup=True,
        # kombu's SQLite queue begins its own transactions (BEGIN IMMEDIATE to take a message).
        broker_transport_options={"execution_options": {"lms_own_transactions": True}}
        if is_embedded(app)
        else {},
        task_default_queue=app.config["JOBS_QUEUE"],
        task_ignore_result=True,  # progress and results live in the database, readable from every host
        task_always_eager=bool(app.config["JOBS_EAGER"]),
        task_eager_propagates=False,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        beat_schedule={
            name: {
                "task": name,
                "schedule": daily_at(app.config, every.setting) if isinstance(every, Daily) else every,
            }
            for name, every in _SCHEDULE.items()
        },
        beat_schedule_filename=str(Path(app.instance_path) / "scheduler-state"),
        timezone="UTC",
    )
    for name, (function, options) in _TASKS.items():
        celery.task(name=name, shared=False, **options)(function)
    app.extensions["celery"] = celery


def celery_app(app: Flask | None = None) -> Celery:
    return (app or current_app).extensions["celery"]


def enqueue(job: Callable, *args) -> None:
    """Send the job when the current database session commits; forget it if the session rolls back."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, even before any SQL, is seen and drops the job
    session.info.setdefault("lms_pending_jobs", []).append((job.task_name, args))


@event.listens_for(Session, "after_commit")
def _send_pending_jobs(session: Session) -> None:
    pending = session.info.pop("lms_pending_jobs", None)
    if not pending:
        return
    celery = celery_app()
    for name, args in pending:
        celery.tasks[name].apply_async(args=args)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending_jobs(session: Session, previous_transaction) -> None:
    session.info.pop("lms_pending_jobs", None)


class TaskMark(db.Model):
    """A unit of background work that is done (a mail sent, a reminder given): a job tried again
    skips it. The key names the work, for example `reminder:session:12:user:7`."""

    __tablename__ = "task_marks"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def is_done(key: str) -> bool:
    return db.session.scalar(select(TaskMark.key).where(TaskMark.key == key)) is not None


def claim(key: str) -> bool:
    """Take a unit of work before doing it (committed at once): False if another run of the job has it
    already. Two deliveries of one job at the same moment (a broker may deliver twice) cannot both pass:
    the key is the table's primary key and the second insert is ignored."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    taken = db.session.execute(
        insert(TaskMark).values(key=key, done_at=utcnow()).on_conflict_do_nothing().returning(TaskMark.key)
    ).first()
    db.session.commit()
    return taken is not None


def release(key: str) -> None:
    """Give a claimed unit of work back (it failed), so the job's next try does it."""
    db.session.rollback()
    db.session.execute(delete(TaskMark).where(TaskMark.key == key))
    db.session.commit()


DELIVERED_KEPT = timedelta(days=1)


@task("jobs.prune_embedded_queue", every=timedelta(hours=1))
def prune_embedded_queue() -> int:
    """The embedded SQLite queue keeps every delivered message (kombu marks them invisible): delete those
    older than a day so instance/jobs.sqlite stays small. Does nothing with a real broker."""
    from sqlalchemy import create_engine, text

    if not is_embedded(current_app):
        return 0
    engine = create_engine(broker_url(current_app).removeprefix("sqla+"))
    try:
        with engine.begin() as connection:
            result = connection.execute(
                text("DELETE FROM kombu_message WHERE visible = :hidden AND timestamp < :before"),
                {"hidden": False, "before": (utcnow() - DELIVERED_KEPT).replace(tzinfo=None)},
            )
            return result.rowcount
    finally:
        engine.dispose()


class EmbeddedWorker:
    """A Celery worker (one job at a time) and the scheduler, in threads of this process: the embedded
    default for `lms serve` and `lms demo`, so a small site needs no server besides the app."""

    def __init__(self, app: Flask, beat: bool = True):
        from celery.worker import WorkController

        self.celery = celery_app(app)
        # No remote-control channel: nothing broadcasts to an embedded worker, and stopping it from another
        # thread would wait on that channel's connection.
        self.celery.conf.worker_enable_remote_control = False
        self.worker = WorkController(
            app=self.celery,
            hostname=f"embedded@{app.instance_path}",
            pool="solo",
            concurrency=1,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            ready_callback=None,
        )
        self.beat = None
        if beat:
            from celery.beat import EmbeddedService

            self.beat = EmbeddedService(self.celery, thread=True)

    def start(self) -> "EmbeddedWorker":
        threading.Thread(target=self._work, name="lms-worker", daemon=True).start()
        if self.beat is not None:
            self.beat.start()
        return self

    def _work(self) -> None:
        # Celery finds "the current app" per thread: in this one, ours (not a default app).
        self.celery.set_current()
        self.worker.start()

    def stop(self) -> None:
        if self.beat is not None:
            self.beat.stop()
        self.worker.stop(in_sighandler=False)
