"""Export jobs: every export that can be large is made by one background job (lms.jobs), whatever it is.

`KINDS` is the one registry of export kinds: a name (stored in `export_jobs.kind`) and where its runner
lives, loaded on first use so that this module imports no feature. A runner is either

- a function `(job, target, progress, processes)` that writes the job's file to `target` (a Path),
  sets `job.total` (and commits) and calls `progress(done)`: the certificate and evidence ZIPs; or
- a `PageExport`: an export a page offers as a download (a CSV, an XLSX, a PDF). Its `build(fmt,
  **args)` is the route's body: it loads, checks permission and returns an `Export` (rows or a file
  writer, an estimated size, a filename). `respond()` calls it in the request and sends the file when
  it is small (`EXPORT_IN_REQUEST_CELLS`), or starts a job and shows its page; the job calls `build`
  again as the user who asked (their permissions, checked again; their language and time zone).

The job row (`ExportJob`) holds the progress and, if it failed, why, so every web host shows the page;
the file goes to the site's storage (lms.storage) under `exports/`, so every host serves the download.
A job is idempotent: one that is done is left alone, one tried again (after a transient error, or a
worker that died: `acks_late`) starts over and writes its file whole.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from flask import current_app, g, redirect, request, url_for
from flask_babel import force_locale, get_locale
from flask_login import current_user
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import Forbidden

from lms.db import db, utcnow, writing
from lms.exports import csv_lines, csv_response, write_xlsx, xlsx_response
from lms.exports.models import ExportJob
from lms.jobs import enqueue, task
from lms.storage import storage

# Every kind of export job and its runner ("module:attribute"); a feature adds its kinds here.
KINDS = {
    "certificates": "lms.certificates.exports:certificates_zip",
    "evidence": "lms.classroom.evidence:evidence_job",
    "progress": "lms.progress.views:progress_file",
    "attendance": "lms.classroom.views:attendance_file",
    "indicators": "lms.classroom.views:report_file",
    "quiz_results": "lms.quizzes.views:results_file",
    "my_data": "lms.auth.views:my_data_file",
}

MIME_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "zip": "application/zip",
}

PROGRESS_SECONDS = 1.0  # a job's progress is written at most this often (and at the end)


def runner(kind: str):
    """The runner of an export kind; KeyError for a kind that is not registered."""
    module, _, attribute = KINDS[kind].partition(":")
    return getattr(import_module(module), attribute)


def export_key(job: ExportJob) -> str:
    return f"exports/{job.filename}"


def mimetype(filename: str) -> str:
    return MIME_TYPES.get(filename.rpartition(".")[2].lower(), "application/octet-stream")


def start(job: ExportJob) -> None:
    """Queue the job; it is sent when the caller commits."""
    if job.kind not in KINDS:
        raise KeyError(f"no export kind {job.kind!r}")
    db.session.add(job)
    db.session.flush()
    enqueue(run_export, job.id)


def _failed(error: BaseException, job_id: int) -> None:
    db.session.rollback()
    job = db.session.get(ExportJob, job_id)
    if job is not None:
        job.status, job.error, job.finished_at = "failed", _reason(error), utcnow()


def _reason(error: BaseException) -> str:
    """What the job's page says when it failed: the error's own words (an HTTP error's description)."""
    text = getattr(error, "description", None) or str(error)
    return text[:500] or type(error).__name__


def _record_progress(job_id: int, **values) -> None:
    """Write progress through a connection of its own: the job's session may be reading rows (a cursor
    open), which a commit would cut short, and its loaded objects stay loaded."""
    with db.engine.begin() as connection:
        connection.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


@task("exports.run", on_failure=_failed)
def run_export(job_id: int) -> None:
    """Write the job's file with its kind's runner, recording progress as it goes; a job already done is
    left alone, and one tried again starts over (the file is rewritten whole)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status == "done":
        return
    job.status, job.total, job.done, job.error = "running", 0, 0, ""
    db.session.commit()
    last = [0.0]

    def progress(done: int) -> None:
        now = time.monotonic()
        if done == job.total or now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            _record_progress(job_id, done=done)

    # Rendering processes are forked: never from a thread (the embedded worker inside `lms serve`, a job
    # run at once by a threaded server), where a lock held by another thread can hang the child.
    on_main_thread = threading.current_thread() is threading.main_thread()
    processes = current_app.config["EXPORT_PROCESSES"] if on_main_thread else 1
    run = runner(job.kind)
    filename = job.params.get("filename") or f"{job.kind}-{job.id}.zip"
    with tempfile.TemporaryDirectory(prefix="lms-export-") as scratch:
        target = Path(scratch) / filename
        (run.run if isinstance(run, PageExport) else run)(job, target, progress, processes)
        storage().save_file(f"exports/{filename}", target)
    db.session.commit()  # ends the runner's transaction (SQLite: a reader cannot write after others did)
    job = db.session.get(ExportJob, job_id)
    job.status, job.filename, job.done, job.finished_at = "done", filename, job.total, utcnow()
    db.session.commit()


@task("certificates.export", on_failure=_failed)
def run_certificates_export(job_id: int) -> None:
    """The name export jobs were queued under before all exports shared one task: one still waiting in a
    queue when the site is upgraded is run as any other."""
    run_export(job_id)


# --- exports a page offers ----------------------------------------------------------------------------


@dataclass
class Export:
    """What an export route makes, built as the user asking for it (permission checked): rows for a CSV
    or an XLSX, or `write(file)` for any other file (a PDF); `size` estimates its work in cells, which
    decides between the request and a job; `total` counts its rows, for the job's progress."""

    filename: str
    size: int
    rows: Callable[[], Iterable[Iterable]] | None = None
    sheet: str = "Sheet1"
    write: Callable[[object], None] | None = None
    total: int = 0
    title: str = ""  # the job page's heading
    back: str = ""  # the page the export was asked from


class PageExport:
    """An export kind whose file a page offers: `build(fmt, **args) -> Export`, called by `respond()` in
    the request and by the job as the user who asked."""

    def __init__(self, kind: str, build: Callable[..., Export]):
        self.kind, self.build = kind, build

    def __call__(self, fmt: str, **args) -> Export:
        return self.build(fmt, **args)

    def run(self, job: ExportJob, target: Path, progress, processes: int) -> None:
        params = job.params
        with as_requester(job):
            export = self.build(params["fmt"], **params.get("args", {}))
            # Recorded through progress's own connection; the job's session (reading) must not write it.
            set_committed_value(job, "total", export.total or 1)
            _record_progress(job.id, total=job.total)
            write_export(export, params["fmt"], target, progress)


def page_export(kind: str) -> Callable[[Callable[..., Export]], PageExport]:
    """Declare the build function of an export kind (its name is in KINDS)."""

    def decorate(build: Callable[..., Export]) -> PageExport:
        return PageExport(kind, build)

    return decorate


def _counted(rows: Iterable[Iterable], progress) -> Iterator[Iterable]:
    for done, row in enumerate(rows):
        yield row
        if done:
            progress(done)  # the header is row 0


def write_export(export: Export, fmt: str, target: Path, progress=lambda done: None) -> None:
    if export.rows is not None and fmt == "csv":
        with target.open("w", encoding="utf-8", newline="") as file:
            file.writelines(csv_lines(_counted(export.rows(), progress)))
    elif export.rows is not None:
        with target.open("wb") as file:
            write_xlsx(_counted(export.rows(), progress), file, export.sheet)
    else:
        with target.open("wb") as file:
            export.write(file)
    progress(export.total or 1)


@contextmanager
def as_requester(job: ExportJob):
    """A request context in which the job's creator is the current user, in the language they asked in:
    a route's body runs as it would in their request, their permissions checked again."""
    from lms.auth.models import User

    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    if user is None or not user.is_active:
        raise Forbidden("The user who asked for this export can no longer sign in.")
    params = job.params
    with current_app.test_request_context(
        base_url=current_app.config["BASE_URL"], query_string=params.get("query") or None
    ):
        g._login_user = user  # flask_login's current_user
        with force_locale(params.get("locale") or current_app.config.get("DEFAULT_LOCALE", "en")):
            yield user


def respond(export_kind: PageExport, fmt: str, **args):
    """The response of an export route: the file itself when the export is small, else a job (queued,
    the job's page shown) that makes it. `export_kind(fmt, **args)` checks permission first."""
    export = export_kind(fmt, **args)
    if export.size <= current_app.config["EXPORT_IN_REQUEST_CELLS"]:
        if export.rows is None:
            from io import BytesIO

            from flask import send_file

            buffer = BytesIO()
            export.write(buffer)
            buffer.seek(0)
            return send_file(
                buffer, mimetype=mimetype(export.filename), as_attachment=True, download_name=export.filename
            )
        if fmt == "csv":
            return csv_response(export.rows(), export.filename)
        return xlsx_response(export.rows(), export.filename, sheet=export.sheet)
    with writing():  # a GET that writes: the job's row, committed at the end of this block
        job = ExportJob(
            kind=export_kind.kind,
            created_by_id=current_user.id,
            params={
                "fmt": fmt,
                "args": args,
                "query": list(request.args.items(multi=True)),
                "locale": str(get_locale()),
                "title": export.title or export.filename,
                "back": export.back,
                "download_name": export.filename,
            },
        )
        start(job)
        db.session.flush()
        stem, _, suffix = export.filename.rpartition(".")
        job.params = {**job.params, "filename": f"{stem}-job{job.id}.{suffix}"}
    return redirect(url_for("exports.status", job_id=job.id))
