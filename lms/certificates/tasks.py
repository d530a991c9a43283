"""Bulk certificate exports: a background job (lms.jobs) renders the ZIP, never the web worker.

The job's row holds its progress and, if it failed, why, so any web host can show it; the finished file
waits in the site's storage (lms.storage) for its download.
"""

import tempfile
import threading
from pathlib import Path

from flask import current_app

from lms.certificates.models import Certificate, ExportJob
from lms.db import db, utcnow
from lms.jobs import enqueue, task
from lms.storage import storage


def export_key(job: ExportJob) -> str:
    return f"exports/{job.filename}"


def start(job: ExportJob) -> None:
    """Queue the job; it is sent when the caller commits."""
    db.session.add(job)
    db.session.flush()
    enqueue(run_export, job.id)


def _failed(error: BaseException, job_id: int) -> None:
    job = db.session.get(ExportJob, job_id)
    if job is not None:
        job.status, job.error, job.finished_at = "failed", str(error)[:500] or type(error).__name__, utcnow()


@task("certificates.export", on_failure=_failed)
def run_export(job_id: int) -> None:
    """Write the job's ZIP with the runner of its kind, committing progress as it goes; a job already done
    is left alone, and one tried again starts over (the file is rewritten whole)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status == "done":
        return
    job.status, job.total, job.done, job.error = "running", 0, 0, ""
    db.session.commit()

    def progress(done: int) -> None:
        if done == job.total or done % 10 == 0:
            job.done = done
            db.session.commit()

    # Rendering processes are forked: never from a thread (the embedded worker inside `lms serve`, a job
    # run at once by a threaded server), where a lock held by another thread can hang the child.
    on_main_thread = threading.current_thread() is threading.main_thread()
    processes = current_app.config["EXPORT_PROCESSES"] if on_main_thread else 1
    filename = f"{job.kind}-{job.id}.zip"
    with tempfile.TemporaryDirectory(prefix="lms-export-") as scratch:
        archive = Path(scratch) / filename
        RUNNERS[job.kind](job, archive, progress, processes)
        storage().save_file(f"exports/{filename}", archive)
    job.status, job.filename, job.done, job.finished_at = "done", filename, job.total, utcnow()
    db.session.commit()


def _certificates_zip(job: ExportJob, target: Path, progress, processes: int) -> None:
    from lms.certificates.services import certificates_query, export_zip

    params = job.params
    certificates: list[Certificate] = list(
        db.session.scalars(
            certificates_query(course_id=params.get("course_id"), status=params.get("status", ""))
        )
    )
    job.total = len(certificates)
    db.session.commit()
    export_zip(certificates, target, processes=processes, progress=progress)


# Each kind of export job and the function that writes its ZIP: (job, target, progress, processes). It
# sets job.total and calls progress(done); features add their kinds (the e-classroom's evidence ZIP).
RUNNERS = {"certificates": _certificates_zip}
