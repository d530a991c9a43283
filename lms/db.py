"""The SQLAlchemy handle, the declarative base and a constraint naming convention for Alembic."""

import logging
import re
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache

from flask import current_app, g, has_request_context, request, request_started
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

from lms.write_gate import gate_for

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
logger = logging.getLogger(__name__)


def prepared(build):
    """A statement built on first use and then reused, its values given as bound parameters at each
    execution (`db.session.scalar(statement(), {"slug": slug})`): SQLAlchemy keeps a statement's cache
    key with it, so a page's hottest queries are neither built nor keyed again on every request."""
    return cache(build)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on every backend: SQLite stores naive values, so we put the zone back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


# How long a SQLite writer waits for another worker's write lock before giving up ("database is locked").
BUSY_TIMEOUT_MS = 10_000


def is_lock_timeout(error: Exception) -> bool:
    """SQLite gave up waiting for another connection's write lock (after BUSY_TIMEOUT_MS)."""
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, foreign keys and a busy timeout for SQLite; other backends are left alone."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # SQLite's lower() folds ASCII only; searches for Greek and Cyrillic names need Unicode folding.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # Let SQLAlchemy's "begin" below start transactions, instead of the driver's own late, implicit BEGIN.
    dbapi_connection.isolation_level = None
    gate = gate_for(_database_file(dbapi_connection))
    if gate is not None:
        connection_record.info["write_gate"] = gate


def _database_file(dbapi_connection) -> str | None:
    """The file of a SQLite connection's main database ('' for an in-memory one)."""
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    return row[2] if row else None


@event.listens_for(Pool, "checkin")
def _release_write_gate(dbapi_connection, connection_record):
    """A connection back in the pool has committed or rolled back: the next writer may go."""
    gate = connection_record.info.get("write_gate") if connection_record is not None else None
    if gate is not None:
        gate.release()


@event.listens_for(Pool, "close")
def _close_write_gate(dbapi_connection, connection_record):
    gate = connection_record.info.pop("write_gate", None)
    if gate is not None:
        gate.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """A request that changes data (POST...) takes SQLite's write lock when its transaction starts
    (BEGIN IMMEDIATE): two workers writing at once then wait for each other (busy_timeout) instead of
    one failing with "database is locked" when it upgrades a read lock halfway. Reads stay deferred, and
    a page view that has bookkeeping to write does it in a transaction of its own (`writing`)."""
    if connection.dialect.name != "sqlite" or connection.get_execution_options().get("lms_own_transactions"):
        return  # the job queue's engine (kombu) opens its own BEGIN IMMEDIATE
    writer = _begins_as_writer()
    connection.info["sqlite_writer"] = writer
    gate = connection.info.get("write_gate") if writer else None
    if gate is not None:
        gate.acquire(BUSY_TIMEOUT_MS / 1000)  # past the timeout, SQLite's own wait decides (lms.write_gate)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@request_started.connect
def _mark_served(sender, **extra):
    request.environ["lms.served"] = True


def _serving_request() -> bool:
    """True within a request the app is serving; False in the CLI and jobs, even when they pretend a
    request (test_request_context) to build URLs: they keep one transaction, begun as before."""
    return has_request_context() and request.environ.get("lms.served", False)


def _begins_as_writer() -> bool:
    if not _serving_request():
        return False
    if "db_writer" in g:
        return g.db_writer
    view = current_app.view_functions.get(request.endpoint)
    return request.method not in SAFE_METHODS and not getattr(view, "db_reads_first", False)


def reads_first(view):
    """Mark a POST view that computes before it writes (a login checks a password): its transaction
    begins as a reader, so no one waits on the SQLite write lock while it hashes, and it calls
    `start_writing()` once the computing is done and before its first write."""
    view.db_reads_first = True
    return view


def start_writing(*refresh) -> None:
    """From here on this request writes. On SQLite, a transaction that began as a reader (nothing was
    written in it) ends here and the next one begins with BEGIN IMMEDIATE; `refresh` are objects read
    before that must be read again now that no one else can change them. A transaction that is
    already a writer, and every other database, go on as they are (so a request stays one transaction)."""
    if not _serving_request():
        return
    g.db_writer = True
    if not _in_sqlite_reader():
        return
    _commit_keeping_objects()
    for instance in refresh:
        if inspect(instance).persistent:
            db.session.refresh(instance)


@contextmanager
def writing(*refresh, best_effort: bool = False):
    """Write something from a page that otherwise reads (a GET), in a short transaction of its own that
    begins as a writer and is committed at the end of the block; the rest of the request reads again.

    `best_effort` is for bookkeeping a page view does on the side (last access, "viewed" completion): if
    the database stays locked past the busy timeout, or a twin request wrote the same row first, it is
    dropped and logged, and the page is shown all the same. A page view never fails because of it."""
    try:
        start_writing(*refresh)
        yield
        _commit_keeping_objects()
    except (OperationalError, IntegrityError) as error:
        if not best_effort:
            raise
        db.session.rollback()
        logger.warning("page-view bookkeeping skipped: %s", error.orig)
    finally:
        if _serving_request():
            g.db_writer = False


def _in_sqlite_reader() -> bool:
    session = db.session()
    if session.get_bind().dialect.name != "sqlite" or not session.in_transaction():
        return False
    return not session.connection().info.get("sqlite_writer", False)


def _commit_keeping_objects() -> None:
    """Commit without expiring what was loaded: a page goes on rendering it without reloading each row."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@event.listens_for(Engine, "before_cursor_execute")
def _no_write_in_sqlite_reader(connection, cursor, statement, parameters, context, executemany):
    """A request that writes inside a transaction begun as a reader fails with "database is locked" as
    soon as another worker writes: tests fail on it at once (whichever database they run on, the
    SQLite run finds it), production logs it."""
    if connection.dialect.name != "sqlite" or connection.info.get("sqlite_writer", True):
        return
    if not _serving_request() or not WRITE_STATEMENT.match(statement):
        return
    message = f"{request.method} {request.path} writes in a transaction begun as a reader: {statement[:60]}"
    if current_app.testing:
        raise RuntimeError(message + " (use lms.db.writing or start_writing)")
    logger.warning(message)


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value
