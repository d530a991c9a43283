"""Bulk exports run in a process of their own (`lms certificates run-job ID`), never in the web worker.

The job's row holds its progress, so any worker can show it, and the finished file waits in
instance/exports/ for its download.
"""

import os
import subprocess
import sys
from pathlib import Path

from flask import current_app

from lms.certificates.models import Certificate, ExportJob
from lms.db import db, utcnow


def exports_dir() -> Path:
    path = Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(job: ExportJob) -> None:
    """Run the job: in a background process, or here and now when EXPORT_JOBS_INLINE is set (tests)."""
    if current_app.config.get("EXPORT_JOBS_INLINE"):
        run(job.id)
        return
    config = current_app.config
    env = {
        **os.environ,
        "LMS_INSTANCE_PATH": current_app.instance_path,
        "LMS_SECRET_KEY": config["SECRET_KEY"],
        "LMS_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
    }
    subprocess.Popen(  # noqa: S603 (our own CLI, no shell, arguments we made)
        [sys.executable, "-m", "lms", "certificates", "run-job", str(job.id)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def run(job_id: int, processes: int = 2) -> ExportJob:
    """Run the job's kind of export (RUNNERS), recording its progress and its file or its error."""
    job = db.session.get(ExportJob, job_id)
    job.status, job.total, job.done = "running", 0, 0
    db.session.commit()
    target = exports_dir() / f"{job.kind}-{job.id}.zip"

    def progress(done: int) -> None:
        if done == job.total or done % 10 == 0:
            job.done = done
            db.session.commit()

    try:
        RUNNERS[job.kind](job, target, progress, processes)
    except Exception as error:  # the job page must say it failed, whatever went wrong
        db.session.rollback()
        job.status, job.error, job.finished_at = "failed", str(error)[:500], utcnow()
        db.session.commit()
        raise
    job.status, job.filename, job.done, job.finished_at = "done", target.name, job.total, utcnow()
    db.session.commit()
    return job


def _certificates_zip(job: ExportJob, target: Path, progress, processes: int) -> None:
    from lms.certificates.services import certificates_query, export_zip

    params = job.params
    certificates: list[Certificate] = list(
        db.session.scalars(
            certificates_query(
                course_id=params.get("course_id"),
                status=params.get("status", ""),
            )
        )
    )
    job.total = len(certificates)
    db.session.commit()
    export_zip(certificates, target, processes=processes, progress=progress)


# Each kind of export job and the function that writes its ZIP: (job, target, progress, processes). It
# sets job.total and calls progress(done); features add their kinds (the e-classroom's evidence ZIP).
RUNNERS = {"certificates": _certificates_zip}
